"""The resource centre in a real Chromium: browse the textbook tree to a chapter and open a resource
(desktop and a 360 px phone), then upload as a teacher and approve as the school's reviewer."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def library(transactional_db, settings, tmp_path):
    from zhijiao.catalog import demo as catalog_demo
    from zhijiao.demo.builder import build_demo
    from zhijiao.resources import demo as resources_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    ctx = build_demo(size="small", extensions=False)
    catalog_demo.build(ctx)  # the shipped textbook catalog
    resources_demo.build(ctx)
    return ctx


def _watch(p):
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _fits(p, width):
    return p.evaluate("document.documentElement.scrollWidth") <= width


def _browse_to_first_chapter(p, live_server):
    p.goto(f"{live_server.url}/")
    p.get_by_role("link", name="资源中心").first.click()
    p.wait_for_load_state()
    assert "资源中心" in p.locator("h1").inner_text()
    p.locator("[data-level=stage]").get_by_role("link", name="小学", exact=True).click()
    p.locator("[data-level=subject]").get_by_role("link", name="语文", exact=True).click()
    p.locator("[data-level=edition]").get_by_role("link", name="统编版", exact=True).click()
    p.locator("[data-level=book]").get_by_role("link", name="一年级上册", exact=True).click()
    p.wait_for_load_state()
    tree = p.locator("[data-testid=chapter-tree]")
    tree.get_by_role("link", name="第一单元", exact=True).click()  # a unit shows everything under it
    p.wait_for_load_state()
    assert "第一单元" in p.locator("#res-list-title").inner_text()
    assert p.locator("[data-testid=chapter-tree] [aria-current=page]").inner_text() == "第一单元"
    cards = p.locator("[data-testid=resource-cards] article")
    assert cards.count() >= 1
    return cards


def test_teacher_browses_by_tree_and_opens_a_resource_on_desktop(library, page, browser_login, live_server):
    errors = _watch(page)
    browser_login(page, "laoshi")
    cards = _browse_to_first_chapter(page, live_server)
    title = cards.first.locator("h3").inner_text()
    cards.first.locator("h3 a").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == title
    assert page.locator("[data-testid=status]").inner_text() == "已通过"
    fav = page.locator("[data-testid=favourite]")
    before = fav.inner_text()
    fav.click()
    page.wait_for_load_state()
    assert fav.inner_text() != before  # 收藏 ⇄ 取消收藏
    assert "收藏" in page.locator(".messages").inner_text()
    page.get_by_role("button", name="5 星").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="5 星").get_attribute("aria-pressed") == "true"
    assert errors == []


def test_student_browses_and_opens_a_resource_on_a_phone(library, phone_page, browser_login, live_server):
    p = phone_page
    errors = _watch(p)
    browser_login(p, "xuesheng")
    cards = _browse_to_first_chapter(p, live_server)
    assert _fits(p, 360)
    cards.first.locator("h3 a").click()
    p.wait_for_load_state()
    assert p.locator("h1").is_visible()
    assert _fits(p, 360), "the resource page scrolls sideways on a phone"
    # the viewer or player sits within the screen
    media = p.locator("[data-testid=player], [data-testid=viewer], .res-image, .card a.btn-primary, .empty").first
    box = media.bounding_box()
    assert box and box["width"] <= 360
    assert errors == []


def test_upload_then_school_review(library, page, browser, browser_login, live_server, tmp_path):
    from zhijiao.resources import samples

    video = tmp_path / "认识秒针.mp4"
    video.write_bytes(samples.mp4(180))
    browser_login(page, "laoshi")
    page.goto(f"{live_server.url}/resources/upload/")
    # a lying file is refused with a clear message, and what was typed stays
    fake = tmp_path / "花的学校.pdf"
    fake.write_bytes(samples.png())
    page.select_option("#id_type", "lesson_plan")
    page.fill("#id_title", "《花的学校》第一课时 教学设计")
    page.set_input_files("#id_file", str(fake))
    page.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    assert "文件类型不符：扩展名是 .pdf，但内容是 PNG 图片" in page.locator("[data-testid=upload-form]").inner_text()
    assert page.input_value("#id_title") == "《花的学校》第一课时 教学设计"

    page.select_option("#id_type", "micro")
    page.fill("#id_title", "时、分、秒 微课：认识秒针")
    page.set_input_files("#id_file", str(video))
    page.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "时、分、秒 微课：认识秒针"
    assert page.locator("[data-testid=status]").inner_text() == "待学校审核"

    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    admin = ctx.new_page()
    browser_login(admin, "xiao_admin")
    admin.goto(f"{live_server.url}/resources/review/")
    admin.locator("[data-testid=review-queue]").get_by_role("link", name="时、分、秒 微课：认识秒针").click()
    admin.wait_for_load_state()
    assert admin.locator("[data-testid=player]").count() == 1  # the reviewer can watch it first
    admin.locator("[data-testid=review-form]").get_by_label("通过", exact=True).check()
    admin.get_by_role("button", name="提交审核结论").click()
    admin.wait_for_load_state()
    assert "已处理" in admin.locator(".messages").inner_text()
    ctx.close()

    page.goto(f"{live_server.url}/resources/notifications/")  # the old address leads to the one inbox
    assert page.url == f"{live_server.url}/inbox/"
    assert "已通过审核" in page.locator("[data-testid=inbox]").inner_text()
    page.goto(f"{live_server.url}/resources/mine/?status=approved")
    assert "时、分、秒 微课：认识秒针" in page.locator("table").inner_text()


def test_a_link_resource_with_a_long_address_fits_a_phone(library, phone_page, browser_login, live_server):
    from django.utils import timezone

    from zhijiao.resources.models import Level, Resource, ResourceType, Sharing, Status

    r = Resource.objects.create(
        type=ResourceType.LINK, title="国家中小学智慧教育平台 勾股定理 微课", level=Level.DISTRICT,
        sharing=Sharing.DISTRICT, status=Status.APPROVED, published_at=timezone.now(),
        external_url="https://basic.smartedu.cn/syncClassroom/classActivity?activityId=" + "a1b2c3d4" * 12)
    browser_login(phone_page, "xuesheng")
    phone_page.goto(f"{live_server.url}/resources/{r.pk}/")
    assert phone_page.get_by_role("link", name="打开外部链接").is_visible()
    assert _fits(phone_page, 360)
