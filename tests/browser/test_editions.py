"""Editions in a real Chromium (issue 21 part 2): the district admin chooses the edition a grade uses on the
年级用书 page; a teacher on a 360 px phone browses to a lesson of the 2024 book and finds the resource tagged on
the same lesson of the earlier edition, with the page saying where it comes from."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_district_admin_chooses_the_edition_of_a_grade(catalog_district, live_server, phone_page, browser_login):
    from zhijiao.catalog.models import GradeEdition

    page = phone_page  # 360 px, as the page-budget walk checks every page
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, "qu_admin")
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="年级用书").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "年级用书"
    grade7 = page.get_by_label("初中七年级语文用书", exact=True)
    grade7.select_option(label="统编版 · 2024年版（2024 年起用）")
    page.get_by_label("初中七年级语文允许学校自选", exact=True).check()
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status").or_(page.locator(".msg-success"))).to_contain_text("已保存年级用书")
    row = GradeEdition.objects.get(node=catalog_district.district, subject__code="yw", grade_level=7)
    assert (row.edition.code, row.revision, row.schools_may_choose) == ("tb", "2024年版", True)
    # the page shows the choice after the save
    expect(page.get_by_label("初中七年级语文用书", exact=True)).to_have_value("tb|2024年版")
    # WCAG 2.1 A/AA as the page-budget walk checks it (axe-core, vendored)
    page.evaluate((Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text())
    violations = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                               ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.slice(0, 3)"
                               ".map(n => n.target.join(' ')).join(', ')))",
                               ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    assert violations == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []


def test_teacher_finds_the_old_editions_resource_from_the_new_book_on_a_phone(catalog_district, live_server, phone_page,
                                                                             browser_login):
    from django.utils import timezone

    from zhijiao.accounts.models import User
    from zhijiao.catalog.models import Chapter
    from zhijiao.resources.models import Resource

    old_cat = Chapter.objects.get(book__code="tb-yw-g7a", title="16 猫")
    r = Resource.objects.create(type="courseware", title="《猫》朗读与批注课件", contributor=User.objects.get(
        username="laoshi"), level="district", sharing="district", status="approved", published_at=timezone.now())
    r.chapters.add(old_cat)

    p = phone_page
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(p, "laoshi")
    p.goto(f"{live_server.url}/")
    p.get_by_role("link", name="资源中心").first.click()
    p.wait_for_load_state()
    p.locator("[data-level=stage]").get_by_role("link", name="初中", exact=True).click()
    p.locator("[data-level=subject]").get_by_role("link", name="语文", exact=True).click()
    p.locator("[data-level=edition]").get_by_role("link", name="统编版", exact=True).click()
    books = p.locator("[data-level=book]")
    expect(books.get_by_role("link", name="七年级上册（2024年版）", exact=True)).to_be_visible()
    assert books.get_by_role("link", name="七年级上册", exact=True).is_visible()  # both revisions are offered
    books.get_by_role("link", name="七年级上册（2024年版）", exact=True).click()
    tree = p.locator("[data-testid=chapter-tree]")
    tree.get_by_role("link", name="第五单元", exact=True).click()  # the unit opens and shows its lessons
    tree.get_by_role("link", name="17 猫", exact=True).click()
    expect(p.locator("[data-testid=chapter-tree] [aria-current=page]")).to_have_text("17 猫")
    expect(p.locator("[data-testid=linked-notice]")).to_contain_text("含旧版《统编版 语文 七年级上册》同课资源")
    expect(p.locator("[data-testid=linked-notice]")).to_contain_text("16 猫")
    expect(p.locator("[data-testid=resource-cards]")).to_contain_text("《猫》朗读与批注课件")
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
