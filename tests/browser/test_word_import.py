"""A teacher imports a Word paper in a real Chromium on a 360 px phone: the dry run shows each question as it
will be (formulas drawn, the picture loaded at its size, the parts not read named), saves nothing, passes axe;
then "确认导入" stores what was shown (the file is not chosen again) and the bank shows the picture."""

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()


@pytest.fixture
def district(transactional_db, settings, tmp_path):
    from zhijiao.demo.builder import build_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    return build_demo(size="small", extensions=False)


def test_word_paper_dry_run_then_import_on_a_phone(district, phone_page, browser_login, live_server, tmp_path):
    from zhijiao.questions.models import Question
    from zhijiao.questions.tests.papers import marked_paper

    paper = tmp_path / "七年级数学.docx"
    paper.write_bytes(marked_paper())
    p = phone_page
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(p, "laoshi")
    p.goto(f"{live_server.url}/questions/import/")
    p.set_input_files("#id_file", str(paper))
    p.get_by_role("button", name="试导入（只看结果，不保存）").click()
    p.wait_for_load_state()
    preview = p.locator("[data-testid=import-preview]")
    items = preview.locator("[data-preview]")
    assert items.count() == 5
    first = items.nth(0)
    assert "一、选择题 第 1 题" in first.inner_text() and "单选题" in first.inner_text()
    assert first.locator("math mfrac").count() == 1 and first.locator("[data-testid=answer]").inner_text() == "B"
    second = items.nth(1)
    assert "多选题" in second.inner_text() and second.locator(".q-options li").count() == 4
    img = second.locator("img.q-fig")
    img.evaluate("i => i.complete || new Promise(done => { i.onload = i.onerror = done; })")
    assert img.evaluate("i => i.naturalWidth") == 40  # the picture itself, loaded from the page
    assert img.evaluate("i => i.getBoundingClientRect().width") == 144
    assert "一个目录里没有的考点" in second.locator("[data-testid=preview-notes]").inner_text()
    assert "m:futureThing" in items.nth(4).locator("[data-testid=preview-notes]").inner_text()
    assert "七年级数学单元测试" in preview.locator("[data-testid=paper-notes]").inner_text()
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    assert not Question.objects.filter(stem__contains="如图").exists()
    p.evaluate(AXE)
    violations = p.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', "
                            "'wcag21aa']}}).then(r => r.violations.map(v => v.id))")
    assert violations == []

    p.get_by_role("button", name="确认导入以上试题").click()
    p.wait_for_load_state()
    assert "已导入 5 道题" in p.locator("main").inner_text()
    q = Question.objects.get(stem__contains="如图")
    p.goto(f"{live_server.url}/questions/{q.pk}/")
    shown = p.locator(".q-stem img.q-fig")
    # goto returns at the load event, but a busy machine may still be decoding: wait for the picture itself
    p.wait_for_function("() => { const i = document.querySelector('.q-stem img.q-fig'); "
                        "return i && i.complete && i.naturalWidth > 0; }")
    assert shown.evaluate("i => i.naturalWidth") == 40
    assert errors == []
