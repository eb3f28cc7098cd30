"""The Chinese analyzer: jieba segmentation, the same at index and at query time.

The segmenter is rjieba (jieba-rs, jieba's dictionary and HMM in Rust): jieba's own Python package held
its 350,000-word dictionary in a Python dict of every word and prefix, ~70-90 MB in each web worker;
rjieba's is ~30 MB. It gives the same tokens as jieba on the demo district's 54,000 titles and
descriptions, but for ASCII words joined by - _ or . (a-b, 1-2课时), which jieba splits and jieba-rs
keeps whole: `_split_joined` splits them as jieba does, so an index built with either answers the same.
On top of the dictionary we load the education terms in `data/edu_dict.txt` (and the catalog's lesson
titles `add_terms` is given). The tokenizer is built once per process (`tokenizer()`, cached,
thread-safe) so requests never pay for it; `warm_up()` can be called at start-up to pay it before the
first search.

Three views of a text:
- `words(text)`: jieba search-mode tokens (whole words plus their dictionary sub-words), lower-cased,
  punctuation dropped. Used for the word fields.
- `grams(text)`: character bigrams of each run of CJK characters, plus whole ASCII words. Used for the
  n-gram field, so partial words (勾股 in 勾股定理) and names that jieba does not know are found too.
- `highlight(text, terms)`: HTML-escaped text with the matched terms in <mark>.
"""

from __future__ import annotations

import html
import re
import threading
import time
from functools import lru_cache
from pathlib import Path

EDU_DICT = Path(__file__).resolve().parent / "data" / "edu_dict.txt"

_lock = threading.Lock()
_tokenizer = None
_extra_terms: set[str] = set()

# A CJK ideograph run, or an ASCII/digit word.
_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class Tokenizer:
    """jieba's segmentation (precise and search mode, HMM on) over rjieba's process-wide dictionary."""

    def __init__(self):
        # rjieba builds one dictionary when imported (its module functions use it): using that one rather
        # than a `rjieba.Jieba()` of our own keeps a single copy (~25 MB) in the process.
        import rjieba

        self._jieba = rjieba
        for line in EDU_DICT.read_text(encoding="utf-8").splitlines():
            word, freq, tag = (line.split() + [None, None])[:3]
            if word:
                self.add_word(word, int(freq) if freq else None, tag)

    def cut(self, text: str) -> list[str]:
        return self._jieba.cut(text, True)

    def cut_for_search(self, text: str) -> list[str]:
        return self._jieba.cut_for_search(text, True)

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        # rjieba segments without the GIL, borrowing its dictionary; adding a word while another thread
        # segments is refused ("Already borrowed"), and that segmentation ends within microseconds.
        while True:
            try:
                self._jieba.add_word(word, freq, tag)
                return
            except RuntimeError as exc:
                if "borrow" not in str(exc).lower():
                    raise  # not the dictionary being busy: waiting would never end
                time.sleep(0.001)


def tokenizer() -> Tokenizer:
    """The process-wide tokenizer with the education dictionary loaded (built on first use)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                tok = Tokenizer()
                for term in _extra_terms:
                    tok.add_word(term, 1000)
                _tokenizer = tok
    return _tokenizer


def warm_up() -> None:
    tokenizer()
    words("勾股定理")


def add_terms(terms) -> int:
    """Teach the analyzer whole terms (e.g. the catalog's lesson titles) so they are kept as one word.

    Only used while (re)building an index: documents indexed before and after must agree.
    Returns how many new terms were added.
    """
    new = 0
    tok = tokenizer()
    with _lock:
        for term in terms:
            term = (term or "").strip()
            if 2 <= len(term) <= 20 and " " not in term and term not in _extra_terms:
                _extra_terms.add(term)
                tok.add_word(term, 1000)
                new += 1
    if new:
        _cached_words.cache_clear()
        _cached_units.cache_clear()
    return new


_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20


def normalise(text: str) -> str:
    """Full-width ASCII to half-width, lower case."""
    return (text or "").translate(_FULLWIDTH).lower()


def _keep(token: str) -> bool:
    return bool(_RUN.search(token))


# ASCII words joined by - _ or . (a-b, 1-2, x.y.z, 3.14): jieba splits them into the pieces its HMM step
# matches (`[a-zA-Z0-9]+(?:\.\d+)?%?`: 3.14 and 50% stay whole) and jieba-rs keeps them whole.
_JOINED = re.compile(r"[0-9A-Za-z]+(?:[-_.][0-9A-Za-z]+)+")
_PIECE = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?%?")


def _split_joined(text: str) -> str:
    """`text` with each run of joined ASCII words replaced by jieba's pieces of it, spaced apart."""
    if "-" not in text and "_" not in text and "." not in text:
        return text
    return _JOINED.sub(lambda m: " ".join(_PIECE.findall(m.group())), text)


def _search_cut(text: str) -> list[str]:
    """jieba search-mode tokens of a normalised text, punctuation and spaces dropped."""
    return [t for t in (t.strip() for t in tokenizer().cut_for_search(_split_joined(text))) if t and _keep(t)]


@lru_cache(maxsize=4096)
def _cached_words(text: str) -> tuple[str, ...]:
    return tuple(_search_cut(text))


def words(text: str) -> list[str]:
    """jieba search-mode tokens of `text`, normalised; punctuation and spaces dropped."""
    text = normalise(text)
    if not text.strip():
        return []
    if len(text) <= 64:
        return list(_cached_words(text))
    return _search_cut(text)


def grams(text: str) -> list[str]:
    """Character bigrams of each CJK run (a 1-character run stays itself) and whole ASCII words, in order."""
    out: list[str] = []
    for run in _RUN.findall(normalise(text)):
        if _CJK.match(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


def segments(text: str) -> list[str]:
    """The user's query split on whitespace and punctuation: each segment must match (AND)."""
    text = normalise(text)
    parts = re.split(r"[\s,，;；、/|]+", text)
    return [p for p in (p.strip() for p in parts) if p and _RUN.search(p)][:16]


# Function words dropped from a query when it has other words (they would only narrow by accident).
STOP = frozenset("的 了 和 与 及 之 在 是 或 等 把 被 对 从 个 啊 吗 呢".split())


@lru_cache(maxsize=4096)
def _cached_units(seg: str) -> tuple[str, ...]:
    return tuple(t for t in (t.strip() for t in tokenizer().cut(_split_joined(seg))) if t and _keep(t))


def query_units(text: str) -> list[str]:
    """The words a query must all match: jieba's precise cut of each segment (a subset of the search-mode
    tokens the same text gets at index time), function words dropped when there are others."""
    units: list[str] = []
    for seg in segments(text):
        for unit in _cached_units(seg):
            if unit not in units:
                units.append(unit)
    kept = [u for u in units if u not in STOP]
    return (kept or units)[:16]


def highlight_terms(text: str) -> list[str]:
    """What to mark in results for query `text`: its segments and their jieba words (2+ characters)."""
    terms = set()
    for seg in segments(text):
        for run in _RUN.findall(seg):
            terms.add(run)
        for w in words(seg):
            if len(w) >= 2 or len(seg) == 1:
                terms.add(w)
    return sorted(terms, key=len, reverse=True)


def highlight(text: str, terms: list[str], *, limit: int | None = None) -> str:
    """`text` HTML-escaped, each case-insensitive occurrence of a term wrapped in <mark>.

    With `limit`, an excerpt of about that many characters around the first match (for snippets).
    """
    text = text or ""
    low = normalise(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        if not term:
            continue
        start = 0
        while True:
            i = low.find(term, start)
            if i < 0:
                break
            spans.append((i, i + len(term)))
            start = i + len(term)
    spans.sort()
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    lo, hi = 0, len(text)
    if limit is not None and len(text) > limit:
        first = merged[0][0] if merged else 0
        lo = max(0, first - limit // 4)
        hi = min(len(text), lo + limit)
        lo = max(0, hi - limit)
    out = []
    pos = lo
    for a, b in merged:
        if b <= lo or a >= hi:
            continue
        a, b = max(a, lo), min(b, hi)
        out.append(html.escape(text[pos:a]))
        out.append(f"<mark>{html.escape(text[a:b])}</mark>")
        pos = b
    out.append(html.escape(text[pos:hi]))
    s = "".join(out)
    if lo > 0:
        s = "…" + s
    if hi < len(text):
        s = s + "…"
    return s
