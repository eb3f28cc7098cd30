"""The only writers of the teaching taxonomy: import (JSON or XLSX) and export.

An import file holds any of: sections, stages, subjects, editions, books, chapters and knowledge
points. Everything is checked first; one bad row anywhere means nothing is written, and every bad
row is reported with its sheet, row number and reason. Rows are matched by code (chapters by book
code + path), so importing the same file twice changes nothing the second time. Nothing is deleted
by an import: resources hang off chapters.

Two shapes of JSON are read (see docs/catalog.md):
- nested, as shipped in `catalog/data/*.json`: `books: [{code, ..., chapters: [{title, kind, children}]}]`
  where a chapter's place in its book follows from its position;
- flat, as exported: `chapters: [{book, path: "3.2", kind, title}]` beside `books: [...]` without chapters.
XLSX is the flat shape, one sheet per kind (板块 学段 学科 版本 教材 章节 知识点), header in row 1.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.catalog.models import (
    CHAPTER_PATH_STEP,
    GRADE_LABELS,
    Book,
    Chapter,
    ChapterKind,
    ChapterLink,
    Edition,
    GradeEdition,
    KnowledgePoint,
    Section,
    Stage,
    Subject,
    Volume,
)
from zhijiao.catalog.selectors import catalog_changed
from zhijiao.core.files import UnreadableFile, append_row, new_workbook, read_json, read_xlsx, workbook_bytes
from zhijiao.records.actions import record_event

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_FILES = ["taxonomy.json", "tongbian-yuwen.json", "renjiao-shuxue.json", "pep-yingyu.json"]
# …then every other data file (one per stage/subject/edition, e.g. gz-rja-shuxue.json), in name order.
SHIPPED_FILES += sorted(p.name for p in DATA_DIR.glob("*.json") if p.name not in SHIPPED_FILES)

# Sheet name (XLSX) and its columns: (key, Chinese header). The parser accepts either header.
SHEETS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "sections": ("板块", [("code", "代码"), ("name", "名称"), ("order", "排序"), ("description", "说明"),
                        ("is_active", "启用")]),
    "stages": ("学段", [("code", "代码"), ("name", "名称"), ("first_grade", "起始年级"), ("last_grade", "结束年级"),
                      ("order", "排序")]),
    "subjects": ("学科", [("code", "代码"), ("name", "名称"), ("order", "排序"), ("stages", "学段")]),
    "editions": ("版本", [("code", "代码"), ("name", "名称"), ("publisher", "出版社"), ("order", "排序")]),
    "books": ("教材", [("code", "代码"), ("stage", "学段"), ("subject", "学科"), ("edition", "版本"),
                     ("grade", "年级"), ("volume", "册"), ("name", "书名"), ("revision", "版次"),
                     ("since", "起用年份")]),
    "chapters": ("章节", [("book", "教材代码"), ("path", "路径"), ("kind", "层级"), ("title", "标题"),
                        ("same_as", "同课旧版章节")]),
    "knowledge_points": ("知识点", [("code", "代码"), ("name", "名称"), ("stage", "学段"), ("subject", "学科"),
                                  ("parent", "上级代码"), ("chapters", "章节")]),
}
SHEET_ORDER = list(SHEETS)
MAX_CATALOG_ROWS = 200_000  # a sheet's rows: the catalog of every edition and grade stays far below
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
HUMAN_PATH = re.compile(r"^[1-9][0-9]{0,3}(\.[1-9][0-9]{0,3})*$")
KIND_ALIASES = {k.value: k.value for k in ChapterKind} | {str(k.label): k.value for k in ChapterKind} | {
    "章": "unit", "单元": "unit", "课": "lesson"}
VOLUME_ALIASES = {v.value: v.value for v in Volume} | {str(v.label): v.value for v in Volume}


class CatalogFileError(ValueError):
    """The file cannot be read at all (not JSON/XLSX, wrong top-level shape)."""


@dataclass(frozen=True)
class RowError:
    sheet: str  # key of SHEETS
    row: int  # 1-based: the XLSX row number, or the position in a JSON list (nested chapters: document order)
    message: str

    def __str__(self) -> str:
        return _("%(sheet)s 第 %(row)s 行：%(message)s") % {
            "sheet": SHEETS[self.sheet][0], "row": self.row, "message": self.message}


@dataclass
class Row:
    sheet: str
    row: int
    values: dict


@dataclass
class CatalogBundle:
    """Normalised rows of one import file, by sheet."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {k: [] for k in SHEETS})

    def add(self, sheet: str, row: int, values: dict) -> None:
        self.rows[sheet].append(Row(sheet, row, values))

    def extend(self, other: CatalogBundle) -> None:
        for k in SHEETS:
            self.rows[k].extend(other.rows[k])

    def count(self) -> int:
        return sum(len(v) for v in self.rows.values())


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def bump(self, what: str, sheet: str, n: int = 1) -> None:
        d = getattr(self, what)
        d[sheet] = d.get(sheet, 0) + n

    def summary(self) -> str:
        def fmt(d):
            return "，".join(f"{SHEETS[k][0]} {v}" for k, v in d.items() if v) or "0"
        return _("新增：%(c)s；更新：%(u)s；未变：%(n)s") % {
            "c": fmt(self.created), "u": fmt(self.updated), "n": fmt(self.unchanged)}


# --- paths -----------------------------------------------------------------------------------------

def human_to_path(human: str) -> str:
    """"3.2" -> "0003.0002." (the stored Chapter.path)."""
    return "".join(f"{int(p):0{CHAPTER_PATH_STEP}d}." for p in human.split("."))


def path_to_human(path: str) -> str:
    return ".".join(str(int(p)) for p in path.rstrip(".").split("."))


def chapter_key(book_code: str, path: str) -> str:
    return f"{book_code}/{path}"


def ref_to_key(ref: str) -> str | None:
    """A chapter reference "rj-sx-g3a/3.2" (human path) or a stored key -> the stored key."""
    book, _sep, rest = (ref or "").strip().partition("/")
    if not book or not rest:
        return None
    if HUMAN_PATH.match(rest):
        return chapter_key(book, human_to_path(rest))
    return f"{book}/{rest}"


# --- reading files ---------------------------------------------------------------------------------

def _clean(v):
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return v.strip() if isinstance(v, str) else v


def catalog_parse(*, content: bytes | str | dict, filename: str = "catalog.json") -> CatalogBundle:
    """Read a JSON or XLSX catalog file into normalised rows. Raises CatalogFileError if unreadable."""
    if isinstance(content, dict):
        return _parse_json(content)
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _parse_xlsx(content if isinstance(content, bytes) else content.encode())
    if name.endswith(".json"):
        try:
            data = read_json(content)
        except UnreadableFile as exc:
            raise CatalogFileError(_("无法读取 JSON 文件：%(e)s") % {"e": exc}) from None
        if not isinstance(data, dict):
            raise CatalogFileError(_("JSON 文件的最外层应是一个对象（{…}）。"))
        return _parse_json(data)
    raise CatalogFileError(_("只支持 .json 或 .xlsx 文件。"))


def _parse_json(data: dict) -> CatalogBundle:
    bundle = CatalogBundle()
    known = set(SHEETS) | {"format", "version", "description"}
    unknown = [k for k in data if k not in known]
    if unknown:
        raise CatalogFileError(_("JSON 文件含有无法识别的项：%(k)s") % {"k": "、".join(unknown)})
    for sheet in ("sections", "stages", "subjects", "editions", "knowledge_points"):
        items = data.get(sheet) or []
        if not isinstance(items, list):
            raise CatalogFileError(_("“%(k)s”应是一个列表。") % {"k": sheet})
        for i, item in enumerate(items, start=1):
            bundle.add(sheet, i, {k: _clean(v) for k, v in (item.items() if isinstance(item, dict) else [])})
    seq = 0
    for i, book in enumerate(data.get("books") or [], start=1):
        if not isinstance(book, dict):
            bundle.add("books", i, {})
            continue
        bundle.add("books", i, {k: _clean(v) for k, v in book.items() if k != "chapters"})

        def walk(nodes, prefix, book_code):
            nonlocal seq
            for pos, node in enumerate(nodes or [], start=1):
                seq += 1
                human = f"{prefix}.{pos}" if prefix else str(pos)
                node = node if isinstance(node, dict) else {}
                bundle.add("chapters", seq, {"book": book_code, "path": human, "kind": _clean(node.get("kind")),
                                             "title": _clean(node.get("title")),
                                             "same_as": _clean(node.get("same_as"))})
                walk(node.get("children"), human, book_code)

        walk(book.get("chapters"), "", book.get("code", ""))
    for item in data.get("chapters") or []:
        seq += 1
        bundle.add("chapters", seq, {k: _clean(v) for k, v in (item.items() if isinstance(item, dict) else [])})
    return bundle


def _parse_xlsx(content: bytes) -> CatalogBundle:
    try:
        sheets = read_xlsx(content, max_rows=MAX_CATALOG_ROWS)
    except UnreadableFile as exc:
        raise CatalogFileError(str(exc)) from None
    bundle = CatalogBundle()
    by_title = {title.strip(): (title, rows) for title, rows in sheets}
    found = False
    for sheet, (zh, columns) in SHEETS.items():
        title, rows = by_title.get(zh) or by_title.get(sheet) or (None, None)
        if rows is None:
            continue
        found = True
        rows = iter(rows)
        header = next(rows, None) or ()
        aliases = {k: k for k, _zh in columns} | {zh_: k for k, zh_ in columns}
        keys = [aliases.get(str(h).strip()) if h is not None else None for h in header]
        if not any(keys):
            raise CatalogFileError(_("工作表“%(s)s”的第 1 行应是表头。") % {"s": title})
        for n, values in enumerate(rows, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            bundle.add(sheet, n, {k: _clean(v) for k, v in zip(keys, values, strict=False) if k})
    if not found:
        raise CatalogFileError(_("Excel 文件中没有可识别的工作表（板块、学段、学科、版本、教材、章节、知识点）。"))
    return bundle


def shipped_bundle() -> CatalogBundle:
    """The catalog data that ships with the platform (catalog/data/*.json)."""
    bundle = CatalogBundle()
    for name in SHIPPED_FILES:
        bundle.extend(_parse_json(json.loads((DATA_DIR / name).read_text(encoding="utf-8"))))
    return bundle


# --- checking --------------------------------------------------------------------------------------

def _int(v) -> int | None:
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return None


def _list(v) -> list[str]:
    if isinstance(v, list):
        return [str(x).strip() for x in v if str(x).strip()]
    return [x for x in re.split(r"[,，;；\s]+", str(v or "")) if x]


def _bool(v, default=True) -> bool:
    if v in ("", None):
        return default
    if isinstance(v, bool):
        return v
    return str(v).strip().lower() not in {"0", "false", "no", "否", "停用"}


class _Checker:
    def __init__(self, bundle: CatalogBundle):
        self.b = bundle
        self.errors: list[RowError] = []
        self.clean: dict[str, list[tuple[Row, dict]]] = {k: [] for k in SHEETS}

    def err(self, row: Row, msg: str) -> None:
        self.errors.append(RowError(row.sheet, row.row, msg))

    def run(self) -> None:
        self._simple("sections", ["code", "name"])
        self._simple("stages", ["code", "name"])
        self._simple("editions", ["code", "name"])
        self._simple("subjects", ["code", "name"])
        self.stage_codes = set(Stage.objects.values_list("code", flat=True)) | {
            v["code"] for _r, v in self.clean["stages"]}
        self.subject_codes = set(Subject.objects.values_list("code", flat=True)) | {
            v["code"] for _r, v in self.clean["subjects"]}
        self.edition_codes = set(Edition.objects.values_list("code", flat=True)) | {
            v["code"] for _r, v in self.clean["editions"]}
        for row, v in self.clean["stages"]:
            first, last = _int(v.get("first_grade")), _int(v.get("last_grade"))
            if first is None or last is None or not (1 <= first <= last <= 12):
                self.err(row, _("起始年级和结束年级应是 1–12 的整数，且起始不大于结束。"))
            v["first_grade"], v["last_grade"] = first, last
        for row, v in self.clean["subjects"]:
            v["stages"] = _list(v.get("stages"))
            bad = [s for s in v["stages"] if s not in self.stage_codes]
            if bad:
                self.err(row, _("未知学段：%(s)s") % {"s": "、".join(bad)})
        self._books()
        self._chapters()
        self._kps()

    def _simple(self, sheet: str, required: list[str]) -> None:
        seen: dict[str, int] = {}
        for row in self.b.rows[sheet]:
            v = {k: "" for k, _zh in SHEETS[sheet][1]} | dict(row.values)
            missing = [dict(SHEETS[sheet][1])[k] for k in required if not str(v.get(k, "")).strip()]
            if missing:
                self.err(row, _("缺少%(f)s。") % {"f": "、".join(missing)})
                continue
            v["code"], v["name"] = str(v["code"]).strip(), str(v["name"]).strip()
            if len(v["code"]) > 40 or len(v["name"]) > 40:
                self.err(row, _("代码和名称都不能超过 40 个字符。"))
                continue
            if not SLUG.match(v["code"]):
                self.err(row, _("代码“%(c)s”只能含字母、数字、连字符和下划线。") % {"c": v["code"]})
                continue
            if v["code"] in seen:
                self.err(row, _("代码“%(c)s”与第 %(n)s 行重复。") % {"c": v["code"], "n": seen[v["code"]]})
                continue
            seen[v["code"]] = row.row
            order = _int(v.get("order")) if str(v.get("order", "")).strip() else 0
            if order is None or order < 0:
                self.err(row, _("排序应是非负整数。"))
                continue
            v["order"] = order
            self.clean[sheet].append((row, v))

    def _books(self) -> None:
        seen: dict[str, int] = {}
        stage_range = {s.code: (s.first_grade, s.last_grade) for s in Stage.objects.all()} | {
            v["code"]: (v["first_grade"], v["last_grade"]) for _r, v in self.clean["stages"]}
        slots: dict[tuple, int] = {}
        taken = {(b.stage.code, b.subject.code, b.edition.code, b.grade_level, b.volume, b.revision): b.code
                 for b in Book.objects.select_related("stage", "subject", "edition")} if self.b.rows["books"] else {}
        for row in self.b.rows["books"]:
            v = dict(row.values)
            code = str(v.get("code", "")).strip()
            if not code:
                self.err(row, _("缺少教材代码。"))
                continue
            if len(code) > 80 or len(str(v.get("name", ""))) > 100:
                self.err(row, _("教材代码不能超过 80 个字符，书名不能超过 100 个字。"))
                continue
            if not SLUG.match(code):
                self.err(row, _("教材代码“%(c)s”只能含字母、数字、连字符和下划线。") % {"c": code})
                continue
            if code in seen:
                self.err(row, _("教材代码“%(c)s”与第 %(n)s 行重复。") % {"c": code, "n": seen[code]})
                continue
            seen[code] = row.row
            problems = []
            if v.get("stage") not in self.stage_codes:
                problems.append(_("未知学段“%(s)s”") % {"s": v.get("stage", "")})
            if v.get("subject") not in self.subject_codes:
                problems.append(_("未知学科“%(s)s”") % {"s": v.get("subject", "")})
            if v.get("edition") not in self.edition_codes:
                problems.append(_("未知版本“%(s)s”") % {"s": v.get("edition", "")})
            grade = _int(v.get("grade"))
            rng = stage_range.get(v.get("stage"))
            if grade is None or (rng and rng[0] is not None and not (rng[0] <= grade <= rng[1])):
                problems.append(_("年级“%(g)s”不在该学段的年级范围内") % {"g": v.get("grade", "")})
            volume = VOLUME_ALIASES.get(str(v.get("volume", "")).strip())
            if volume is None:
                problems.append(_("册应为 上、下、全，或高中的模块名（如 必修第一册、选择性必修1、中外历史纲要（上））"))
            if not str(v.get("name", "")).strip():
                problems.append(_("缺少书名"))
            revision = str(v.get("revision") or "").strip()
            if len(revision) > 20:
                problems.append(_("版次不能超过 20 个字"))
            since = _int(v.get("since")) if str(v.get("since") or "").strip() else None
            if str(v.get("since") or "").strip() and (since is None or not 1950 <= since <= 2100):
                problems.append(_("起用年份应是四位年份，如 2024"))
            if problems:
                self.err(row, "；".join(problems) + "。")
                continue
            slot = (v["stage"], v["subject"], v["edition"], grade, volume, revision)
            if slot in slots:
                self.err(row, _("与第 %(n)s 行是同一册教材（学段、学科、版本、年级、册、版次都相同）。") % {
                    "n": slots[slot]})
                continue
            slots[slot] = row.row
            if taken.get(slot, code) != code:
                self.err(row, _("该册教材已以代码“%(c)s”存在。") % {"c": taken[slot]})
                continue
            self.clean["books"].append((row, {"code": code, "stage": v["stage"], "subject": v["subject"],
                                              "edition": v["edition"], "grade": grade, "volume": volume,
                                              "name": str(v["name"]).strip(), "revision": revision,
                                              "since": since}))

    def _chapters(self) -> None:
        file_books = {v["code"] for _r, v in self.clean["books"]}
        bad_books = {str(r.values.get("code", "")).strip() for r in self.b.rows["books"]} - file_books
        codes = {str(r.values.get("book", "")).strip() for r in self.b.rows["chapters"]}
        db_books = set(Book.objects.filter(code__in=codes - file_books).values_list("code", flat=True))
        seen: dict[str, int] = {}
        rows = []
        for row in self.b.rows["chapters"]:
            v = row.values
            book = str(v.get("book", "")).strip()
            human = str(v.get("path", "")).strip()
            title = str(v.get("title", "")).strip()
            if book in bad_books:
                continue  # the book row itself is reported
            if book not in file_books and book not in db_books:
                self.err(row, _("未知教材“%(b)s”。") % {"b": book})
                continue
            if not title:
                self.err(row, _("缺少标题。"))
                continue
            if len(title) > 120:
                self.err(row, _("标题不能超过 120 个字。"))
                continue
            if not HUMAN_PATH.match(human) or human.count(".") >= 20:
                self.err(row, _("路径“%(p)s”格式不对，应如 3 或 3.2 或 3.2.1。") % {"p": human})
                continue
            kind_raw = str(v.get("kind", "")).strip()
            kind = KIND_ALIASES.get(kind_raw) if kind_raw else ("unit" if "." not in human else "lesson")
            if kind is None:
                self.err(row, _("层级“%(k)s”应为 unit（章/单元）、section（节）或 lesson（课时）。") % {"k": kind_raw})
                continue
            key = chapter_key(book, human_to_path(human))
            if key in seen:
                self.err(row, _("路径重复：教材 %(b)s 的 %(p)s 已在第 %(n)s 行出现。") % {
                    "b": book, "p": human, "n": seen[key]})
                continue
            seen[key] = row.row
            rows.append((row, {"book": book, "human": human, "path": human_to_path(human), "key": key,
                               "kind": kind, "title": title, "same_as": _list(v.get("same_as"))}))
        existing = set(Chapter.objects.filter(book__code__in={r[1]["book"] for r in rows}).values_list("key", flat=True))
        for row, v in rows:
            if "." in v["human"]:
                parent_key = chapter_key(v["book"], human_to_path(v["human"].rsplit(".", 1)[0]))
                if parent_key not in seen and parent_key not in existing:
                    self.err(row, _("上级章节不存在：教材 %(b)s 中没有路径 %(p)s。") % {
                        "b": v["book"], "p": v["human"].rsplit(".", 1)[0]})
                    continue
            self.clean["chapters"].append((row, v))
        self.chapter_keys = set(seen) | existing
        self._same_as()

    def _same_as(self) -> None:
        """`same_as`: the chapters of another revision of the book that teach the same lesson."""
        refs = {ref_to_key(x) for _r, v in self.clean["chapters"] for x in v["same_as"]} - {None}
        known = self.chapter_keys | set(Chapter.objects.filter(key__in=refs - self.chapter_keys)
                                        .values_list("key", flat=True))
        for row, v in self.clean["chapters"]:
            keys, problems = [], []
            for ref in v["same_as"]:
                key = ref_to_key(ref)
                if key is None or key not in known:
                    problems.append(_("同课旧版章节“%(r)s”不存在") % {"r": ref})
                elif key.split("/", 1)[0] == v["book"]:
                    problems.append(_("同课章节“%(r)s”应在另一版次的教材中") % {"r": ref})
                else:
                    keys.append(key)
            if problems:
                self.err(row, "；".join(problems) + "。")
            v["same_as"] = keys

    def _kps(self) -> None:
        seen: dict[str, int] = {}
        file_codes = {str(r.values.get("code", "")).strip() for r in self.b.rows["knowledge_points"]}
        rows = self.b.rows["knowledge_points"]
        parents = {str(r.values.get("parent", "")).strip() for r in rows} - {""}
        db_codes = set(KnowledgePoint.objects.filter(code__in=parents - file_codes).values_list("code", flat=True))
        refs = {ref_to_key(x) for r in rows for x in _list(r.values.get("chapters"))} - {None}
        db_keys = set(Chapter.objects.filter(key__in=refs - self.chapter_keys).values_list("key", flat=True))
        for row in rows:
            v = row.values
            code, name = str(v.get("code", "")).strip(), str(v.get("name", "")).strip()
            if not code or not name:
                self.err(row, _("缺少代码或名称。"))
                continue
            if len(code) > 80 or len(name) > 120:
                self.err(row, _("代码不能超过 80 个字符，名称不能超过 120 个字。"))
                continue
            if code in seen:
                self.err(row, _("代码“%(c)s”与第 %(n)s 行重复。") % {"c": code, "n": seen[code]})
                continue
            seen[code] = row.row
            problems = []
            if v.get("stage") not in self.stage_codes:
                problems.append(_("未知学段“%(s)s”") % {"s": v.get("stage", "")})
            if v.get("subject") not in self.subject_codes:
                problems.append(_("未知学科“%(s)s”") % {"s": v.get("subject", "")})
            parent = str(v.get("parent", "")).strip()
            if parent and parent not in file_codes and parent not in db_codes:
                problems.append(_("上级知识点“%(p)s”不存在") % {"p": parent})
            if parent == code:
                problems.append(_("上级知识点不能是自己"))
            keys = []
            for ref in _list(v.get("chapters")):
                key = ref_to_key(ref)
                if key is None or (key not in self.chapter_keys and key not in db_keys):
                    problems.append(_("章节“%(r)s”不存在") % {"r": ref})
                else:
                    keys.append(key)
            if problems:
                self.err(row, "；".join(problems) + "。")
                continue
            self.clean["knowledge_points"].append((row, {"code": code, "name": name, "stage": v["stage"],
                                                         "subject": v["subject"], "parent": parent,
                                                         "chapters": keys}))
        parent_of = {v["code"]: v["parent"] for _r, v in self.clean["knowledge_points"]}
        for row, v in self.clean["knowledge_points"]:
            code, seen = v["code"], set()
            while code in parent_of and code not in seen:
                seen.add(code)
                code = parent_of[code]
            if code == v["code"] or (code in seen and code in parent_of):
                self.err(row, _("上级知识点形成循环。"))


# --- writing ---------------------------------------------------------------------------------------

def _upsert_simple(model, rows: list[dict], fields: list[str], report: ImportReport, sheet: str) -> dict:
    existing = {o.code: o for o in model.objects.filter(code__in=[r["code"] for r in rows])}
    new, changed = [], []
    for r in rows:
        obj = existing.get(r["code"])
        if obj is None:
            new.append(model(code=r["code"], **{f: r[f] for f in fields}))
            continue
        diff = [f for f in fields if getattr(obj, f) != r[f]]
        for f in diff:
            setattr(obj, f, r[f])
        if diff:
            changed.append(obj)
        report.bump("updated" if diff else "unchanged", sheet)
    if new:
        model.objects.bulk_create(new)
        report.bump("created", sheet, len(new))
    if changed:
        model.objects.bulk_update(changed, fields)
    return {o.code: o for o in model.objects.filter(code__in=[r["code"] for r in rows])}


def _write(checker: _Checker, report: ImportReport) -> None:
    c = checker.clean
    _upsert_simple(Section, [{"code": v["code"], "name": str(v["name"]), "order": v["order"],
                              "description": str(v.get("description") or "")[:200],
                              "is_active": _bool(v.get("is_active"))} for _r, v in c["sections"]],
                   ["name", "order", "description", "is_active"], report, "sections")
    _upsert_simple(Stage, [{"code": v["code"], "name": str(v["name"]), "order": v["order"],
                            "first_grade": v["first_grade"], "last_grade": v["last_grade"]} for _r, v in c["stages"]],
                   ["name", "order", "first_grade", "last_grade"], report, "stages")
    _upsert_simple(Edition, [{"code": v["code"], "name": str(v["name"]), "order": v["order"],
                              "publisher": str(v.get("publisher") or "")} for _r, v in c["editions"]],
                   ["name", "order", "publisher"], report, "editions")
    subjects = _upsert_simple(Subject, [{"code": v["code"], "name": str(v["name"]), "order": v["order"]}
                                        for _r, v in c["subjects"]], ["name", "order"], report, "subjects")
    if c["subjects"]:
        stage_ids = dict(Stage.objects.values_list("code", "pk"))
        through = Subject.stages.through
        through.objects.filter(subject_id__in=[s.pk for s in subjects.values()]).delete()
        through.objects.bulk_create([through(subject_id=subjects[v["code"]].pk, stage_id=stage_ids[s])
                                     for _r, v in c["subjects"] for s in dict.fromkeys(v["stages"])])

    # Books
    if c["books"]:
        stage_ids = dict(Stage.objects.values_list("code", "pk"))
        subject_ids = dict(Subject.objects.values_list("code", "pk"))
        edition_ids = dict(Edition.objects.values_list("code", "pk"))
        rows = [{"code": v["code"], "stage_id": stage_ids[v["stage"]], "subject_id": subject_ids[v["subject"]],
                 "edition_id": edition_ids[v["edition"]], "grade_level": v["grade"], "volume": v["volume"],
                 "name": v["name"], "revision": v["revision"], "in_use_from": v["since"]} for _r, v in c["books"]]
        _upsert_simple(Book, rows, ["stage_id", "subject_id", "edition_id", "grade_level", "volume", "name",
                                    "revision", "in_use_from"], report, "books")

    # Chapters, one tree level at a time so parents have ids before their children.
    if c["chapters"]:
        book_codes = {v["book"] for _r, v in c["chapters"]}
        books = {b.code: b for b in Book.objects.filter(code__in=book_codes)}
        existing = {ch.key: ch for ch in Chapter.objects.filter(book__code__in=book_codes)}
        titles = {k: ch.title for k, ch in existing.items()} | {v["key"]: v["title"] for _r, v in c["chapters"]}
        ids = {k: ch.pk for k, ch in existing.items()}
        by_depth: dict[int, list[dict]] = {}
        for _r, v in c["chapters"]:
            by_depth.setdefault(v["human"].count("."), []).append(v)
        fields = ["title", "kind", "order", "parent_id", "title_path"]
        renamed_books: set[int] = set()
        for depth in sorted(by_depth):
            new, changed = [], []
            for v in by_depth[depth]:
                book = books[v["book"]]
                steps = v["path"].rstrip(".").split(".")
                ancestors = [chapter_key(book.code, "".join(s + "." for s in steps[:i])) for i in range(1, len(steps))]
                parent_id = ids[ancestors[-1]] if ancestors else None
                title_path = " / ".join([book.name] + [titles[a] for a in ancestors] + [v["title"]])[:500]
                want = {"title": v["title"], "kind": v["kind"], "order": int(steps[-1]), "parent_id": parent_id,
                        "title_path": title_path}
                obj = existing.get(v["key"])
                if obj is None:
                    new.append(Chapter(book=book, path=v["path"], depth=depth, key=v["key"], **want))
                    continue
                diff = [f for f in fields if getattr(obj, f) != want[f]]
                for f in diff:
                    setattr(obj, f, want[f])
                if diff:
                    changed.append(obj)
                report.bump("updated" if diff else "unchanged", "chapters")
            if new:
                Chapter.objects.bulk_create(new, batch_size=1000)
                report.bump("created", "chapters", len(new))
                if any(o.pk is None for o in new):  # backends without RETURNING
                    ids.update(Chapter.objects.filter(key__in=[o.key for o in new]).values_list("key", "pk"))
                else:
                    ids.update({o.key: o.pk for o in new})
            if changed:
                Chapter.objects.bulk_update(changed, fields, batch_size=1000)
                renamed_books.update(o.book_id for o in changed)
        if renamed_books:
            _refresh_title_paths(renamed_books)
        _write_chapter_links(c["chapters"])

    # Knowledge points: create/update, then parents, then chapter links.
    if c["knowledge_points"]:
        stage_ids = dict(Stage.objects.values_list("code", "pk"))
        subject_ids = dict(Subject.objects.values_list("code", "pk"))
        rows = [{"code": v["code"], "name": v["name"], "stage_id": stage_ids[v["stage"]],
                 "subject_id": subject_ids[v["subject"]]} for _r, v in c["knowledge_points"]]
        # Parents first (a file lists a tree top-down), so most parents are known when their children are made.
        known = dict(KnowledgePoint.objects.values_list("code", "pk"))
        kps = {}
        for level in _kp_levels(c["knowledge_points"]):
            for r in rows:
                if r["code"] in level:
                    parent = level[r["code"]]
                    r["parent_id"] = known.get(parent) if parent else None
            batch = [r for r in rows if r["code"] in level]
            got = _upsert_simple(KnowledgePoint, batch, ["name", "stage_id", "subject_id", "parent_id"], report,
                                 "knowledge_points")
            kps.update(got)
            known.update({k: o.pk for k, o in got.items()})
        parent_codes = {v["parent"] for _r, v in c["knowledge_points"] if v["parent"]}
        all_ids = dict(KnowledgePoint.objects.filter(code__in=parent_codes | set(kps)).values_list("code", "pk"))
        reparent = []
        for _r, v in c["knowledge_points"]:
            obj = kps[v["code"]]
            want = all_ids.get(v["parent"]) if v["parent"] else None
            if obj.parent_id != want:
                obj.parent_id = want
                reparent.append(obj)
        if reparent:
            KnowledgePoint.objects.bulk_update(reparent, ["parent_id"])
        keys = {k for _r, v in c["knowledge_points"] for k in v["chapters"]}
        chapter_ids = dict(Chapter.objects.filter(key__in=keys).values_list("key", "pk"))
        through = KnowledgePoint.chapters.through
        want_links = {(kps[v["code"]].pk, chapter_ids[k]) for _r, v in c["knowledge_points"] for k in v["chapters"]}
        have_links = set(through.objects.filter(knowledgepoint_id__in=[o.pk for o in kps.values()])
                         .values_list("knowledgepoint_id", "chapter_id"))
        if want_links != have_links:
            through.objects.filter(knowledgepoint_id__in=[o.pk for o in kps.values()]).delete()
            through.objects.bulk_create([through(knowledgepoint_id=a, chapter_id=b) for a, b in sorted(want_links)])
    # Last, after the knowledge points of this file replaced their chapter lists: the old lessons' points
    # apply to the new lessons linked to them (this import's links and the ones made before).
    _carry_knowledge_points()


def _write_chapter_links(rows) -> None:
    """Add the `same_as` links of the imported chapters (old chapter → this one). Like every import,
    nothing is removed: a link dropped from a file stays until an admin deletes it in /ops/admin/."""
    wanted = {(old, v["key"]) for _r, v in rows for old in v["same_as"]}
    if not wanted:
        return
    ids = dict(Chapter.objects.filter(key__in={k for pair in wanted for k in pair}).values_list("key", "pk"))
    pairs = {(ids[old], ids[new]) for old, new in wanted}
    have = set(ChapterLink.objects.filter(new_id__in={n for _o, n in pairs}).values_list("old_id", "new_id"))
    ChapterLink.objects.bulk_create([ChapterLink(old_id=o, new_id=n) for o, n in sorted(pairs - have)])


def _carry_knowledge_points(pairs: set[tuple[int, int]] | None = None) -> int:
    """Link the knowledge points of each old chapter to the new chapters linked to it (same lesson), for the
    given (old id, new id) pairs or every ChapterLink. Copied rather than resolved at read time so that every
    reader of a point's chapters (教材目录, the recommendations' micro-lessons, the bank, the API, OAI-PMH,
    the export) sees them without each learning to follow links. Only adds; returns how many were added."""
    if pairs is None:
        pairs = set(ChapterLink.objects.values_list("old_id", "new_id"))
    if not pairs:
        return 0
    news_of: dict[int, set[int]] = {}
    for old, new in pairs:
        news_of.setdefault(old, set()).add(new)
    through = KnowledgePoint.chapters.through
    want = {(kp, new) for kp, old in through.objects.filter(chapter_id__in=list(news_of))
            .values_list("knowledgepoint_id", "chapter_id") for new in news_of[old]}
    have = set(through.objects.filter(chapter_id__in={n for _o, n in pairs})
               .values_list("knowledgepoint_id", "chapter_id"))
    missing = sorted(want - have)
    through.objects.bulk_create([through(knowledgepoint_id=k, chapter_id=c) for k, c in missing])
    return len(missing)


def _refresh_title_paths(book_ids) -> None:
    """Recompute title paths of whole books (a renamed node changes the paths of everything under it)."""
    for book in Book.objects.filter(pk__in=book_ids):
        title_of: dict[str, str] = {}
        stale = []
        for ch in Chapter.objects.filter(book=book).order_by("path"):
            parent_path = ch.path[: -(CHAPTER_PATH_STEP + 1)]
            prefix = title_of.get(parent_path, book.name)
            title_of[ch.path] = f"{prefix} / {ch.title}"
            if ch.title_path != title_of[ch.path][:500]:
                ch.title_path = title_of[ch.path][:500]
                stale.append(ch)
        Chapter.objects.bulk_update(stale, ["title_path"], batch_size=1000)


def _kp_levels(items: list[tuple[Row, dict]]) -> list[dict[str, str]]:
    """Knowledge points grouped so that every parent inside the file comes in an earlier group."""
    parent_of = {v["code"]: v["parent"] for _r, v in items}
    depth: dict[str, int] = {}

    def d(code, seen=()):
        if code not in depth:
            p = parent_of.get(code)
            depth[code] = 0 if (not p or p not in parent_of or p in seen) else d(p, (*seen, code)) + 1
        return depth[code]

    levels: dict[int, dict[str, str]] = {}
    for code in parent_of:
        levels.setdefault(d(code), {})[code] = parent_of[code]
    return [levels[k] for k in sorted(levels)]


def catalog_import(*, actor=None, bundle: CatalogBundle, dry_run: bool = False, source: str = "") -> ImportReport:
    """Check every row of `bundle`; if all are good (and not a dry run), write them in one transaction."""
    report = ImportReport(dry_run=dry_run)
    checker = _Checker(bundle)
    checker.run()
    if checker.errors:
        report.errors = sorted(checker.errors, key=lambda e: (SHEET_ORDER.index(e.sheet), e.row))
        return report
    with transaction.atomic():
        _write(checker, report)
        if dry_run:
            transaction.set_rollback(True)
            return report
        record_event(actor=actor, verb="imported", object_kind="platform", object_key="catalog",
                     object_name="教材目录", actor_role="district_admin" if actor is not None else "",
                     result={"extensions": {"https://zhijiao.example.org/xapi/extensions/catalog-import": {
                         "source": source[:200], "created": report.created, "updated": report.updated}}})
        if actor is not None:
            from zhijiao.accounts.actions import audit_record
            from zhijiao.accounts.models import AuditAction

            audit_record(actor=actor, action=AuditAction.IMPORT, target_type="catalog", target_id=source[:60],
                         detail={"created": report.created, "updated": report.updated})
        catalog_changed()
    return report


def catalog_import_file(*, actor=None, content: bytes | str, filename: str, dry_run: bool = False) -> ImportReport:
    """Parse a JSON/XLSX file and import it. Raises CatalogFileError if the file cannot be read at all."""
    return catalog_import(actor=actor, bundle=catalog_parse(content=content, filename=filename), dry_run=dry_run,
                          source=filename)


def catalog_load_shipped(*, actor=None) -> ImportReport:
    """Load the catalog that ships with the platform (idempotent)."""
    report = catalog_import(actor=actor, bundle=shipped_bundle(), source="shipped")
    if not report.ok:  # the shipped data is checked by tests; this guards against a bad edit
        raise ValueError("; ".join(str(e) for e in report.errors[:5]))
    return report


# --- renamed lessons: confirmed links ---------------------------------------------------------------------

class ChapterLinkError(ValueError):
    pass


def chapter_links_confirm(*, actor, old_book: Book, new_book: Book, values: list[str]) -> list[ChapterLink]:
    """Write the same-lesson links a district admin confirmed among the proposals for two revisions of a book
    (`selectors.link_candidates`; each value "<old id>:<new id>"). A value that is not a current proposal
    is named and nothing is written. The old lessons' knowledge points are carried to the new ones, like
    an imported `same_as`; the links export as `same_as` (catalog-export)."""
    from zhijiao.catalog.selectors import link_candidates

    proposed = {c.value: c for c in link_candidates(old_book, new_book)}
    wanted = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    unknown = [v for v in wanted if v not in proposed]
    if unknown:
        raise ChapterLinkError(_("以下对应不在当前候选中（可能已确认或章节已变）：%(v)s") % {"v": "、".join(unknown[:20])})
    if not wanted:
        raise ChapterLinkError(_("请至少勾选一项要确认的对应。"))
    with transaction.atomic():
        links = ChapterLink.objects.bulk_create([ChapterLink(old=proposed[v].old, new=proposed[v].new)
                                                 for v in wanted])
        _carry_knowledge_points({(proposed[v].old.pk, proposed[v].new.pk) for v in wanted})
        record_event(actor=actor, verb="updated", object_kind="platform", object_key=f"chapter-links/{new_book.code}",
                     object_name=f"{new_book.name}（{new_book.revision}）同课章节对应", actor_role="district_admin",
                     result={"extensions": {"https://zhijiao.example.org/xapi/extensions/chapter-links": {
                         "old_book": old_book.code, "new_book": new_book.code,
                         "links": [[proposed[v].old.key, proposed[v].new.key] for v in wanted]}}})
        catalog_changed()
    return links


# --- export ----------------------------------------------------------------------------------------

def catalog_export_data() -> dict:
    """The whole catalog in the flat shape (re-importable as is)."""
    books = list(Book.objects.select_related("stage", "subject", "edition").order_by("code"))
    book_code = {b.pk: b.code for b in books}
    chapter_ref = {}
    chapters = []
    rows = list(Chapter.objects.order_by("book_id", "path").values("pk", "book_id", "path", "kind", "title"))
    for ch in rows:
        chapter_ref[ch["pk"]] = f"{book_code[ch['book_id']]}/{path_to_human(ch['path'])}"
    same_as: dict[int, list[str]] = {}
    for old_id, new_id in ChapterLink.objects.order_by("old_id").values_list("old_id", "new_id"):
        same_as.setdefault(new_id, []).append(chapter_ref[old_id])
    for ch in rows:
        chapters.append({"book": book_code[ch["book_id"]], "path": path_to_human(ch["path"]), "kind": ch["kind"],
                         "title": ch["title"], "same_as": same_as.get(ch["pk"], [])})
    chapters.sort(key=lambda r: (r["book"], [int(p) for p in r["path"].split(".")]))
    links: dict[int, list[str]] = {}
    for kp_id, ch_id in KnowledgePoint.chapters.through.objects.values_list("knowledgepoint_id", "chapter_id"):
        links.setdefault(kp_id, []).append(chapter_ref[ch_id])
    subject_stages: dict[int, list[str]] = {}
    for sid, code in Subject.stages.through.objects.values_list("subject_id", "stage__code"):
        subject_stages.setdefault(sid, []).append(code)
    kp_code = dict(KnowledgePoint.objects.values_list("pk", "code"))
    return {
        "format": "zhijiao-catalog", "version": 1,
        "sections": [{"code": s.code, "name": s.name, "order": s.order, "description": s.description,
                      "is_active": s.is_active} for s in Section.objects.all()],
        "stages": [{"code": s.code, "name": s.name, "first_grade": s.first_grade, "last_grade": s.last_grade,
                    "order": s.order} for s in Stage.objects.all()],
        "subjects": [{"code": s.code, "name": s.name, "order": s.order, "stages": subject_stages.get(s.pk, [])}
                     for s in Subject.objects.all()],
        "editions": [{"code": e.code, "name": e.name, "publisher": e.publisher, "order": e.order}
                     for e in Edition.objects.all()],
        "books": [{"code": b.code, "stage": b.stage.code, "subject": b.subject.code, "edition": b.edition.code,
                   "grade": b.grade_level, "volume": b.volume, "name": b.name, "revision": b.revision,
                   "since": b.in_use_from or ""} for b in books],
        "chapters": chapters,
        "knowledge_points": [{"code": k.code, "name": k.name, "stage": k.stage.code, "subject": k.subject.code,
                              "parent": kp_code.get(k.parent_id, ""), "chapters": links.get(k.pk, [])}
                             for k in KnowledgePoint.objects.select_related("stage", "subject").order_by("code")],
    }


def catalog_export(*, fmt: str) -> bytes:
    """The catalog as a JSON or XLSX file's bytes."""
    data = catalog_export_data()
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    if fmt != "xlsx":
        raise ValueError(f"unknown format {fmt!r}")
    wb = new_workbook(write_only=True)
    for sheet, (zh, columns) in SHEETS.items():
        ws = wb.create_sheet(zh)
        append_row(ws, [h for _k, h in columns])
        for item in data[sheet]:
            append_row(ws, [" ".join(v) if isinstance(v := item.get(k, ""), list) else v for k, _h in columns])
    return workbook_bytes(wb)


# --- which edition each grade uses -----------------------------------------------------------------

class EditionChoiceError(ValueError):
    """A grade-edition choice that cannot be saved (not allowed, or no such book in the catalog)."""


def grade_edition_set(*, actor, node, stage: Stage, subject: Subject, grade: int, edition: Edition | None,
                      revision: str = "", schools_may_choose: bool = False) -> GradeEdition | None:
    """Set (or, with `edition=None`, clear) the edition and revision `grade` of `node` uses for `subject`.

    `node` is a district (its default for every school) or a school (its own choice, which the caller has
    checked the district allows: `selectors.may_choose_for_school`). The catalog must hold a book of that
    edition and revision for the grade. Records the change and refreshes the cached catalog.
    """
    from zhijiao.core.models import NodeKind

    if node.kind not in (NodeKind.DISTRICT, NodeKind.SCHOOL):
        raise EditionChoiceError(_("只能为区县或学校设置年级用书。"))
    with transaction.atomic():
        row = GradeEdition.objects.filter(node=node, stage=stage, subject=subject, grade_level=grade).first()
        if edition is None:
            if row is None:
                return None
            row.delete()
        else:
            if not Book.objects.filter(stage=stage, subject=subject, edition=edition, grade_level=grade,
                                       revision=revision).exists():
                raise EditionChoiceError(_("目录中没有%(e)s%(r)s的%(g)s教材。") % {
                    "e": edition.name, "r": revision, "g": GRADE_LABELS.get(grade, grade)})
            may = schools_may_choose if node.kind == NodeKind.DISTRICT else False
            if row is None:
                row = GradeEdition.objects.create(node=node, stage=stage, subject=subject, grade_level=grade,
                                                  edition=edition, revision=revision, schools_may_choose=may)
            elif (row.edition_id, row.revision, row.schools_may_choose) != (edition.pk, revision, may):
                row.edition, row.revision, row.schools_may_choose = edition, revision, may
                row.save()
            else:
                return row
        record_event(actor=actor, verb="updated", object_kind="platform",
                     object_key=f"grade-edition/{node.pk}/{stage.code}/{subject.code}/{grade}",
                     object_name=f"{node.name} {GRADE_LABELS.get(grade, grade)}{subject.name}用书",
                     actor_role="district_admin" if node.kind == NodeKind.DISTRICT else "school_admin",
                     result={"extensions": {"https://zhijiao.example.org/xapi/extensions/grade-edition": {
                         "edition": edition.code if edition else "", "revision": revision}}})
        catalog_changed()
    return row if edition is not None else None
