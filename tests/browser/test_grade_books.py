"""The grade's book in a real Chromium at 360 px (issue 21 part 3): a district admin confirms a renamed lesson
on 同课对应审核; a 七年级 数学 teacher whose grade uses the 2024 人教数学 opens the bank on that book and finds
the question tagged on the earlier edition's lesson, with the page saying where it comes from."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_page_budget import AXE, AXE_RULES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _axe(page) -> list:
    """WCAG 2.1 A/AA violations, as the page-budget walk checks them (axe-core, vendored)."""
    page.evaluate(AXE)
    return page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                         ".then(r => r.violations.map(v => v.id))", AXE_RULES)


def test_district_admin_confirms_a_renamed_lesson(catalog_district, live_server, phone_page, browser_login):
    from zhijiao.catalog.models import ChapterLink

    p = phone_page
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(p, "qu_admin")
    p.goto(f"{live_server.url}/catalog/manage/")
    p.get_by_role("link", name="审核新旧版次改名课的对应").click()
    p.wait_for_load_state()
    p.get_by_role("link", name="人教版 数学 七年级上册（2024年版）", exact=True).click()
    p.wait_for_load_state()
    assert _axe(p) == []
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    p.get_by_label("确认 1.2 有理数及其大小比较").check()
    p.get_by_role("button", name="确认勾选的对应").click()
    p.wait_for_load_state()
    expect(p.locator(".msg-success")).to_contain_text("已确认 1 项同课对应")
    expect(p.locator("[data-testid=linked]")).to_contain_text("1.2 有理数及其大小比较 ← 1.2 有理数")
    assert ChapterLink.objects.filter(old__book__code="rj-sx-g7a", old__title="1.2 有理数",
                                      new__book__code="rj-sx-g7a-2024").count() == 1
    assert errors == []


def test_grade7_teacher_opens_the_bank_on_the_grade_book(catalog_district, live_server, phone_page, browser_login):
    from zhijiao.accounts.models import Role, User
    from zhijiao.catalog.actions import grade_edition_set
    from zhijiao.catalog.models import Chapter, Edition, Stage, Subject
    from zhijiao.questions.tests.factories import make_question

    role = (Role.objects.filter(kind="subject_teacher", subject="数学", node__grade_level=7)
            .select_related("user").order_by("node__path").first())
    grade_edition_set(actor=User.objects.get(username="qu_admin"), node=catalog_district.district,
                      stage=Stage.objects.get(code="cz"), subject=Subject.objects.get(code="sx"), grade=7,
                      edition=Edition.objects.get(code="rj"), revision="2024年版")
    old = make_question(role.user, stem="旧版正数和负数：-3 是负数吗",
                        chapter=Chapter.objects.get(book__code="rj-sx-g7a", title="1.1 正数和负数"))
    p = phone_page
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(p, role.user.username)
    p.goto(f"{live_server.url}/questions/")
    expect(p.locator("[data-testid=book-default]")).to_contain_text("人教版 数学 七年级上册（2024年版）")
    expect(p.locator("[data-testid=linked-notice]")).to_contain_text("含旧版《人教版 数学 七年级上册》同课试题")
    expect(p.locator(".q-list")).to_contain_text(old.stem)
    expect(p.get_by_label("教材", exact=True)).to_have_value(
        str(Chapter.objects.get(book__code="rj-sx-g7a-2024", title="1.1 正数和负数").book_id))
    assert _axe(p) == []
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
