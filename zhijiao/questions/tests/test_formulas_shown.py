"""Formulas are rendered once, when a question or a Q&A post is saved, and pages send MathML: the question
bank, the answer with its fill-in alternatives, an edit, old rows through the migration, Q&A bodies."""

import pytest

from zhijiao.core.tests.migrating import migrate_to, migrate_to_latest
from zhijiao.questions import actions
from zhijiao.questions.tests.factories import tiny_catalog

FRACTION = "<mfrac><mrow><mn>1</mn></mrow><mrow><mn>4</mn></mrow></mfrac>"


@pytest.fixture
def cat(demo):
    return tiny_catalog()


@pytest.mark.django_db
def test_a_saved_question_shows_its_formulas_as_mathml_and_an_edit_replaces_them(users, cat, client_as):
    t = users["laoshi"]
    q = actions.question_create(owner=t, data={
        "qtype": "single", "stem": r"把蛋糕平均分成 4 份，每份是 $\frac{1}{4}$ 吗？<b>粗</b>",
        "options": "$\\frac{1}{4}$\n$\\frac{4}{1}$", "answer": "A", "analysis": r"$1 \div 4 = \frac{1}{4}$"})
    page = client_as(t).get("/questions/").content.decode()
    main = page.split("<main")[1].split("</main>")[0]
    assert FRACTION in main and r"\frac" not in main and "&lt;b&gt;粗&lt;/b&gt;" in main
    assert "<mfrac><mrow><mn>4</mn></mrow><mrow><mn>1</mn></mrow></mfrac>" in main  # option B
    assert "<script" not in main and "katex" not in page

    actions.question_update(user=t, question=q, data={
        "qtype": "single", "stem": r"$\sqrt{9}$ 等于几？", "options": "3\n9", "answer": "A", "analysis": ""})
    main = client_as(t).get(f"/questions/{q.pk}/").content.decode().split("<main")[1].split("</main>")[0]
    assert "<msqrt><mrow><mn>9</mn></mrow></msqrt>" in main and FRACTION not in main


@pytest.mark.django_db
def test_fill_in_answers_show_each_alternative_rendered(users, cat):
    from django.template.loader import render_to_string

    q = actions.question_create(owner=users["laoshi"], data={
        "qtype": "fill", "stem": r"$\frac{1}{4} + \frac{2}{4} =$ ( )", "answer": r"$\frac{3}{4}$|四分之三"})
    shown = render_to_string("questions/_answer.html", {"q": q})
    assert "<mfrac><mrow><mn>3</mn></mrow><mrow><mn>4</mn></mrow></mfrac>" in shown and "四分之三" in shown
    assert q.answer == [[r"$\frac{3}{4}$", "四分之三"]]  # the source is kept for grading


@pytest.mark.django_db
def test_qa_bodies_are_rendered_and_escaped(users, client_as):
    from zhijiao.learning.actions import thread_ask

    t = thread_ask(student=users["xuesheng"], title="分数", body=r"$\frac{1}{4}$ 和 <script>x()</script> 哪个大？",
                   subject="数学")
    main = client_as(users["xuesheng"]).get(f"/learning/qa/{t.pk}/").content.decode().split("<main")[1]
    assert FRACTION in main and "&lt;script&gt;x()&lt;/script&gt;" in main and "<script>x()" not in main



@pytest.mark.django_db(transaction=True)
def test_questions_saved_before_the_upgrade_are_rendered_by_the_migration():
    try:
        old = migrate_to([("questions", "0001_initial")])
        User = old.get_model("accounts", "User")
        owner = User.objects.create(username="mig_t", name="老师")
        Question = old.get_model("questions", "Question")
        q = Question.objects.create(qtype="fill", stem=r"$\frac{1}{4}$ + ( )", options=[], answer=[["$x^2$"]],
                                    analysis="", owner_id=owner.pk, fingerprint="mig")
        new = migrate_to([("questions", "0002_question_rendered")])
        rendered = new.get_model("questions", "Question").objects.get(pk=q.pk).rendered
        assert FRACTION in rendered["stem"] and "<msup>" in rendered["fill"][0][0]
    finally:
        migrate_to_latest()
