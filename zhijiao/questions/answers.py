"""Options and answers as written by people, read without changing their meaning, and written back the same way.

- Options keep their letters. Whatever the form (columns 选项A…选项H, one cell "A. 3\\nB. 4", a JSON list,
  a JSON object {"A": "3"}, a list of {"key", "text"}), option C stays option C: an empty or missing option is
  not closed up, so an answer "C" always means the text that was written under C. An answer naming a letter
  whose option is empty or missing is an error, never a silent shift.
- Fill-in answers are a list of blanks, each a list of accepted alternatives: [["3", "三"], ["60"]]. In one
  text cell they may be written two ways (docs/questions.md):
    * plain: blanks separated by ";" "；" or a new line, alternatives of one blank by "|";
    * JSON: the cell starts with "[" and holds [["3", "三"], ["60"]] (or ["3", "60"]: one answer per blank).
  A plain cell in which a separator stands inside a formula (`$|x-1|<2$`), or which gives an empty blank
  or an empty alternative, cannot be read without guessing: it is an error that asks for the JSON form.
  `fill_answer_text` writes the plain form when it reads back to the same lists, else the JSON form.
"""

from __future__ import annotations

import json
import re

from django.utils.translation import gettext as _

from zhijiao.core.files import UnreadableFile, read_json

OPTION_KEYS = "ABCDEFGH"
# "A." "A．" "A、" "A:" "A：" "A)" "A）" "(A)" "（A）" at the start of a line.
_PREFIX = re.compile(r"^\s*(?:[(（]\s*([A-Ha-h])\s*[)）]|([A-H])\s*[.．、:：)）])\s*")
FILL_SEPARATORS = ";；\n|"


class AnswerError(ValueError):
    """A value that cannot be read without guessing; `str()` is a message for a teacher."""


def parse_options(value) -> tuple[list[dict], set[str]]:
    """(options as [{"key": "A", "text": …}] in letter order, the letters given but left empty).

    Raises AnswerError for a letter outside A–H, a letter given twice or more than eight options."""
    if value is None or value == "" or value == [] or value == {}:
        return [], set()
    pairs: list[tuple[str | None, str]] = []  # (letter or None: "the next one", text)
    if isinstance(value, str):
        pairs = _text_pairs(value)
    elif isinstance(value, dict):
        pairs = [(str(k).strip().upper(), _text(v)) for k, v in value.items()]
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, dict):
                key = str(item.get("key") or "").strip().upper() or None
                pairs.append((key, _text(item.get("text"))))
            else:
                pairs.append((None, _text(item)))
    else:
        raise AnswerError(_("选项的写法无法识别。"))
    out: dict[str, str] = {}
    position = 0
    for key, text in pairs:
        if key is None:
            if position >= len(OPTION_KEYS):
                raise AnswerError(_("选项最多 8 个（A–H）。"))
            key = OPTION_KEYS[position]
        if key not in OPTION_KEYS or len(key) != 1:
            raise AnswerError(_("选项字母“%(k)s”无效，应为 A–H。") % {"k": key})
        if key in out:
            raise AnswerError(_("选项 %(k)s 出现了两次。") % {"k": key})
        out[key] = text
        position = OPTION_KEYS.index(key) + 1
    options = [{"key": k, "text": out[k]} for k in OPTION_KEYS if out.get(k)]
    empty = {k for k, t in out.items() if not t}
    return options, empty


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _text_pairs(value: str) -> list[tuple[str | None, str]]:
    """One cell of options: one per line, each maybe with its letter ("A. 3"); lines after a lettered line
    that carry no letter continue that option. "A. 3 B. 4" on one line is split at its letters."""
    lines = [ln.rstrip() for ln in value.strip().splitlines()]
    lines = [part for ln in lines if ln.strip() for part in _split_in_sequence(ln)]
    lettered = bool(lines) and _PREFIX.match(lines[0]) is not None
    pairs: list[tuple[str | None, str]] = []
    for ln in lines:
        m = _PREFIX.match(ln)
        if m:
            pairs.append(((m.group(1) or m.group(2)).upper(), ln[m.end():].strip()))
        elif lettered and pairs:
            key, text = pairs[-1]
            pairs[-1] = (key, f"{text}\n{ln.strip()}" if text else ln.strip())
        else:
            pairs.append((None, ln.strip()))
    return pairs


def _split_in_sequence(line: str) -> list[str]:
    """"A．静息 B．动作" (several options on one line, as papers print them) → one per option. A line is cut only
    before the letter that follows the one it starts with (B after A, D after C…), after white space, so
    "A. 选 C. 项" stays one option."""
    m = _PREFIX.match(line)
    if not m:
        return [line.strip()]
    parts = []
    letter = (m.group(1) or m.group(2)).upper()
    rest = line
    while letter < "H":
        following = chr(ord(letter) + 1)
        cut = re.search(rf"(?:\s|(?<=[^\x00-\x7f]))(?=(?:[(（]{following}[)）]|{following}[.．、:：)）]))", rest)
        if not cut:
            break
        parts.append(rest[:cut.start()].strip())
        rest = rest[cut.end():]
        letter = following
    parts.append(rest.strip())
    return [p for p in parts if p]


def options_text(options: list[dict]) -> str:
    """Options as one text cell ("A. 3\\nB. 4"), read back by `parse_options` to the same options."""
    return "\n".join(f"{o['key']}. {o['text']}" for o in options or [])


def choice_letters(raw) -> list[str]:
    """The letters of a choice answer: "B", "B.", "(B)", "AC", "A,C", ["A", "C"], ["AC"]. Whatever else the
    text holds stays in, so that "答案B" is refused rather than read as B."""
    if raw is None:
        return []
    if isinstance(raw, list | tuple):  # ["A", "C"] and ["AC"] (GAOKAO-Bench writes both) alike
        raw = "".join(str(a) for a in raw)
    return [c for c in str(raw).upper() if not c.isspace() and c not in ",，、;；.．()（）[]【】"]


# --- fill-in answers --------------------------------------------------------------------------------

def parse_fill_answer(raw) -> list[list[str]]:
    """Blanks × accepted alternatives, or AnswerError. See the module's docstring for the forms."""
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return _fill_from_list(raw)
    text = str(raw).strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            value = read_json(text)
        except UnreadableFile:
            raise AnswerError(_("填空答案以 [ 开头，应为 JSON 写法，如 [[\"3\", \"三\"], [\"60\"]]，但无法解析。")) from None
        if not isinstance(value, list):
            raise AnswerError(_("填空答案的 JSON 写法应为数组。"))
        return _fill_from_list(value)
    return _fill_from_plain(text)


def _fill_from_list(value) -> list[list[str]]:
    blanks = []
    for n, blank in enumerate(value, start=1):
        alts = blank if isinstance(blank, list | tuple) else [blank]
        clean = []
        for a in alts:
            if isinstance(a, dict | list | tuple) or a is None:
                raise AnswerError(_("第 %(n)s 空的答案应为文字。") % {"n": n})
            s = str(a).strip() if not isinstance(a, bool) else ("true" if a else "false")
            if s:
                clean.append(s)
        if not clean:
            raise AnswerError(_("第 %(n)s 空没有答案。") % {"n": n})
        blanks.append(clean)
    return blanks


def _fill_from_plain(text: str) -> list[list[str]]:
    _check_separators_outside_formulas(text)
    blanks = []
    for n, part in enumerate(re.split(r"[;；\n]", text), start=1):
        alts = [a.strip() for a in part.split("|")]
        if not part.strip() or not all(alts):
            raise AnswerError(_("第 %(n)s 空是空的或有空的备选答案（多写了 ; 或 |？）。如答案本身含有 ; 或 |，"
                                "请用 JSON 写法：[[\"答案1\", \"备选\"], [\"答案2\"]]。") % {"n": n})
        blanks.append(alts)
    return blanks


def _check_separators_outside_formulas(text: str) -> None:
    i = 0
    while i < len(text):
        if text.startswith("\\$", i):
            i += 2
            continue
        for left, right in (("$$", "$$"), ("\\[", "\\]"), ("$", "$"), ("\\(", "\\)")):
            if text.startswith(left, i):
                close = text.find(right, i + len(left))
                if close < 0:
                    raise AnswerError(_("填空答案中的公式没有闭合（缺少 %(r)s）。") % {"r": right})
                inner = text[i + len(left):close]
                if any(c in inner for c in FILL_SEPARATORS):
                    raise AnswerError(_("填空答案的公式 %(f)s 中含有 | 或 ;，无法判断如何分空。请用 JSON 写法，如 "
                                        "[[\"%(f)s\"]]。") % {"f": text[i:close + len(right)]})
                i = close + len(right)
                break
        else:
            i += 1


def fill_answer_text(blanks: list[list[str]]) -> str:
    """The answer as one text cell: plain ("3|三; 60") when that reads back the same, else JSON."""
    plain = "; ".join("|".join(str(a) for a in b) for b in blanks or [])
    try:
        if parse_fill_answer(plain) == blanks:
            return plain
    except AnswerError:
        pass
    return json.dumps(blanks, ensure_ascii=False)


def text_warnings(data: dict) -> list[str]:
    """What would show differently from what the author meant, for the edit page: the errors that will refuse
    the save (`actions.clean_question`; a question stored before these checks may hold them) and the
    warnings (formulas that do not convert, unknown commands, an unpaired $, outside images)."""
    from zhijiao.core.richtext import text_problems

    labels = {"stem": _("题干"), "options": _("选项"), "answer": _("答案"), "analysis": _("解析")}
    out = []
    for key, label in labels.items():
        value = data.get(key)
        if isinstance(value, list | tuple):
            value = json.dumps(value, ensure_ascii=False)
        found = text_problems(str(value or ""))
        out += [f"{label}：{w}" for w in found.errors + found.warnings]
    return out
