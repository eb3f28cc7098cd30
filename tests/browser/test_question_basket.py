"""组卷 by hand in a real Chromium (issue 12): a teacher ticks questions on page 1, on page 2 and under another
filter; the ticks are kept (the 选题篮 count grows, page 1 still shows its tick) and all of them make the
paper. A rule-based paper of one subject holds only that subject's questions."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district(transactional_db):
    from zhijiao.accounts.models import User
    from zhijiao.demo.builder import build_demo
    from zhijiao.questions.models import Question
    from zhijiao.questions.tests.factories import make_question, tiny_catalog

    build_demo(size="small", extensions=False)
    cat = tiny_catalog()
    Question.objects.all().delete()
    t = User.objects.get(username="laoshi")
    singles = [make_question(t, kp=cat["hms"], stem=f"选题篮单选 {i:02d}") for i in range(25)]
    fills = [make_question(t, qtype="fill", answer=[["60"]], options=[], kp=cat["hms"], stem=f"选题篮填空 {i}")
             for i in range(3)]
    return {"singles": singles, "fills": fills}


def _tick(p, stem, count):
    card = p.locator(".q-list > li", has_text=stem)
    card.locator("[data-testid=pick]").check()
    expect(p.locator("[data-testid=basket-count]")).to_have_text(str(count))


def test_ticks_survive_pages_and_filters(district, page, browser_login, live_server):
    p = page
    browser_login(p, "laoshi")
    p.goto(f"{live_server.url}/questions/?type=single")
    _tick(p, "选题篮单选 24", 1)  # newest first: page 1
    p.click("nav.pager >> text=下一页")
    p.wait_for_load_state()
    _tick(p, "选题篮单选 02", 2)  # page 2
    p.select_option("#f-type", "fill")
    p.click("form.filters button[type=submit]")
    p.wait_for_load_state()
    _tick(p, "选题篮填空 1", 3)  # another filter
    p.goto(f"{live_server.url}/questions/?type=single")
    expect(p.locator(".q-list > li", has_text="选题篮单选 24").locator("[data-testid=pick]")).to_be_checked()
    expect(p.locator("[data-testid=basket-count]")).to_have_text("3")
    p.fill("#p-title", "跨页手工卷")
    p.click("[data-testid=make-paper]")
    p.wait_for_load_state()
    items = p.locator("[data-testid=paper-items] > li")
    expect(items).to_have_count(3)
    text = items.all_inner_texts()
    assert any("选题篮单选 24" in t for t in text) and any("选题篮单选 02" in t for t in text)
    assert any("选题篮填空 1" in t for t in text)


def test_rules_paper_of_one_subject_and_a_dry_run_import(district, page, browser_login, live_server, tmp_path):
    import json

    from zhijiao.accounts.models import User
    from zhijiao.catalog.models import Subject
    from zhijiao.questions.tests.factories import make_question

    politics, _ = Subject.objects.get_or_create(code="t-sxzz", defaults={"name": "思想政治"})
    t = User.objects.get(username="laoshi")
    for i in range(30):
        q = make_question(t, stem=f"政治单选 {i}")
        q.subject = politics
        q.save()
    p = page
    browser_login(p, "laoshi")
    p.goto(f"{live_server.url}/questions/papers/rules/")
    p.fill("#id_title", "2026 数学模拟卷")
    p.select_option("#id_subject", label="数学")
    p.fill("input[data-type=single]", "10")
    p.click("text=抽题组卷")
    p.wait_for_load_state()
    items = p.locator("[data-testid=paper-items] > li")
    expect(items).to_have_count(10)
    assert all("选题篮单选" in t for t in items.all_inner_texts())  # the maths questions, never 政治
    p.goto(f"{live_server.url}/questions/papers/rules/")
    p.fill("#id_title", "太多")
    p.select_option("#id_subject", label="数学")
    p.fill("input[data-type=single]", "40")
    p.click("text=抽题组卷")
    expect(p.locator("[data-testid=shortfalls]")).to_contain_text("还差 15 道")

    upload = tmp_path / "q.json"
    upload.write_text(json.dumps([{"type": "选择题", "stem": "预检：选哪个", "options": ["1", "2"], "answer": "A",
                                   "subject": "政治"}], ensure_ascii=False), encoding="utf-8")
    p.goto(f"{live_server.url}/questions/import/")
    p.set_input_files("#id_file", str(upload))
    p.click("button:has-text('试导入')")
    p.wait_for_load_state()
    expect(p.locator("[data-testid=import-preview]")).to_be_visible()
    notes = p.locator("[data-testid=preview-notes]")
    expect(notes).to_contain_text("思想政治")
    expect(notes).to_contain_text("单选题")
