"""The homework flow in a real Chromium: a teacher builds a paper by rules, assigns layered homework, two
students answer on phones (autosave, submit), the teacher grades, reads the class report and the mastery map
and pushes targeted practice; a student never reaches a classmate's homework."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district(transactional_db):
    from zhijiao.accounts.models import User
    from zhijiao.demo.builder import build_demo
    from zhijiao.questions.tests.factories import make_question, tiny_catalog

    ctx = build_demo(size="small", extensions=False)
    cat = tiny_catalog()
    t = User.objects.get(username="laoshi")
    for i in range(4):
        make_question(t, qtype="single", answer="B", kp=cat["hms"], chapter=cat["unit"], difficulty=1 + i % 2,
                      stem=f"秒针从 12 走到 {i + 1}，经过了几秒？（第 {i + 1} 题）")
    for i in range(3):
        make_question(t, qtype="fill", answer=[[str(60 * (i + 1))]], options=[], kp=cat["hms"], chapter=cat["unit"],
                      stem=f"{i + 1} 分 = ____ 秒", difficulty=2)
    make_question(t, qtype="short", answer="25 分钟", options=[], kp=cat["hms"], chapter=cat["unit"], difficulty=4,
                  stem=r"小红 7:40 出发，8:05 到校，路上用了多少分钟？公式 $t = 8{:}05 - 7{:}40$")
    return {"ctx": ctx, "cat": cat}


def _rules_paper(p, live_server, title, single, fill, short):
    p.goto(f"{live_server.url}/questions/papers/rules/")
    p.fill("#id_title", title)
    p.select_option("#id_kp", label="时、分、秒")
    p.fill("input[data-type=single]", str(single))
    p.fill("input[data-type=fill]", str(fill))
    p.fill("input[data-type=short]", str(short))
    p.click("text=抽题组卷")
    p.wait_for_load_state()
    assert p.locator("[data-testid=paper-items] > li").count() == single + fill + short


def test_teacher_and_students_full_flow(district, page, browser, browser_login, live_server):
    from zhijiao.homework.models import Submission
    from zhijiao.learning.models import Mastery

    p = page
    browser_login(p, "laoshi")
    p.click("a[data-app=papers]")
    p.wait_for_load_state()
    _rules_paper(p, live_server, "A 层：时分秒提高", 2, 2, 1)
    _rules_paper(p, live_server, "C 层：时分秒基础", 2, 1, 0)
    # the formula arrives as MathML that the browser lays out itself: no script typesets it, no source shows
    p.goto(f"{live_server.url}/questions/?q=小红")
    stem = p.locator(".q-stem", has_text="小红 7:40 出发").first
    formula = stem.locator("math")
    expect(formula).to_be_visible()
    assert "$" not in stem.inner_text() and formula.locator("mi").first.text_content() == "t"
    assert p.evaluate("document.querySelectorAll('script[src*=katex]').length") == 0

    # assign layered homework: xuesheng gets A, s0000002 gets C
    from zhijiao.accounts.models import User

    xs, s2 = User.objects.get(username="xuesheng"), User.objects.get(username="s0000002")
    p.goto(f"{live_server.url}/homework/assign/")
    p.fill("#id_title", "时分秒 分层作业")
    p.check("#id_layered")
    p.select_option("#id_paper_A", label="A 层：时分秒提高")
    p.select_option("#id_paper_C", label="C 层：时分秒基础")
    tier_a = p.locator("[data-tier=A]")
    tier_a.locator("summary").click()
    tier_a.locator(f"input[name=student_A][value='{xs.pk}']").check()
    tier_c = p.locator("[data-tier=C]")
    tier_c.locator("summary").click()
    tier_c.locator(f"input[name=student_C][value='{s2.pk}']").check()
    p.click("button:has-text('布置')")
    p.wait_for_load_state()
    assert "作业已布置给 2 名学生" in p.content()
    sub_x = Submission.objects.get(student=xs)
    sub_2 = Submission.objects.get(student=s2)
    assert sub_x.tier.label == "A" and sub_2.tier.label == "C"

    # students answer on phones
    for username, sub in (("xuesheng", sub_x), ("s0000002", sub_2)):
        ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
        ph = ctx.new_page()
        browser_login(ph, username)
        ph.click("a[data-app=homework_my]")
        ph.wait_for_load_state()
        ph.click("text=时分秒 分层作业")
        ph.wait_for_load_state()
        assert ph.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        for it in sub.tier.paper.items.select_related("question"):
            q = it.question
            if q.qtype == "single":
                ph.locator(f"input[name=q{q.pk}][value=B]").check()
            elif q.qtype == "fill":
                ph.fill(f"#q{q.pk}_1", str(q.answer[0][0]))
            else:
                ph.fill(f"#q{q.pk}", "8:05 - 7:40 = 25 分钟")
        # autosave kicks in without pressing anything
        ph.wait_for_selector("#autosave-status[data-state=saved]")
        assert Submission.objects.get(pk=sub.pk).status == "draft"
        ph.reload()
        assert ph.locator("input[type=radio]:checked").count() >= 1  # the draft comes back after a reload
        # a classmate's homework does not exist
        other = sub_2 if username == "xuesheng" else sub_x
        resp = ph.goto(f"{live_server.url}/homework/s/{other.pk}/")
        assert resp.status == 404
        ph.goto(f"{live_server.url}/homework/s/{sub.pk}/")
        ph.click("[data-testid=submit]")
        ph.wait_for_load_state()
        assert "已提交" in ph.content()
        ctx.close()

    sub_x.refresh_from_db()
    sub_2.refresh_from_db()
    assert sub_x.status == "submitted" and sub_2.status == "graded" and sub_2.score == sub_2.max_score

    # the teacher grades the short answer question by question, and reads the report
    a = sub_x.assignment
    p.goto(f"{live_server.url}/homework/a/{a.pk}/")
    assert p.locator("[data-testid=per-question]").is_visible()
    p.click("text=/批改（1 份待批）/")
    p.wait_for_load_state()
    p.locator("input[name^=score_]").first.fill("4")
    p.locator("input[name^=comment_]").first.fill("思路清楚")
    p.click("text=保存本题批改")
    p.wait_for_load_state()
    sub_x.refresh_from_db()
    assert sub_x.status == "graded"
    p.goto(f"{live_server.url}/homework/a/{a.pk}/")
    assert re.search(r"2/2", p.locator("[data-testid=summary]").inner_text())

    # mastery map of the class, then push targeted practice
    assert Mastery.objects.filter(student=xs).exists()
    klass = sub_x.klass
    p.goto(f"{live_server.url}/learning/class/{klass.pk}/")
    assert p.locator("[data-testid=mastery-map]").is_visible()
    assert "时、分、秒" in p.locator("[data-testid=mastery-map]").inner_text()
    p.fill("#id_threshold", "100")
    p.click("text=生成分层练习并推送")
    p.wait_for_load_state()
    assert "推送分层练习" in p.content()


def test_student_on_phone_sees_no_bank_and_asks_a_question(district, phone_page, browser_login, live_server):
    from zhijiao.core.models import Notification

    p = phone_page
    browser_login(p, "xuesheng")
    resp = p.goto(f"{live_server.url}/questions/")
    assert resp.status == 404
    p.goto(f"{live_server.url}/learning/qa/ask/")
    p.click("text=提交问题")
    p.wait_for_load_state()
    assert "请写一个标题" in p.content()
    p.fill("#id_title", "秒针走一圈是多久？")
    p.fill("#id_body", "书上说 60 秒，为什么？")
    p.select_option("#id_subject", "数学")
    p.click("text=提交问题")
    p.wait_for_load_state()
    assert "任课老师会收到通知" in p.content()
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    assert Notification.objects.filter(user__username="laoshi").exists()
