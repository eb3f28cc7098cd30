"""A senior-high (高中) book in a real Chromium: 高中 → 数学 → 人教A版 → 必修第一册 → 1.1 集合的概念, on a
360 px phone; the module row names the volumes (no 高一/高二) in the books' order."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_teacher_browses_a_senior_high_module_on_a_phone(catalog_district, live_server, phone_page, browser_login):
    p = phone_page
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(p, "laoshi")
    p.goto(f"{live_server.url}/")
    p.get_by_role("link", name="教材目录").first.click()
    p.wait_for_load_state()
    p.locator("[data-level=stage]").get_by_role("link", name="高中", exact=True).click()
    subjects = p.locator("[data-level=subject]")
    expect(subjects.get_by_role("link", name="思想政治", exact=True)).to_be_visible()
    subjects.get_by_role("link", name="数学", exact=True).click()
    p.locator("[data-level=edition]").get_by_role("link", name="人教A版", exact=True).click()
    books = p.locator("[data-level=book]")
    expect(books.get_by_role("link", name="必修第一册", exact=True)).to_be_visible()
    assert books.locator("a").all_inner_texts() == [
        "必修第一册", "必修第二册", "选择性必修第一册", "选择性必修第二册", "选择性必修第三册"]
    books.get_by_role("link", name="必修第一册", exact=True).click()
    tree = p.locator("[data-testid=chapter-tree]")
    expect(tree.get_by_role("link", name="第一章 集合与常用逻辑用语", exact=True)).to_be_visible()
    tree.locator("li[data-kind=unit]").first.locator("summary").click()  # open the chapter's 5 sections
    tree.get_by_role("link", name="1.1 集合的概念", exact=True).click()
    p.wait_for_load_state()
    expect(p.locator("[data-testid=chapter-tree] a[aria-current=page]")).to_have_text("1.1 集合的概念")
    detail = p.locator("[data-testid=chapter-detail]")
    assert "人教A版 数学 必修第一册 / 第一章 集合与常用逻辑用语 / 1.1 集合的概念" in detail.inner_text()
    assert "集合的概念" in detail.locator(".badge").all_inner_texts()
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
