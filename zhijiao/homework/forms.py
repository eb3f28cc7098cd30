"""Parsing the answer form (web pages of homework and of the wrong-question notebook)."""

from zhijiao.questions.models import QuestionType


def responses_from_post(items, post) -> dict:
    out = {}
    for q in (q for it in items for q in it.question.answerables()):  # a composite's parts, each on its own
        name = f"q{q.pk}"
        if q.qtype == QuestionType.MULTIPLE:
            out[q.pk] = post.getlist(name)
        elif q.qtype == QuestionType.FILL:
            out[q.pk] = post.getlist(name)
        elif q.qtype == QuestionType.TRUEFALSE:
            v = post.get(name, "")
            out[q.pk] = True if v == "true" else False if v == "false" else None
        else:
            out[q.pk] = post.get(name, "")
    return out
