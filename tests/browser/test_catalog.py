"""The teaching catalog in a real Chromium: browse to a chapter on a 360 px phone and on a desktop, and a
district admin importing a catalog file (bad rows reported by row number, then a good file)."""

import io
import json

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _browse_to_fractions(p, live_server):
    p.goto(f"{live_server.url}/")
    p.get_by_role("link", name="教材目录").first.click()
    p.wait_for_load_state()
    assert p.locator("h1").inner_text() == "教材目录"
    p.locator("[data-level=stage]").get_by_role("link", name="小学", exact=True).click()
    p.locator("[data-level=subject]").get_by_role("link", name="数学", exact=True).click()
    p.locator("[data-level=edition]").get_by_role("link", name="人教版", exact=True).click()
    p.locator("[data-level=book]").get_by_role("link", name="三年级上册", exact=True).click()
    tree = p.locator("[data-testid=chapter-tree]")
    # the click starts a navigation; expect() waits for the new page where is_visible() would read the old one
    expect(tree.get_by_role("link", name="1 时、分、秒")).to_be_visible()
    tree.get_by_role("link", name="8 分数的初步认识", exact=True).click()
    p.wait_for_load_state()


@pytest.mark.parametrize("fixture_name,width", [("phone_page", 360), ("page", 1280)])
def test_teacher_browses_to_a_chapter(catalog_district, live_server, browser_login, request, fixture_name, width):
    p = request.getfixturevalue(fixture_name)
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(p, "laoshi")
    _browse_to_fractions(p, live_server)
    current = p.locator("[data-testid=chapter-tree] a[aria-current=page]")
    assert current.inner_text() == "8 分数的初步认识"
    # the chosen rows stay marked, and the unit opened shows its lessons
    assert p.locator("[data-level=book] a[aria-current=page]").inner_text() == "三年级上册"
    assert p.locator("[data-testid=chapter-tree]").get_by_role("link", name="分数的简单应用").is_visible()
    detail = p.locator("[data-testid=chapter-detail]")
    assert "人教版 数学 三年级上册 / 8 分数的初步认识" in detail.inner_text()
    assert "分数的初步认识" in detail.locator(".badge").all_inner_texts()
    assert p.evaluate("document.documentElement.scrollWidth") <= width
    assert errors == []


def test_district_admin_imports_a_catalog_file(catalog_district, live_server, page, browser_login, tmp_path):
    browser_login(page, "qu_admin")
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="目录管理").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "目录管理"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"chapters": [
        {"book": "rj-sx-g3a", "path": "11", "kind": "unit", "title": "11 整理与复习"},
        {"book": "rj-sx-g3a", "path": "12.1", "kind": "lesson", "title": "孤儿课时"},
        {"book": "rj-sx-g9z", "path": "1", "kind": "unit", "title": "未知教材"},
    ]}, ensure_ascii=False), encoding="utf-8")
    page.set_input_files("#id_file", str(bad))
    page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_load_state()
    errors = page.locator("[data-testid=import-errors]").inner_text()
    assert "章节 第 2 行：上级章节不存在" in errors and "章节 第 3 行：未知教材“rj-sx-g9z”" in errors
    assert "未导入任何数据" in errors

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "章节"
    ws.append(["教材代码", "路径", "层级", "标题"])
    ws.append(["rj-sx-g3a", "11", "单元", "11 整理与复习"])
    buf = io.BytesIO()
    wb.save(buf)
    good = tmp_path / "good.xlsx"
    good.write_bytes(buf.getvalue())
    page.set_input_files("#id_file", str(good))
    page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_load_state()
    assert "导入完成" in page.locator(".msg-success").inner_text()
    page.goto(f"{live_server.url}/catalog/?book=rj-sx-g3a")
    assert page.locator("[data-testid=chapter-tree]").get_by_role("link", name="11 整理与复习").is_visible()


def test_teachers_cannot_manage_the_catalog(catalog_district, live_server, page, browser_login):
    browser_login(page, "laoshi")
    resp = page.goto(f"{live_server.url}/catalog/manage/")
    assert resp.status == 403
    page.goto(f"{live_server.url}/")
    assert page.get_by_role("link", name="目录管理").count() == 0
