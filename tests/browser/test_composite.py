"""Composite questions (复合题) in a real Chromium on a 360 px phone: a teacher writes a passage with a formula
and three parts (adding, moving and removing parts on the form), a student answers part by part, objective
parts are graded on submit, the teacher scores the subjective part with a comment and returns the work for
correction; every page fits the phone and passes axe-core."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_page_budget import AXE, AXE_RULES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district(transactional_db):
    from zhijiao.demo.builder import build_demo
    from zhijiao.questions.tests.factories import tiny_catalog

    ctx = build_demo(size="small", extensions=False)
    return {"ctx": ctx, "cat": tiny_catalog()}


def _fits_and_accessible(p):
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    p.evaluate(AXE)
    violations = p.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                            ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.slice(0, 2).map("
                            "n => n.target.join(' ')).join(', ')))", AXE_RULES)
    assert violations == []


def _part(p, i, qtype, stem, score, *, options="", answer="", kps=""):
    p.select_option(f"#p{i}_qtype", qtype)
    p.fill(f"#p{i}_stem", stem)
    p.fill(f"#p{i}_score", score)
    if options:
        p.fill(f"#p{i}_options", options)
    p.fill(f"#p{i}_answer", answer)
    p.fill(f"#p{i}_kps", kps)


def test_composite_written_answered_and_graded_on_phones(district, phone_page, browser, browser_login, live_server):
    from zhijiao.accounts.models import User
    from zhijiao.homework.models import Submission
    from zhijiao.learning.models import WrongItem
    from zhijiao.questions.models import Question
    from zhijiao.questions.tests.factories import assign_class, class_of, simple_paper

    p = phone_page
    browser_login(p, "laoshi")
    p.goto(f"{live_server.url}/questions/new/")
    p.fill("#id_stem", "实验：把 $\\frac{1}{2}$ 升水倒进空瓶，再倒进 250 毫升水。")
    p.select_option("#id_subject", label="数学")
    p.click("[data-testid=add-part]")  # 改为复合题并添加小题
    p.wait_for_load_state()
    expect(p.locator("#id_qtype")).to_have_value("composite")
    _part(p, 0, "short", "说说你是怎样想的。", "4", answer="先换算单位再相加", kps="t-sx-add")
    p.click("[data-testid=add-part]")
    p.wait_for_load_state()
    _part(p, 1, "single", "瓶里现在有多少毫升水？", "2", options="500 毫升\n750 毫升", answer="B", kps="t-sx-add")
    p.click("[data-testid=add-part]")
    p.wait_for_load_state()
    _part(p, 2, "fill", "1 升 = ____ 毫升", "2", answer="1000", kps="t-sx-add")
    # what was typed survives every round trip; the reasoning question moves to the end
    expect(p.locator("#p1_stem")).to_have_value("瓶里现在有多少毫升水？")
    p.click("button[name=op][value=down-0]")
    p.wait_for_load_state()
    p.click("button[name=op][value=down-1]")
    p.wait_for_load_state()
    expect(p.locator("#p0_stem")).to_have_value("瓶里现在有多少毫升水？")
    expect(p.locator("#p2_stem")).to_have_value("说说你是怎样想的。")
    p.click("[data-testid=add-part]")
    p.wait_for_load_state()
    p.click("button[name=op][value=remove-3]")  # an empty part added by mistake
    p.wait_for_load_state()
    assert p.locator("fieldset.part-fields").count() == 3
    _fits_and_accessible(p)
    p.fill("#p1_answer", "1000")
    p.keyboard.press("Enter")  # Enter in a field saves; it never moves or removes a part
    p.wait_for_load_state()
    expect(p.locator(".msg-success, [role=status]").first).to_be_visible()
    comp = Question.objects.get(qtype="composite")
    assert [q.qtype for q in comp.part_list()] == ["single", "fill", "short"]
    assert p.locator(".q-parts .q-part").count() == 3 and p.locator(".q-stem math").count() >= 1

    teacher = User.objects.get(username="laoshi")
    xs = User.objects.get(username="xuesheng")
    paper = simple_paper(teacher, [comp])
    assert paper.items.get().score == 8  # the sum of its parts
    assign_class(teacher, paper, class_of(xs), title="升和毫升 实验题")
    sub = Submission.objects.get(student=xs, assignment__title="升和毫升 实验题")
    one, two, three = comp.part_list()

    # the student answers each part on a phone
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True,
                              has_touch=True)
    ph = ctx.new_page()
    browser_login(ph, "xuesheng")
    ph.goto(f"{live_server.url}/homework/s/{sub.pk}/")
    expect(ph.locator(".q-stem math").first).to_be_visible()
    ph.locator(f"[data-part='{one.pk}'] label", has_text="500 毫升").click()  # wrong
    ph.fill(f"#q{two.pk}_1", "1000")
    ph.fill(f"#q{three.pk}", "半升是 500 毫升")
    _fits_and_accessible(ph)
    ph.click("[data-testid=submit]")
    ph.wait_for_load_state()
    expect(ph.locator("[data-testid=score]")).to_have_text("2.0")  # the fill-in part; the short one waits
    assert WrongItem.objects.filter(student=xs, question=one).exists()

    # the teacher scores the subjective part with a comment and returns the work for correction
    p.goto(f"{live_server.url}/homework/grade/{sub.pk}/")
    three_box = p.locator(f"[data-part='{three.pk}']")
    expect(three_box).to_contain_text("半升是 500 毫升")
    three_box.locator("input[name^=score_]").fill("3")
    three_box.locator("input[name^=comment_]").fill("要写出 250 毫升加在哪里")
    _fits_and_accessible(p)
    p.click("button[value=return]")
    p.wait_for_load_state()
    expect(p.locator("[data-testid=score]")).to_have_text("5.0")
    ph.goto(f"{live_server.url}/homework/s/{sub.pk}/")
    expect(ph.locator(f"[data-part='{three.pk}']")).to_contain_text("要写出 250 毫升加在哪里")
    ph.locator(f"[data-part='{one.pk}'] label", has_text="750 毫升").click()
    ph.click("[data-testid=submit]")
    ph.wait_for_load_state()
    sub.refresh_from_db()
    assert sub.attempt == 2 and sub.score == 4  # both objective parts right; the reasoning is marked again
    ctx.close()
