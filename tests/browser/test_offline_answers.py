"""A dropped signal loses no answer: a student answering homework on a phone goes offline mid-way; the typed
answers stay on the phone and the page says they are not sent yet; the phone reloads offline (the app
closed, the signal gone); when the connection returns the answers are back in the form and sent, once, as
the draft (the homework is not submitted by this)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _text_answer(p):
    return p.locator("#answer-form textarea, #answer-form input:not([type])").first


def _open_first_homework(p, browser_login, live_server) -> tuple[str, int]:
    """Sign the demo student in on the phone and open their first homework to do: (its URL, submission id)."""
    browser_login(p, "xuesheng")
    p.goto(f"{live_server.url}/homework/my/")
    p.locator("[data-testid=todo] a").first.click()
    p.wait_for_load_state()
    return p.url, int(p.url.rstrip("/").rsplit("/", 1)[-1])


def _wait_saved(p, timeout=30000):
    """Wait for the status line to say 已保存; if it never does, fail with what it says instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        p.wait_for_selector("#autosave-status[data-state=saved]", timeout=timeout)
    except PlaywrightTimeout:
        st = p.locator("#autosave-status")
        pytest.fail(f"never saved: state={st.get_attribute('data-state')!r} text={st.inner_text()!r} "
                    f"onLine={p.evaluate('navigator.onLine')}")


def test_answers_typed_offline_are_kept_and_sent_when_back_online(demo_full, phone_page, browser_login,
                                                                   live_server):
    from zhijiao.homework.models import Submission

    p = phone_page
    do_url, sub_id = _open_first_homework(p, browser_login, live_server)
    sub = Submission.objects.get(pk=sub_id)
    status_before = sub.status

    _text_answer(p).fill("在线时写的答案")
    _wait_saved(p)

    p.context.set_offline(True)
    _text_answer(p).fill("断网后写的答案")
    p.wait_for_selector("#autosave-status[data-state=offline]")
    assert "还没有发送" in p.locator("#autosave-status").inner_text()
    p.click("[data-testid=submit]")  # 提交 offline: kept, not lost to an error page
    assert "还没有提交" in p.locator("#autosave-status").inner_text()
    assert p.url == do_url
    p.goto("about:blank")  # the page is gone, as when the app is closed

    p.context.set_offline(False)
    p.goto(do_url)
    assert _text_answer(p).input_value() == "断网后写的答案"  # back from the phone
    _wait_saved(p)
    assert p.evaluate("Object.keys(localStorage).filter(k => k.startsWith('zhijiao:answers:')).length") == 0

    # The server has it: a fresh page, with nothing left on the phone, shows the answer from the draft.
    p.goto(do_url)
    assert _text_answer(p).input_value() == "断网后写的答案"
    sub.refresh_from_db()
    assert status_before == "assigned" and sub.status == "draft"  # saved as a draft, not submitted
    assert Submission.objects.filter(assignment_id=sub.assignment_id, student_id=sub.student_id).count() == 1


def test_a_send_that_fails_while_the_phone_says_online_is_tried_again(demo_full, phone_page, browser_login,
                                                                       live_server):
    """The signal is back but the first send still fails (no "online" event will come): the answer is sent
    by a later try, without the student typing again."""
    from zhijiao.homework.models import Submission

    p = phone_page
    _url, sub_id = _open_first_homework(p, browser_login, live_server)

    failed = []

    def fail_first_send(route):
        if not failed:
            failed.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    p.route("**/autosave/", fail_first_send)
    _text_answer(p).fill("信号不稳时写的答案")
    p.wait_for_selector("#autosave-status[data-state=offline]")
    _wait_saved(p, timeout=15000)
    assert failed
    answers = Submission.objects.get(pk=sub_id).answers.values_list("response", flat=True)
    assert any("信号不稳时写的答案" in str(r) for r in answers)


def test_a_page_that_opens_thinking_it_is_offline_sends_once_the_browser_knows_better(
        demo_full, phone_page, browser_login, live_server):
    """navigator.onLine can still say offline when a page opens just as the signal returns, and then no
    "online" event follows: the kept answers are sent by a later look, not left unsent until a keystroke."""
    from zhijiao.homework.models import Submission

    p = phone_page
    do_url, sub_id = _open_first_homework(p, browser_login, live_server)
    key = p.evaluate("'zhijiao:answers:' + document.getElementById('answer-form').getAttribute('data-autosave')")
    name = _text_answer(p).get_attribute("name")
    p.evaluate("([k, n]) => localStorage.setItem(k, JSON.stringify([[n, '开机时写好的答案']]))", [key, name])

    # The next page opens with navigator.onLine stuck at false, turned true later with no event fired.
    p.add_init_script("window.__online = false;"
                      "Object.defineProperty(Navigator.prototype, 'onLine', {get: () => window.__online});")
    p.goto(do_url)
    assert _text_answer(p).input_value() == "开机时写好的答案"
    p.wait_for_selector("#autosave-status[data-state=offline]")
    p.evaluate("window.__online = true")
    _wait_saved(p, timeout=15000)
    answers = Submission.objects.get(pk=sub_id).answers.values_list("response", flat=True)
    assert any("开机时写好的答案" in str(r) for r in answers)
