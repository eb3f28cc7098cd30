"""Resource search in a real Chromium: a real lesson title and a partial phrase, desktop and phone;
a facet click narrows the results."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district(transactional_db, settings, tmp_path):
    settings.ZHIJIAO_SEARCH_INDEX_DIR = tmp_path / "search-index"
    from zhijiao.demo.builder import build_demo

    return build_demo(size="small")


def _lesson_item():
    """An approved district-wide item of the demo library whose title holds a Chinese lesson title."""
    from zhijiao.catalog.models import Chapter
    from zhijiao.resources.models import Resource

    for lesson in Chapter.objects.filter(kind="lesson").values_list("title", flat=True):
        if not re.fullmatch(r"[\u4e00-\u9fff]{4,8}", lesson):
            continue
        r = Resource.objects.filter(status="approved", level="district", title__contains=lesson).first()
        if r is not None:
            return lesson, r
    pytest.fail("the demo library has no item named after a lesson")


def _search(p, live_server, text):
    p.goto(f"{live_server.url}/search/")
    p.fill("#search-q", text)
    p.click("form[role=search] button[type=submit]")
    p.wait_for_load_state()


@pytest.mark.parametrize("fixture_name", ["page", "phone_page"])
def test_lesson_title_and_partial_phrase(district, request, browser_login, live_server, fixture_name):
    p = request.getfixturevalue(fixture_name)
    lesson, item = _lesson_item()
    browser_login(p, "xuesheng")
    _search(p, live_server, lesson)
    hit = p.locator(f"article.search-hit[data-resource='{item.pk}']")
    assert hit.count() == 1
    assert lesson in hit.locator("h3 mark").first.inner_text() or lesson in hit.locator("h3").inner_text()
    assert "找到" in p.locator("[data-testid=search-total]").inner_text()
    if fixture_name == "phone_page":
        assert p.evaluate("document.documentElement.scrollWidth") <= 360
    # a partial phrase (the lesson's first two characters, not a jieba word of it) finds it too
    _search(p, live_server, lesson[:2])
    marks = p.locator("[data-testid=search-hits] mark").all_inner_texts()
    assert any(m.startswith(lesson[:2]) for m in marks)
    hits_total = int(re.search(r"\d+", p.locator("[data-testid=search-total]").inner_text()).group())
    assert hits_total >= 1
    # the item itself opens from its card
    _search(p, live_server, item.title)
    p.locator(f"article.search-hit[data-resource='{item.pk}'] h3 a").click()
    p.wait_for_load_state()
    assert f"/resources/{item.pk}/" in p.url


def test_facet_click_narrows(district, page, browser_login, live_server):
    browser_login(page, "laoshi")
    _search(page, live_server, "认识")

    def total():
        return int(re.search(r"\d+", page.locator("[data-testid=search-total]").inner_text()).group())

    before = total()
    assert before > 1
    facet = page.locator("[data-facet=type] a").first
    label = facet.inner_text().split()[0]
    count = int(facet.locator(".count").inner_text())
    facet.click()
    page.wait_for_load_state()
    assert total() == count <= before
    assert page.locator("[data-facet=type] a[aria-current=true]").first.inner_text().startswith(label)
    badges = page.locator("article.search-hit .badge").all_inner_texts()
    assert badges.count(label) == min(count, 20)
    # the words stay in the box, and "不限" lifts the filter again
    assert page.input_value("#search-q") == "认识"
    page.locator("[data-facet=type] h2 a").click()
    page.wait_for_load_state()
    assert total() == before
