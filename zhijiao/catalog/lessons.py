"""Same lesson, different revision: how the chapters of two revisions of a book are matched.

A lesson of the 2024 revision and one of the earlier edition are the same lesson when their titles are
equal once the numbering is taken off ("课文 1 吃水不忘挖井人" and "吃水不忘挖井人", "1.1 正数和负数" and "1.1
正数和负数", "13 植树的牧羊人" and nothing). Unit activities whose content changes with the revision under the
same name (语文园地, 口语交际, 写作, 综合性学习, 名著导读, 快乐读书吧, 习作, 阅读综合实践, 专题学习活动, …) are never
matched, nor are units (第一单元 is in every book). The shipped data lists the matches as `same_as` on each new chapter, so they
can be reviewed line by line; a test recomputes them with `same_lesson_pairs`.
"""

from __future__ import annotations

import re

# "识字 1 ", "课文 12 ", "汉语拼音 3 ", "12 ", "1.2 ", "12* " at the start of a title.
_NUMBERING = re.compile(r"^(?:(?:识字|课文|汉语拼音)\s*)?[0-9]+(?:\.[0-9]+)*\s*\*?\s*")
# The 2024 junior books add 阅读综合实践 to every unit, 专题学习活动, and the tasks (任务一…) of an 活动·探究 unit.
_NOT_LESSONS = ("语文园地", "口语交际", "写作", "综合性学习", "名著导读", "快乐读书吧", "习作", "整本书阅读",
                "阅读综合实践", "专题学习活动", "课外古诗词诵读", "任务")
_SPACES = re.compile(r"\s+")


def lesson_title_key(title: str) -> str:
    """The title without its numbering and spaces, full-width brackets as written in the books, quotes
    straight; "" for titles that are not matched (unit activities)."""
    t = _NUMBERING.sub("", (title or "").strip())
    if not t or t.startswith(_NOT_LESSONS):
        return ""
    # Some transcriptions write straight quotes where the book prints “ ” ("贝"的故事, "飞天"凌空).
    return _SPACES.sub("", t).replace("(", "（").replace(")", "）").replace("“", '"').replace("”", '"')


def same_lesson_pairs(old: list[tuple[str, str, str]], new: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """[(old ref, new ref)] for lessons whose title keys are equal and unique on both sides.

    `old` and `new` are (ref, kind, title) of two books' chapters, ref being "book/3.2".
    """
    def index(rows):
        out: dict[str, list[str]] = {}
        for ref, kind, title in rows:
            key = lesson_title_key(title) if kind != "unit" else ""
            if key:
                out.setdefault(key, []).append(ref)
        return out

    a, b = index(old), index(new)
    return [(a[k][0], b[k][0]) for k in b if k in a and len(a[k]) == 1 and len(b[k]) == 1]


# --- renamed lessons: candidates for a reviewer ----------------------------------------------------------

# A pair is proposed when the titles (numbering off) are this similar (difflib ratio), or when one title
# contains the other, or when both sit at the same place in their books and the titles are at least
# SAME_PLACE_RATIO similar. Nothing is linked without a reviewer's confirmation.
SIMILAR_RATIO = 0.6
SAME_PLACE_RATIO = 0.3


def candidate_score(old_title: str, new_title: str, same_place: bool) -> tuple[float, float, list[str]] | None:
    """(score, difflib ratio, reasons) when two lessons may be the same lesson under a changed title, else None.
    Reasons are codes: "place" (same position), "contains" (one title holds the other), "similar"."""
    from difflib import SequenceMatcher

    a, b = lesson_title_key(old_title), lesson_title_key(new_title)
    if not a or not b:
        return None
    ratio = SequenceMatcher(None, a, b).ratio()
    reasons = []
    contains = len(min(a, b, key=len)) >= 2 and (a in b or b in a)
    if same_place:
        reasons.append("place")
    if contains:
        reasons.append("contains")
    if ratio >= SIMILAR_RATIO:
        reasons.append("similar")
    if contains or ratio >= SIMILAR_RATIO or (same_place and ratio >= SAME_PLACE_RATIO):
        return ratio + (0.5 if same_place else 0) + (0.3 if contains else 0), ratio, reasons
    return None
