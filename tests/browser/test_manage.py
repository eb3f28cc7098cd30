"""Management pages in a real Chromium: a school admin on a phone creates a class and resets a teacher's
password; the teacher logs in with the temporary password and must change it; the district admin sees
all of it in the audit log."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district(transactional_db):
    from zhijiao.demo.builder import build_demo

    return build_demo(size="small", extensions=False)


def _fits_phone(p):
    assert p.evaluate("document.documentElement.scrollWidth") <= 360


def _new_page(browser, phone=False):
    if phone:
        ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    else:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    return ctx, ctx.new_page()


def test_school_admin_creates_class_and_resets_password_on_a_phone(district, browser, phone_page, browser_login,
                                                                     live_server):
    from zhijiao.accounts.models import User
    from zhijiao.core.models import OrgNode

    p = phone_page
    p.on("dialog", lambda d: d.accept())  # the 确定要重置…吗？ confirmation
    browser_login(p, "xiao_admin")
    # From the home page to the school's org page.
    p.click("a[data-app=org]")
    p.wait_for_load_state()
    assert p.locator("h1").inner_text() == district.schools[0].name
    _fits_phone(p)

    # A new class in 一年级: the name is suggested; an existing name is refused first, keeping the input.
    grade = p.locator("section[data-grade=一年级]")
    grade.locator("summary").click()
    form = grade.locator("form[data-testid=new-class-1]")
    assert form.locator("input[name=name]").input_value() == "一年级(3)班"
    form.locator("input[name=name]").fill("一年级(1)班")
    form.locator("input[name=code]").fill("C-0105")
    form.locator("button[type=submit]").click()
    p.wait_for_load_state()
    assert "已有同名" in p.locator(".error").first.inner_text()
    assert p.locator("input[name=code]").input_value() == "C-0105"
    _fits_phone(p)
    p.fill("input[name=name]", "一年级(5)班")
    p.click("form[data-testid=node-form] button[type=submit]")
    p.wait_for_load_state()
    assert "已新建“一年级(5)班”" in p.locator(".msg-success").inner_text()
    assert p.locator("tr[data-class='一年级(5)班']").count() == 1
    assert OrgNode.objects.filter(name="一年级(5)班", code="C-0105").exists()
    _fits_phone(p)

    # Find the 语文 teacher and reset the password.
    p.click("nav.tabs >> text=师生家长账号")
    p.wait_for_load_state()
    p.fill("input[name=q]", "laoshi2")
    p.click("form[data-testid=people-search] button[type=submit] >> nth=0")
    p.wait_for_load_state()
    teacher = User.objects.get(username="laoshi2")
    p.click(f"a[href='/accounts/manage/people/{teacher.pk}/']")
    p.wait_for_load_state()
    masked = teacher.phone[:3] + "****" + teacher.phone[-4:]
    assert p.locator("[data-testid=phone]").inner_text() == masked
    _fits_phone(p)
    p.click("[data-testid=reset-password]")
    p.wait_for_load_state()
    temporary = p.locator("[data-testid=temporary-password]").inner_text().strip()
    assert re.fullmatch(r"Zj\d{6}[a-z]", temporary)
    assert "只显示这一次" in p.content()
    _fits_phone(p)

    # The teacher logs in with it (on a phone too) and is made to choose a new password first.
    ctx, t = _new_page(browser, phone=True)
    try:
        browser_login(t, "laoshi2", temporary)
        assert t.locator("h1").inner_text() == "修改密码"
        assert "密码被重置后" in t.locator(".msg-warning").inner_text()
        t.goto(f"{live_server.url}/")  # every page leads back to the change form
        assert t.locator("h1").inner_text() == "修改密码"
        t.fill("#id_old_password", temporary)
        t.fill("#id_new_password", "Jinjiang#2026")
        t.fill("#id_new_password2", "Jinjiang#2026")
        t.click("main button[type=submit]")
        t.wait_for_load_state()
        assert t.locator("h1").inner_text() == "我的工作台"
        _fits_phone(t)
    finally:
        ctx.close()

    # The district admin sees the class creation, the reset and the change in the audit log.
    ctx, d = _new_page(browser)
    try:
        browser_login(d, "qu_admin")
        d.goto(f"{live_server.url}/accounts/audit/")
        table = d.locator("table[data-testid=audit]").inner_text()
        assert "新建班级" in table and "重置密码" in table and "修改密码" in table
        assert "xi******in" in table  # xiao_admin, masked
        assert teacher.name not in table and teacher.phone not in table
        d.select_option("select[name=action]", "password_reset")
        d.click("form[data-testid=audit-filter] button[type=submit]")
        d.wait_for_load_state()
        rows = d.locator("table[data-testid=audit] tbody tr")
        assert rows.count() == 1 and f"user #{teacher.pk}" in rows.first.inner_text()
        with d.expect_download() as dl:
            d.click("[data-testid=export]")
        assert dl.value.suggested_filename.endswith(".xlsx")
    finally:
        ctx.close()


def test_people_search_and_reveal_on_a_phone(district, phone_page, browser_login):
    from zhijiao.accounts.models import AuditAction, AuditLog, User

    p = phone_page
    browser_login(p, "xiao_cio")
    p.click("a[data-app=people]")
    p.wait_for_load_state()
    assert p.locator("table[data-testid=people] tbody tr").count() == 20
    _fits_phone(p)
    p.click("button[name=page][value='2']")
    p.wait_for_load_state()
    assert "第 2 /" in p.locator("[data-testid=page-info]").inner_text()
    assert "/accounts/manage/people/" == p.url.split(p.url.split("/accounts")[0])[1].split("?")[0]
    p.select_option("select[name=role]", "head_teacher")
    p.fill("input[name=q]", "")
    p.click("form[data-testid=people-search] button[type=submit] >> nth=0")
    p.wait_for_load_state()
    teacher = User.objects.get(username="laoshi")
    p.click(f"a[href='/accounts/manage/people/{teacher.pk}/']")
    p.wait_for_load_state()
    p.click("[data-testid=reveal]")
    p.wait_for_load_state()
    assert p.locator("[data-testid=phone]").inner_text() == teacher.phone
    assert AuditLog.objects.filter(action=AuditAction.SENSITIVE_READ, target_id=str(teacher.pk)).count() == 1
    _fits_phone(p)
    # The CIO's audit log shows that read, on a phone too.
    p.click("nav.tabs >> text=审计日志")
    p.wait_for_load_state()
    assert p.locator("tr[data-action=sensitive_read]").count() == 1
    _fits_phone(p)
