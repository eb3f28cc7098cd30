"""Automatic grading of objective questions, and the normalisation behind duplicate detection.

Rules (documented in docs/homework.md):

- 单选 / 判断: full marks when equal, else 0.
- 多选: 全对满分；少选（只选了正确项中的一部分、没有错选）得一半；有错选或未选得 0。
- 填空: each blank is worth an equal share; a blank is right when the typed text, normalised (full-width to
  half-width, spaces removed, case folded, trailing 。. removed), equals one of its accepted alternatives.
  Numeric answers also match by value (0.50 = .5 = 1/2).
- 简答 / 作文: not graded automatically (`None`): a teacher gives the score.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _

from zhijiao.questions.models import QuestionType


@dataclass(frozen=True)
class Grade:
    fraction: float | None  # 0..1 of the item's score; None: needs a teacher
    correct: bool | None
    blanks: tuple[bool, ...] = ()


def normalise_text(s) -> str:
    s = unicodedata.normalize("NFKC", str(s or ""))
    s = re.sub(r"\s+", "", s).casefold()
    return s.rstrip("。.;；")


def _number(s: str):
    try:
        return Fraction(s)
    except (ValueError, ZeroDivisionError):
        return None


def blank_matches(response, accepted: list) -> bool:
    got = normalise_text(response)
    if not got:
        return False
    for alt in accepted:
        want = normalise_text(alt)
        if got == want:
            return True
        a, b = _number(got), _number(want)
        if a is not None and b is not None and a == b:
            return True
    return False


def _choice_set(value) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {c for c in value.upper() if c.isalpha()}
    return {str(v).strip().upper() for v in value if str(v).strip()}


def as_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    s = normalise_text(value)
    if s in {"true", "t", "1", "对", "正确", "√", "✓", "是", "yes", "y"}:
        return True
    if s in {"false", "f", "0", "错", "错误", "×", "✗", "否", "no", "n", "x"}:
        return False
    return None


def grade(qtype: str, answer, response) -> Grade:
    if qtype == QuestionType.SINGLE:
        ok = _choice_set(response) == _choice_set(answer) and bool(_choice_set(response))
        return Grade(1.0 if ok else 0.0, ok)
    if qtype == QuestionType.MULTIPLE:
        got, want = _choice_set(response), _choice_set(answer)
        if got and got == want:
            return Grade(1.0, True)
        if got and got < want:
            return Grade(0.5, False)
        return Grade(0.0, False)
    if qtype == QuestionType.TRUEFALSE:
        got = as_bool(response)
        ok = got is not None and got == as_bool(answer)
        return Grade(1.0 if ok else 0.0, ok)
    if qtype == QuestionType.FILL:
        blanks_answer = answer or []
        given = list(response or []) if isinstance(response, list | tuple) else [response]
        given += [""] * (len(blanks_answer) - len(given))
        marks = tuple(blank_matches(given[i], alts if isinstance(alts, list) else [alts])
                      for i, alts in enumerate(blanks_answer))
        if not marks:
            return Grade(0.0, False)
        return Grade(sum(marks) / len(marks), all(marks), marks)
    return Grade(None, None)


def response_key(qtype: str, response) -> str:
    """A short canonical form of a response, to count the most common wrong answers."""
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return "".join(sorted(_choice_set(response))) or _("（未答）")
    if qtype == QuestionType.TRUEFALSE:
        b = as_bool(response)
        return _("（未答）") if b is None else (_("对") if b else _("错"))
    if qtype == QuestionType.FILL:
        parts = response if isinstance(response, list) else [response]
        return " | ".join(normalise_text(p) or _("（空）") for p in parts)
    return normalise_text(response)[:30] or _("（未答）")


def fingerprint(stem: str, options: list | None) -> str:
    text = normalise_text(re.sub(r"[，,。.、：:；;（）()！!？?“”\"'‘’]", "", stem or ""))
    opts = "|".join(normalise_text(o.get("text", "")) for o in (options or []) if isinstance(o, dict))
    return hashlib.sha1(f"{text}#{opts}".encode()).hexdigest()
