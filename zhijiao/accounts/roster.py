"""Roster files (花名册): reading CSV/XLSX, mapping headers, checking each row. Pure: no database.

Layout (docs/roster-import.md): one XLSX workbook with sheets 学校, 班级, 教师, 学生, 家长 (any subset), or
one CSV file per kind. A sheet's kind comes from its name, else from its headers. Row numbers are the
ones Excel shows: the header is row 1, the first data row is row 2.

Checks here need only the file: required fields, phone and ID-number formats, grades, duplicates
inside the file. Checks against the database (unknown school or class, clashes with other people,
scope) are in `roster_actions.roster_plan`.
"""

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from zhijiao.core.files import UnreadableFile, append_row, new_workbook, read_xlsx, workbook_bytes
from zhijiao.core.models import GRADE_NAMES

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000

SCHOOLS, CLASSES, TEACHERS, STUDENTS, PARENTS = "schools", "classes", "teachers", "students", "parents"
KINDS = (SCHOOLS, CLASSES, TEACHERS, STUDENTS, PARENTS)
KIND_LABELS = {SCHOOLS: "学校", CLASSES: "班级", TEACHERS: "教师", STUDENTS: "学生", PARENTS: "家长"}
KIND_BY_SHEET = {
    "学校": SCHOOLS, "schools": SCHOOLS, "school": SCHOOLS,
    "班级": CLASSES, "classes": CLASSES, "class": CLASSES,
    "教师": TEACHERS, "老师": TEACHERS, "teachers": TEACHERS, "teacher": TEACHERS,
    "学生": STUDENTS, "students": STUDENTS, "student": STUDENTS,
    "家长": PARENTS, "parents": PARENTS, "parent": PARENTS,
}

# Canonical column key -> (Chinese header shown in templates, accepted aliases).
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "school_code": ("学校代码", ("学校标识码", "school_code", "schoolcode")),
    "school_name": ("学校名称", ("学校", "school_name", "school")),
    "school_type": ("学校类型", ("school_type", "type")),
    "ownership": ("办学性质", ("ownership",)),
    "campuses": ("校点", ("校区", "campus", "campuses")),
    "grade": ("年级", ("grade",)),
    "class_name": ("班级名称", ("班级", "班名", "class", "class_name")),
    "class_code": ("班级编号", ("class_code",)),
    "name": ("姓名", ("name",)),
    "phone": ("手机号", ("手机", "手机号码", "联系电话", "phone", "mobile")),
    "staff_number": ("工号", ("教工号", "staff_number", "staff_no")),
    "gender": ("性别", ("gender", "sex")),
    "subjects": ("任教学科", ("学科", "subject", "subjects")),
    "teach_classes": ("任教班级", ("teach_classes", "teaching_classes")),
    "head_classes": ("班主任班级", ("head_class", "head_classes")),
    "student_number": ("学籍号", ("全国学籍号", "student_number", "student_no")),
    "id_number": ("身份证号", ("身份证号码", "身份证", "id_number", "id_card")),
    "parent_name": ("家长姓名", ("parent_name",)),
    "parent_phone": ("家长手机号", ("家长手机", "家长电话", "parent_phone")),
    "relation": ("关系", ("与学生关系", "relation", "relationship")),
    "student_ref": ("学生学籍号", ("student_ref",)),
}
# Columns per kind, in template order; required ones are checked per row.
KIND_COLUMNS = {
    SCHOOLS: ["school_code", "school_name", "school_type", "ownership", "campuses"],
    CLASSES: ["school_code", "school_name", "grade", "class_name", "campuses", "class_code"],
    TEACHERS: ["school_code", "school_name", "name", "phone", "staff_number", "gender", "subjects",
               "teach_classes", "head_classes"],
    STUDENTS: ["school_code", "school_name", "grade", "class_name", "name", "student_number", "gender",
               "id_number", "parent_name", "parent_phone", "relation"],
    PARENTS: ["parent_name", "parent_phone", "relation", "student_ref", "gender"],
}
REQUIRED = {
    SCHOOLS: ["school_name", "school_type"],
    CLASSES: ["grade", "class_name"],
    TEACHERS: ["name"],
    STUDENTS: ["name", "student_number", "grade", "class_name"],
    PARENTS: ["parent_name", "parent_phone", "student_ref"],
}

SCHOOL_TYPES = {"小学": "primary", "初中": "junior", "高中": "senior", "九年一贯制": "nine_year",
                "完全中学": "complete_secondary", "十二年一贯制": "twelve_year"}
SCHOOL_TYPES.update({v: v for v in list(SCHOOL_TYPES.values())})
OWNERSHIPS = {"公办": "public", "民办": "private", "public": "public", "private": "private"}
GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
GRADE_LEVELS = {name: level for level, name in GRADE_NAMES.items()}
GRADE_LEVELS.update({"初一": 7, "初二": 8, "初三": 9, "十年级": 10, "十一年级": 11, "十二年级": 12,
                     "高中一年级": 10, "高中二年级": 11, "高中三年级": 12})
# Longest first, so "十一年级" is not read as "一年级".
_GRADE_PREFIXES = sorted(GRADE_LEVELS, key=len, reverse=True)
SPLIT = re.compile(r"[、,，;；/\s]+")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
STUDENT_NUMBER_RE = re.compile(r"^[A-Za-z0-9]{6,32}$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


class RosterFileError(ValueError):
    """The file as a whole cannot be read (type, size, encoding): a message fit to show."""


class LostPrecision(str):
    """A long number Excel stored as a number (15 significant digits): the digits are already wrong."""


@dataclass(frozen=True)
class Issue:
    sheet: str
    row: int  # as Excel shows it: header row 1; 0 for the whole file
    column: str
    message: str


@dataclass
class Row:
    kind: str
    sheet: str
    row: int
    values: dict[str, str]
    columns: frozenset[str]  # which columns this sheet has (an absent column leaves data alone)

    def get(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class ParsedRoster:
    rows: dict[str, list[Row]] = field(default_factory=lambda: {k: [] for k in KINDS})
    issues: list[Issue] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def bad_rows(self) -> set[tuple[str, int]]:
        return {(i.sheet, i.row) for i in self.issues}


# --- small value checks (also used by the action) ------------------------------------------------------------

def clean(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def split_list(value: str) -> list[str]:
    return [p for p in SPLIT.split(clean(value)) if p]


def normalize_phone(value: str) -> str:
    s = re.sub(r"[\s\-]", "", clean(value))
    if s.startswith("+86"):
        s = s[3:]
    elif s.startswith("86") and len(s) == 13:
        s = s[2:]
    return s


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "*" * len(phone)


def mask_id(value: str) -> str:
    """An ID number as it may appear in messages: never in full."""
    s = clean(value)
    if len(s) <= 4:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 5) + s[-2:]


def id_number_problem(value: str) -> str | None:
    """None when `value` is a valid 18-digit 居民身份证号 (GB 11643 check digit), else the reason."""
    s = clean(value).upper()
    if len(s) != 18 or not s[:17].isdigit() or not (s[17].isdigit() or s[17] == "X"):
        return _("身份证号应为 18 位（最后一位可为 X）")
    month, day = int(s[10:12]), int(s[12:14])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return _("身份证号中的出生日期不正确")
    total = sum(int(d) * w for d, w in zip(s[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK[total % 11] != s[17]:
        return _("身份证号校验位不正确")
    return None


def grade_level_of(value: str) -> int | None:
    s = clean(value).replace(" ", "")
    if s in GRADE_LEVELS:
        return GRADE_LEVELS[s]
    if s.isdigit() and 1 <= int(s) <= 12:
        return int(s)
    m = re.fullmatch(r"(\d{1,2})年级", s)
    if m and 1 <= int(m.group(1)) <= 12:
        return int(m.group(1))
    return None


def canonical_class_name(grade_level: int, raw: str) -> str:
    """'1', '1班', '(1)班', '（1）班', '一年级(1)班' -> '一年级(1)班'; other names get the grade in front."""
    s = clean(raw).replace(" ", "")
    grade_name = GRADE_NAMES[grade_level]
    for prefix in _GRADE_PREFIXES:
        if s.startswith(prefix) and len(s) > len(prefix):
            s = s[len(prefix):]
            break
    m = re.fullmatch(r"\(?0*(\d{1,3})\)?班?", s)
    if m:
        return f"{grade_name}({int(m.group(1))})班"
    return grade_name + s


def split_class_ref(raw: str) -> tuple[int, str] | None:
    """'一年级(1)班' -> (1, '一年级(1)班'); None when no grade is named."""
    s = clean(raw).replace(" ", "")
    for prefix in _GRADE_PREFIXES:
        if s.startswith(prefix) and len(s) > len(prefix):
            level = GRADE_LEVELS[prefix]
            return level, canonical_class_name(level, s)
    return None


# --- reading files --------------------------------------------------------------------------------------------

def check_upload(name: str, size: int) -> None:
    if size > MAX_BYTES:
        raise RosterFileError(_("文件「%(n)s」超过 10 MB，请拆分后分批导入。") % {"n": name})
    if size == 0:
        raise RosterFileError(_("文件「%(n)s」是空的。") % {"n": name})


def decode_text(data: bytes, name: str) -> tuple[str, str | None]:
    """Text of a CSV file and a notice when it was not UTF-8. Raises RosterFileError if nothing decodes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), _("文件「%(n)s」是 UTF-16 编码，已自动识别。") % {"n": name}
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterFileError(_("无法识别文件「%(n)s」的编码：既不是 UTF-8 也不是 GBK。请在 Excel 中"
                                "「另存为」→「CSV UTF-8（逗号分隔）」或直接上传 .xlsx 文件。") % {"n": name})
    return text, _("文件「%(n)s」是 GBK/GB18030 编码（Excel 导出的 CSV 常见），已自动识别并按此读取。") % {"n": name}


def sniff_type(data: bytes, name: str) -> str:
    """'xlsx' or 'csv', judged by content, not by the file name."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "xl/workbook.xml" in z.namelist():
                    return "xlsx"
        except zipfile.BadZipFile:
            pass
        raise RosterFileError(_("文件「%(n)s」不是 Excel 工作簿（.xlsx），请上传 CSV 或 XLSX 文件。") % {"n": name})
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError(_("文件「%(n)s」是旧版 Excel（.xls）格式，请在 Excel 中另存为 .xlsx 或 CSV 后上传。")
                              % {"n": name})
    head = data[:4096]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise RosterFileError(_("文件「%(n)s」不是 CSV 或 XLSX 文件。") % {"n": name})
    return "csv"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            text = str(int(value))
            return LostPrecision(text) if abs(value) >= 1e15 else text
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _csv_rows(text: str) -> list[list[str]]:
    first = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first.count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_sheets(data: bytes, name: str) -> list[tuple[str, list[list[str]]]]:
    try:
        sheets = read_xlsx(data, max_rows=MAX_ROWS + 1)  # the header and the rows
    except UnreadableFile as exc:
        raise RosterFileError(_("文件「%(n)s」：%(e)s") % {"n": name, "e": exc}) from None
    return [(title, [[_cell(v) for v in values] for values in rows]) for title, rows in sheets]


_ALIAS = {}
for _key, (_label, _aliases) in COLUMNS.items():
    for _a in (_label, *_aliases):
        _ALIAS[_a.lower()] = _key


def _header_key(text: str) -> str | None:
    s = clean(text).lower().replace(" ", "").rstrip("*＊")
    return _ALIAS.get(s)


def _detect_kind(sheet_name: str, keys: set[str]) -> str | None:
    base = clean(sheet_name).lower()
    base = re.sub(r"\.(csv|txt|xlsx)$", "", base)
    if base in KIND_BY_SHEET:
        return KIND_BY_SHEET[base]
    by_header = _kind_from_headers(keys)
    if by_header:
        return by_header
    for label, kind in KIND_BY_SHEET.items():  # "学生名单.csv", "2026students"
        if base.endswith(label) or base.startswith(label):
            return kind
    return None


def _kind_from_headers(keys: set[str]) -> str | None:
    if "student_ref" in keys or ("student_number" in keys and ("parent_phone" in keys or "phone" in keys)
                                 and "class_name" not in keys):
        return PARENTS
    if "student_number" in keys:
        return STUDENTS
    if "name" in keys and keys & {"phone", "staff_number", "subjects", "teach_classes", "head_classes"}:
        return TEACHERS
    if "class_name" in keys and "grade" in keys:
        return CLASSES
    if "school_type" in keys or ("school_name" in keys and keys <= {"school_code", "school_name", "ownership",
                                                                     "campuses"}):
        return SCHOOLS
    return None


def _map_header(kind: str, keys: list[str | None]) -> list[str | None]:
    """Sheet-specific readings: in a 家长 sheet, 姓名/手机号/学籍号 mean the parent's and the child's."""
    if kind == PARENTS:
        alias = {"name": "parent_name", "phone": "parent_phone", "student_number": "student_ref"}
        return [alias.get(k, k) if k else k for k in keys]
    if kind == TEACHERS:
        return [k if k != "class_name" else "teach_classes" for k in keys]
    return keys


def read_roster(files: list[tuple[str, bytes]]) -> ParsedRoster:
    """Parse and check every file. Raises RosterFileError for a file that cannot be read at all."""
    parsed = ParsedRoster()
    for name, data in files:
        check_upload(name, len(data))
        kind_of_file = sniff_type(data, name)
        if kind_of_file == "xlsx":
            sheets = _xlsx_sheets(data, name)
            multi = True
        else:
            text, notice = decode_text(data, name)
            if notice:
                parsed.notices.append(notice)
            if "\x00" in text:
                raise RosterFileError(_("文件「%(n)s」不是 CSV 或 XLSX 文件。") % {"n": name})
            sheets = [(name, _csv_rows(text))]
            multi = False
        found = False
        for sheet_name, rows in sheets:
            while rows and not any(clean(c) for c in rows[-1]):
                rows.pop()
            if not rows:
                continue
            label = sheet_name if multi or len(files) == 1 else name
            found |= _read_sheet(parsed, label, sheet_name, rows)
        if not found:
            raise RosterFileError(_("文件「%(n)s」中没有可识别的工作表：请使用模板中的表头（学校、班级、教师、学生、家长）。")
                                  % {"n": name})
    check_rows(parsed)
    return parsed


def _read_sheet(parsed: ParsedRoster, label: str, sheet_name: str, rows: list[list[str]]) -> bool:
    raw_keys = [_header_key(h) for h in rows[0]]
    kind = _detect_kind(sheet_name, {k for k in raw_keys if k})
    if kind is None:
        parsed.notices.append(_("工作表「%(s)s」未识别为学校、班级、教师、学生或家长，已跳过。") % {"s": sheet_name})
        return False
    if len(rows) - 1 > MAX_ROWS:
        raise RosterFileError(_("工作表「%(s)s」超过 %(m)s 行，请拆分后分批导入。") % {"s": sheet_name, "m": MAX_ROWS})
    keys = _map_header(kind, raw_keys)
    unknown = [clean(h) for h, k in zip(rows[0], keys, strict=False) if clean(h) and (not k or
                                                                                      k not in KIND_COLUMNS[kind])]
    if unknown:
        parsed.notices.append(_("工作表「%(s)s」中这些列不属于%(k)s表，已忽略：%(c)s")
                              % {"s": label, "k": KIND_LABELS[kind], "c": "、".join(unknown)})
    present = {k for k in keys if k and k in KIND_COLUMNS[kind]}
    missing = [COLUMNS[k][0] for k in REQUIRED[kind] if k not in present]
    if kind == TEACHERS and not present & {"phone", "staff_number"}:
        missing.append("手机号/工号")
    if missing:
        parsed.issues.append(Issue(label, 1, "", _("缺少必填列：%(c)s") % {"c": "、".join(missing)}))
        return True
    for n, values in enumerate(rows[1:], start=2):
        if not any(clean(v) for v in values):
            continue
        data = {}
        for k, v in zip(keys, values, strict=False):
            if k in present and k not in data:
                data[k] = v if isinstance(v, LostPrecision) else clean(v)
        parsed.rows[kind].append(Row(kind=kind, sheet=label, row=n, values=data, columns=frozenset(present)))
    return True


# --- row checks that need only the file ----------------------------------------------------------------------

def check_rows(parsed: ParsedRoster) -> None:
    add = parsed.issues.append

    def issue(row: Row, key: str, message: str) -> None:
        add(Issue(row.sheet, row.row, COLUMNS[key][0] if key else "", message))

    def lost(row: Row, key: str) -> bool:
        if isinstance(row.values.get(key), LostPrecision):
            issue(row, key, _("该单元格是数字格式，长数字已被 Excel 改动；请将此列设为「文本」格式后重新填写"))
            return True
        return False

    def required(row: Row) -> bool:
        ok = True
        for key in REQUIRED[row.kind]:
            if not row.get(key):
                issue(row, key, _("必填项「%(c)s」为空") % {"c": COLUMNS[key][0]})
                ok = False
        return ok

    def phone_ok(row: Row, key: str) -> bool:
        if lost(row, key):
            return False
        value = row.get(key)
        if not value:
            return True
        phone = normalize_phone(value)
        if not PHONE_RE.match(phone):
            issue(row, key, _("手机号格式不正确（应为 11 位大陆手机号）：%(v)s") % {"v": mask_phone(phone)})
            return False
        row.values[key] = phone
        return True

    def gender_ok(row: Row) -> None:
        g = row.get("gender").lower()
        if g and g not in GENDERS:
            issue(row, "gender", _("性别只能填「男」或「女」"))

    def school_ok(row: Row) -> None:
        for key in ("school_code", "school_name"):
            lost(row, key)

    for row in parsed.rows[SCHOOLS]:
        required(row)
        lost(row, "school_code")
        t = row.get("school_type")
        if t and t.lower() not in SCHOOL_TYPES:
            issue(row, "school_type", _("学校类型应为：小学、初中、高中、九年一贯制、完全中学、十二年一贯制"))
        o = row.get("ownership")
        if o and o.lower() not in OWNERSHIPS:
            issue(row, "ownership", _("办学性质应为「公办」或「民办」"))

    for row in parsed.rows[CLASSES]:
        required(row)
        school_ok(row)
        if row.get("grade") and grade_level_of(row.get("grade")) is None:
            issue(row, "grade", _("年级「%(g)s」无法识别（应为 一年级…九年级、高一…高三）") % {"g": row.get("grade")})

    for row in parsed.rows[TEACHERS]:
        required(row)
        school_ok(row)
        if not row.get("phone") and not row.get("staff_number"):
            issue(row, "phone", _("手机号和工号至少填写一项"))
        phone_ok(row, "phone")
        lost(row, "staff_number")
        gender_ok(row)
        if row.get("teach_classes") and not row.get("subjects"):
            issue(row, "subjects", _("填写了任教班级，但没有填写任教学科"))
        for key in ("teach_classes", "head_classes"):
            for ref in split_list(row.get(key)):
                if split_class_ref(ref) is None:
                    issue(row, key, _("班级「%(c)s」请写明年级，例如 一年级(1)班") % {"c": ref})

    for row in parsed.rows[STUDENTS]:
        required(row)
        school_ok(row)
        if not lost(row, "student_number"):
            sn = row.get("student_number").upper()
            row.values["student_number"] = sn
            if sn and not STUDENT_NUMBER_RE.match(sn):
                issue(row, "student_number", _("学籍号格式不正确（应为 6–32 位字母或数字）"))
        if row.get("grade") and grade_level_of(row.get("grade")) is None:
            issue(row, "grade", _("年级「%(g)s」无法识别（应为 一年级…九年级、高一…高三）") % {"g": row.get("grade")})
        gender_ok(row)
        if not lost(row, "id_number") and row.get("id_number"):
            problem = id_number_problem(row.get("id_number"))
            if problem:
                issue(row, "id_number", f"{problem}：{mask_id(row.get('id_number'))}")
            else:
                row.values["id_number"] = row.get("id_number").upper()
        if phone_ok(row, "parent_phone"):
            if row.get("parent_phone") and not row.get("parent_name"):
                issue(row, "parent_name", _("填写了家长手机号，但没有填写家长姓名"))
            if row.get("parent_name") and not row.get("parent_phone"):
                issue(row, "parent_phone", _("填写了家长姓名，但没有填写家长手机号"))

    for row in parsed.rows[PARENTS]:
        required(row)
        phone_ok(row, "parent_phone")
        if not lost(row, "student_ref"):
            row.values["student_ref"] = row.get("student_ref").upper()
        gender_ok(row)

    for kind_rows in parsed.rows.values():
        for row in kind_rows:
            for key, limit in column_limits().items():
                values = split_list(row.get(key)) if key in LIST_COLUMNS else [row.get(key)]
                if any(len(v) > limit for v in values):
                    issue(row, key, _("「%(c)s」最多 %(m)s 个字，这里有 %(n)s 个字")
                          % {"c": COLUMNS[key][0], "m": limit, "n": max(len(v) for v in values)})

    _check_duplicates(parsed, issue)


# Where each column is stored, so a value too long for its column is a row error in the dry run, never a
# database error in the real import (PostgreSQL refuses it) nor a silent overlong value (SQLite keeps it).
STORED_IN = {"name": ("accounts.User", "name"), "parent_name": ("accounts.User", "name"),
             "staff_number": ("accounts.User", "staff_number"), "student_number": ("accounts.User", "student_number"),
             "student_ref": ("accounts.User", "student_number"), "relation": ("accounts.Role", "relation"),
             "subjects": ("accounts.Role", "subject"), "school_name": ("core.OrgNode", "name"),
             "class_name": ("core.OrgNode", "name"), "campuses": ("core.OrgNode", "name"),
             "school_code": ("core.OrgNode", "code"), "class_code": ("core.OrgNode", "code")}
LIST_COLUMNS = {"subjects", "campuses"}  # several values in one cell, each stored on its own


def column_limits() -> dict[str, int]:
    """Each stored column's max_length, read from the models (so a schema change moves the check with it)."""
    from django.apps import apps

    return {key: apps.get_model(model)._meta.get_field(field).max_length for key, (model, field) in STORED_IN.items()}


def _check_duplicates(parsed: ParsedRoster, issue) -> None:
    def dup(rows: list[Row], key_of, column: str, message: str) -> None:
        first: dict = {}
        for row in rows:
            key = key_of(row)
            if not key:
                continue
            if key in first:
                other = first[key]
                where = (_("第 %(r)s 行") % {"r": other.row} if other.sheet == row.sheet
                         else _("「%(s)s」第 %(r)s 行") % {"s": other.sheet, "r": other.row})
                issue(row, column, message % {"where": where})
            else:
                first[key] = row

    dup(parsed.rows[SCHOOLS], lambda r: r.get("school_code"), "school_code", _("学校代码与%(where)s重复"))
    dup(parsed.rows[SCHOOLS], lambda r: r.get("school_name"), "school_name", _("学校名称与%(where)s重复"))

    def class_key(r: Row):
        level = grade_level_of(r.get("grade"))
        if level is None or not r.get("class_name"):
            return None
        return (r.get("school_code") or r.get("school_name"), level, canonical_class_name(level, r.get("class_name")))

    dup(parsed.rows[CLASSES], class_key, "class_name", _("班级与%(where)s重复"))
    dup(parsed.rows[TEACHERS], lambda r: r.get("phone"), "phone", _("手机号与%(where)s重复"))
    dup(parsed.rows[TEACHERS], lambda r: r.get("staff_number") and (r.get("school_code") or r.get("school_name"),
                                                                      r.get("staff_number")),
        "staff_number", _("工号与%(where)s重复"))
    dup(parsed.rows[STUDENTS], lambda r: r.get("student_number"), "student_number", _("学籍号与%(where)s重复"))
    dup(parsed.rows[STUDENTS], lambda r: r.get("id_number") if not isinstance(r.values.get("id_number"), LostPrecision)
        else None, "id_number", _("身份证号与%(where)s重复"))
    links = [(r, r.get("parent_phone"), r.get("student_ref")) for r in parsed.rows[PARENTS]]
    links += [(r, r.get("parent_phone"), r.get("student_number")) for r in parsed.rows[STUDENTS]]
    dup([r for r, _p, _s in links], lambda r: (r.get("parent_phone"), r.get("student_ref") or r.get("student_number"))
        if r.get("parent_phone") else None, "parent_phone", _("同一家长与同一学生的关联与%(where)s重复"))
    # One phone is one person: the same phone with two different names is a mistake somewhere.
    names: dict[str, tuple[str, Row]] = {}
    people = [(r, r.get("phone"), r.get("name")) for r in parsed.rows[TEACHERS]]
    people += [(r, r.get("parent_phone"), r.get("parent_name")) for r in parsed.rows[PARENTS] + parsed.rows[STUDENTS]]
    for row, phone, name in people:
        if not phone or not name:
            continue
        if phone in names and names[phone][0] != name:
            other = names[phone][1]
            issue(row, "parent_phone" if row.kind != TEACHERS else "phone",
                  _("手机号 %(p)s 在「%(s)s」第 %(r)s 行对应另一个姓名") % {"p": mask_phone(phone), "s": other.sheet,
                                                                 "r": other.row})
        else:
            names.setdefault(phone, (name, row))


# --- workbooks we hand out: the template and the initial-password result file ------------------------------

TEXT_COLUMNS = {"school_code", "phone", "staff_number", "student_number", "id_number", "parent_phone", "student_ref",
                "class_code"}
REQUIRED_NOTE = {SCHOOLS: "学校名称、学校类型", CLASSES: "年级、班级名称（学校代码或学校名称，学校管理员可不填）",
                 TEACHERS: "姓名，手机号和工号至少一项", STUDENTS: "姓名、学籍号、年级、班级名称",
                 PARENTS: "家长姓名、家长手机号、学生学籍号"}
EXAMPLE_ROWS = {
    SCHOOLS: [["510108009901", "成都市示例路小学", "小学", "公办", "本部、东校区"]],
    CLASSES: [["510108009901", "", "一年级", "(1)班", "本部", ""],
              ["510108009901", "", "一年级", "(2)班", "东校区", ""]],
    TEACHERS: [["510108009901", "", "张老师", "13800001111", "T001", "女", "数学", "一年级(1)班、一年级(2)班",
                "一年级(1)班"]],
    STUDENTS: [["510108009901", "", "一年级", "(1)班", "王小明", "G510108201503010021", "男", "", "王大明",
                "13900002222", "父亲"]],
    PARENTS: [["李芳", "13900003333", "母亲", "G510108201503010021", "女"]],
}


def template_workbook(*, example: bool = False) -> bytes:
    """The import template: one sheet per kind with the Chinese headers (long-number columns as text)."""
    from openpyxl.styles import Font, PatternFill

    wb = new_workbook()
    guide = wb.active
    guide.title = "说明"
    append_row(guide, ["花名册导入说明"])
    append_row(guide, ["每个工作表一类数据，可以只填其中几张表；表头在第 1 行，数据从第 2 行开始。"])
    append_row(guide, ["手机号、学籍号、身份证号等长数字列已设为文本格式，请勿改成数字格式。"])
    append_row(guide, ["身份证号只用于核对身份，系统不保存明文。新账号的初始密码在导入后下载，首次登录须修改。"])
    append_row(guide, [])
    append_row(guide, ["工作表", "必填列"])
    for kind in KINDS:
        append_row(guide, [KIND_LABELS[kind], REQUIRED_NOTE[kind]])
    guide.column_dimensions["A"].width = 14
    guide.column_dimensions["B"].width = 80
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDF4FF")
    for kind in KINDS:
        ws = wb.create_sheet(KIND_LABELS[kind])
        keys = KIND_COLUMNS[kind]
        append_row(ws, [COLUMNS[k][0] for k in keys])
        for i, key in enumerate(keys, start=1):
            cell = ws.cell(row=1, column=i)
            cell.font, cell.fill = bold, fill
            letter = cell.column_letter
            ws.column_dimensions[letter].width = 22 if key in TEXT_COLUMNS or "classes" in key else 14
            if key in TEXT_COLUMNS:
                for r in range(2, 1002):
                    ws.cell(row=r, column=i).number_format = "@"
        if example:
            for values in EXAMPLE_ROWS[kind]:
                append_row(ws, values)
    return workbook_bytes(wb)


def accounts_workbook(accounts) -> bytes:
    """New accounts and their initial passwords (shown once): 类型, 姓名, 账号, 初始密码, 学校, 班级."""
    wb = new_workbook()
    ws = wb.active
    ws.title = "新账号"
    append_row(ws, ["类型", "姓名", "账号", "初始密码", "学校", "班级"])
    for a in accounts:
        append_row(ws, [a.kind, a.name, a.username, a.password, a.school, a.klass])
    for letter, width in zip("ABCDEF", (8, 12, 24, 14, 28, 16), strict=True):
        ws.column_dimensions[letter].width = width
    append_row(ws, [])
    append_row(ws, ["账号也可用手机号登录（教师、家长）。首次登录须修改密码。请妥善保管本文件，分发后删除。"])
    return workbook_bytes(wb)
