"""Roster import (花名册导入): plan a parsed roster against the database, then apply it in one transaction.

`roster_import(actor=..., files=..., dry_run=True)` only reads and returns the plan (create / update /
unchanged per row, every bad row with its reason). Without `dry_run` it applies the plan when, and only
when, no row is bad: org nodes through `core.actions.node_create/node_update`, accounts through
`person_create` (roles in bulk), one `record_event(verb="imported")` and one audit entry with counts.

Matching (so a re-import changes nothing and an edited file updates in place): schools by 学校代码, else
by name; classes by school + grade + class name; students by 学籍号; teachers by phone, else by 工号 within
the school; parents by phone.

New accounts get a random initial password (returned once in the report, for the result file) and must
change it at first login.
"""

import json
import secrets
import shutil
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zhijiao.accounts import roster as R
from zhijiao.accounts.actions import audit_record
from zhijiao.accounts.models import AuditAction, Role, RoleKind, User
from zhijiao.accounts.selectors import ADMIN_ROLES, scope_of
from zhijiao.core.actions import node_create, node_update
from zhijiao.core.cache import SCOPE, generation_bump
from zhijiao.core.models import GRADE_NAMES, SCHOOL_TYPE_GRADES, NodeKind, OrgNode, SchoolType
from zhijiao.records.actions import record_event

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
OP_LABELS = {CREATE: "新建", UPDATE: "更新", UNCHANGED: "不变"}
CHUNK = 500
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class RosterPermissionError(PermissionError):
    pass


class _InitialPasswordHasher(Argon2PasswordHasher):
    """The site's argon2 format with cheaper parameters, so 2,000 accounts hash in about a second.

    argon2 verifies with the parameters stored in each hash, and Django re-hashes at full cost at the
    first successful login (`must_update`). The passwords are random and must be changed at first login.
    """

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


def initial_password() -> str:
    return "Zj" + "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(8))


@dataclass
class PlanRow:
    sheet: str
    row: int
    kind: str
    op: str
    label: str
    detail: str = ""

    @property
    def kind_label(self) -> str:
        return R.KIND_LABELS[self.kind]

    @property
    def op_label(self) -> str:
        return OP_LABELS[self.op]


@dataclass
class NewAccount:
    kind: str
    name: str
    username: str
    password: str
    school: str
    klass: str


@dataclass
class RosterReport:
    issues: list[R.Issue]
    notices: list[str]
    rows: list[PlanRow]
    dry_run: bool
    imported: bool = False
    accounts: list[NewAccount] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        counts = {k: {CREATE: 0, UPDATE: 0, UNCHANGED: 0} for k in R.KINDS}
        for r in self.rows:
            counts[r.kind][r.op] += 1
        return counts

    @property
    def count_rows(self) -> list[tuple[str, int, int, int]]:
        return [(R.KIND_LABELS[k], c[CREATE], c[UPDATE], c[UNCHANGED]) for k, c in self.counts.items()
                if any(c.values())]

    @property
    def bad_row_count(self) -> int:
        return len({(i.sheet, i.row) for i in self.issues})

    def sorted_issues(self) -> list[R.Issue]:
        return sorted(self.issues, key=lambda i: (i.sheet, i.row, i.column))

    def text(self) -> str:
        """The report as plain text (the CLI prints this)."""
        lines = [*self.notices]
        lines.append(_("汇总（新建 / 更新 / 不变）："))
        for label, c, u, n in self.count_rows:
            lines.append(f"  {label}: {c} / {u} / {n}")
        if self.issues:
            lines.append(_("有 %(n)s 行数据有错误，没有导入任何数据：") % {"n": self.bad_row_count})
            for i in self.sorted_issues():
                where = _("第 %(r)s 行") % {"r": i.row} if i.row else _("整个文件")
                col = f"[{i.column}] " if i.column else ""
                lines.append(f"  {i.sheet} {where}: {col}{i.message}")
        else:
            for r in self.rows:
                if r.op != UNCHANGED:
                    lines.append(f"  {r.sheet} 第 {r.row} 行 {r.kind_label} {r.op_label} {r.label} {r.detail}".rstrip())
            if self.imported:
                n = len(self.accounts)
                lines.append(ngettext("已导入。新建账号 %(n)s 个。", "已导入。新建账号 %(n)s 个。", n) % {"n": n})
            elif self.dry_run:
                lines.append(_("试运行：没有改动任何数据。"))
        return "\n".join(lines)


# --- targets the plan works on --------------------------------------------------------------------------------

@dataclass(eq=False)
class _School:
    node: OrgNode | None
    name: str
    code: str = ""
    school_type: str = ""
    ownership: str = ""
    campuses: dict = field(default_factory=dict)  # name -> OrgNode | None (None: to create)
    updates: dict = field(default_factory=dict)

    def path_ok(self, scope: "_ImportScope") -> bool:
        return self.node is None or scope.covers(self.node.path)


@dataclass(eq=False)
class _Class:
    school: _School
    level: int
    name: str
    node: OrgNode | None
    campus: str = ""
    code: str = ""
    updates: dict = field(default_factory=dict)


@dataclass(eq=False)
class _Person:
    kind: str  # the kind of the row that created it (teachers, students, parents)
    user: User | None
    fields: dict = field(default_factory=dict)  # for a new account
    updates: dict = field(default_factory=dict)
    manageable: bool = True
    username: str = ""
    klass: "_Class | None" = None  # a student's class after import
    school: _School | None = None


@dataclass
class _Grant:
    person: _Person
    kind: str
    target: object  # _School | _Class | OrgNode
    subject: str = ""
    child: _Person | None = None
    relation: str = ""


class _ImportScope:
    def __init__(self, actor: User | None):
        self.actor = actor
        if actor is None:  # the platform operator (CLI): the whole platform
            districts = list(OrgNode.objects.filter(kind=NodeKind.DISTRICT))
            self.paths = [d.path for d in districts]
            self.district = districts[0] if len(districts) == 1 else None
            self.own_school = None
            return
        roles = [r for r in scope_of(actor).roles if r.kind in ADMIN_ROLES]
        if not roles:
            raise RosterPermissionError(_("只有学校管理员、首席信息官和区县管理员可以导入花名册。"))
        self.paths = [r.node.path for r in roles]
        districts = [r.node for r in roles if r.node.kind == NodeKind.DISTRICT]
        self.district = districts[0] if districts else None
        schools = {r.node.pk: r.node for r in roles if r.node.kind == NodeKind.SCHOOL}
        self.own_school = next(iter(schools.values())) if len(schools) == 1 and not districts else None

    def covers(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.paths)

    @property
    def label(self) -> str:
        return _("本区") if self.district else _("本校")


def _chunks(items, n=CHUNK):
    items = list(items)
    for i in range(0, len(items), n):
        yield items[i : i + n]


class _Planner:
    def __init__(self, actor: User | None, parsed: R.ParsedRoster):
        self.scope = _ImportScope(actor)
        self.parsed = parsed
        self.issues = list(parsed.issues)
        self.rows: list[PlanRow] = []
        self.bad = parsed.bad_rows()
        self.schools_by_code: dict[str, _School] = {}
        self.schools_by_name: dict[str, _School] = {}
        self.school_by_node: dict[int, _School] = {}
        self.classes: dict[tuple[int, int, str], _Class] = {}  # (id(_School), level, name)
        self.grades: dict[tuple[int, int], OrgNode] = {}  # (school pk, level)
        self.persons_by_phone: dict[str, _Person] = {}
        self.persons_by_sn: dict[str, _Person] = {}
        self.persons_by_user: dict[int, _Person] = {}
        self.grants: list[_Grant] = []
        self.revokes: list[int] = []
        self.moves: list[tuple[int, _Class]] = []  # (role id, new class) for a student's role
        self.relation_updates: list[tuple[int, str]] = []
        self.new_schools: list[_School] = []
        self.new_classes: list[_Class] = []
        self.child_nodes: set[int] = set()  # classes of students named by parent rows but not in the file

    # helpers
    def issue(self, row: R.Row, key: str, message: str) -> None:
        self.issues.append(R.Issue(row.sheet, row.row, R.COLUMNS[key][0] if key else "", message))
        self.bad.add((row.sheet, row.row))

    def is_bad(self, row: R.Row) -> bool:
        return (row.sheet, row.row) in self.bad

    def add(self, row: R.Row, kind: str, op: str, label: str, changes: list[str]) -> None:
        self.rows.append(PlanRow(row.sheet, row.row, kind, op, label, "；".join(changes)))

    # loading
    def load(self) -> None:
        p = self.parsed.rows
        for node in OrgNode.objects.filter(kind=NodeKind.SCHOOL):
            s = _School(node=node, name=node.name, code=node.code, school_type=node.school_type,
                        ownership=node.ownership)
            self.school_by_node[node.pk] = s
            if node.code:
                self.schools_by_code.setdefault(node.code, s)
            self.schools_by_name.setdefault(node.name, s)
        ids = list(self.school_by_node)
        for c in OrgNode.objects.filter(kind=NodeKind.CAMPUS, parent_id__in=ids):
            self.school_by_node[c.parent_id].campuses[c.name] = c
        for g in OrgNode.objects.filter(kind=NodeKind.GRADE, parent_id__in=ids):
            if g.grade_level:
                self.grades[(g.parent_id, g.grade_level)] = g
        grade_school = {g.pk: (school_id, level) for (school_id, level), g in self.grades.items()}
        for c in OrgNode.objects.filter(kind=NodeKind.CLASS, parent_id__in=list(grade_school)):
            school_id, level = grade_school[c.parent_id]
            school = self.school_by_node[school_id]
            key = (id(school), level, R.canonical_class_name(level, c.name))
            self.classes.setdefault(key, _Class(school=school, level=level, name=c.name, node=c,
                                                campus=c.campus.name if c.campus_id and c.campus else "",
                                                code=c.code))
        # people mentioned by the file
        phones = {r.get("phone") for r in p[R.TEACHERS]} | {r.get("parent_phone") for r in p[R.PARENTS] + p[R.STUDENTS]}
        sns = {r.get("student_number") for r in p[R.STUDENTS]} | {r.get("student_ref") for r in p[R.PARENTS]}
        phones.discard("")
        sns.discard("")
        users: dict[int, User] = {}
        for part in _chunks(phones):
            users.update({u.pk: u for u in User.objects.filter(phone__in=part)})
        for part in _chunks(sns):
            users.update({u.pk: u for u in User.objects.filter(student_number__in=part)})
        staff = {r.get("staff_number") for r in p[R.TEACHERS] if r.get("staff_number")}
        self.staff: dict[tuple[int, str], int] = {}
        for part in _chunks(staff):
            for uid, node_id, number in Role.objects.filter(kind=RoleKind.TEACHER, user__staff_number__in=part).values_list(
                    "user_id", "node_id", "user__staff_number"):
                self.staff[(node_id, number)] = uid
                if uid not in users:
                    users[uid] = None
        missing = [uid for uid, u in users.items() if u is None]
        for part in _chunks(missing):
            users.update({u.pk: u for u in User.objects.filter(pk__in=part)})
        self.users = users
        self.by_phone = {u.phone: u for u in users.values() if u.phone}
        self.by_sn = {u.student_number: u for u in users.values() if u.student_number}
        hashes = {User.hash_id_number(r.get("id_number")) for r in p[R.STUDENTS]
                  if r.get("id_number") and not self.is_bad(r)}
        self.by_id_hash: dict[str, int] = {}
        for part in _chunks(hashes):
            self.by_id_hash.update(dict(User.objects.filter(id_number_hash__in=part).values_list("id_number_hash", "pk")))
        self.roles: dict[int, list[dict]] = defaultdict(list)
        for part in _chunks(users):
            for r in Role.objects.filter(user_id__in=part).values("id", "user_id", "kind", "node_id", "node__path",
                                                                  "subject", "child_id", "relation"):
                self.roles[r["user_id"]].append(r)
        # A parent row may name a student who is not in the file: their current class.
        self.student_class: dict[int, int] = {}
        for uid, roles in self.roles.items():
            for r in roles:
                if r["kind"] == RoleKind.STUDENT:
                    self.student_class.setdefault(uid, r["node_id"])
        self.usernames_taken: set[str] = set()

    def manageable(self, user: User) -> bool:
        roles = self.roles.get(user.pk, [])
        return not roles or any(self.scope.covers(r["node__path"]) for r in roles)

    # schools
    def resolve_school(self, row: R.Row) -> _School | None:
        code, name = row.get("school_code"), row.get("school_name")
        if not code and not name:
            if self.scope.own_school is not None:
                return self.school_by_node[self.scope.own_school.pk]
            self.issue(row, "school_code", _("请填写学校代码或学校名称"))
            return None
        school = self.schools_by_code.get(code) if code else None
        if school is None and name:
            school = self.schools_by_name.get(name)
            if school is not None and code and school.code and school.code != code:
                school = None
        if school is None:
            self.issue(row, "school_code" if code else "school_name",
                       _("未知学校「%(s)s」：请先在「学校」表中添加，或核对学校代码和名称") % {"s": code or name})
            return None
        if code and name and school.name != name and school.code == code:
            self.issue(row, "school_name", _("学校代码 %(c)s 对应的学校是「%(n)s」，与所填名称不一致")
                       % {"c": code, "n": school.name})
            return None
        if not school.path_ok(self.scope):
            self.issue(row, "school_name", _("「%(s)s」不在您的管理范围内：只能导入%(where)s的数据")
                       % {"s": school.name, "where": self.scope.label})
            return None
        return school

    def plan_schools(self) -> None:
        for row in self.parsed.rows[R.SCHOOLS]:
            if self.is_bad(row):
                continue
            code, name = row.get("school_code"), row.get("school_name")
            school_type = R.SCHOOL_TYPES[row.get("school_type").lower()]
            ownership = R.OWNERSHIPS.get(row.get("ownership").lower(), "public" if not row.get("ownership") else "")
            campuses = R.split_list(row.get("campuses"))
            school = self.schools_by_code.get(code) if code else None
            if school is None:
                school = self.schools_by_name.get(name)
                if school is not None and code and school.code and school.code != code:
                    self.issue(row, "school_code", _("已有同名学校，但学校代码是 %(c)s") % {"c": school.code})
                    continue
            if school is None:
                if self.scope.district is None:
                    self.issue(row, "school_name", _("只有区县管理员可以新建学校：「%(s)s」不存在") % {"s": name}
                               if self.scope.actor is not None else _("平台有多个区县，请用 --as 指定一位区县管理员"))
                    continue
                school = _School(node=None, name=name, code=code, school_type=school_type, ownership=ownership,
                                 campuses={c: None for c in campuses})
                self.new_schools.append(school)
                if code:
                    self.schools_by_code[code] = school
                self.schools_by_name[name] = school
                self.add(row, R.SCHOOLS, CREATE, name, [])
                continue
            if not school.path_ok(self.scope):
                self.issue(row, "school_name", _("「%(s)s」不在您的管理范围内：只能导入%(where)s的数据")
                           % {"s": school.name, "where": self.scope.label})
                continue
            if school.node is None:  # listed twice under different keys: the file check reports it
                continue
            changes = []
            if name != school.name:
                if name in self.schools_by_name:
                    self.issue(row, "school_name", _("已有另一所学校叫「%(s)s」") % {"s": name})
                    continue
                school.updates["name"] = name
                changes.append(_("名称"))
            if code and code != school.code:
                school.updates["code"] = code
                changes.append(_("学校代码"))
            if school_type != school.school_type:
                school.updates["school_type"] = school_type
                changes.append(_("学校类型"))
            if row.get("ownership") and ownership != school.ownership:
                school.updates["ownership"] = ownership
                changes.append(_("办学性质"))
            for c in campuses:
                if c not in school.campuses:
                    school.campuses[c] = None
                    changes.append(_("新增校点 %(c)s") % {"c": c})
            self.add(row, R.SCHOOLS, UPDATE if changes else UNCHANGED, school.updates.get("name", school.name), changes)

    # classes
    def _grade_ok(self, row: R.Row, school: _School, level: int) -> bool:
        school_type = school.updates.get("school_type", school.school_type)
        if school_type and level not in SCHOOL_TYPE_GRADES[SchoolType(school_type)]:
            self.issue(row, "grade", _("「%(s)s」是%(t)s，没有%(g)s") % {
                "s": school.name, "t": SchoolType(school_type).label, "g": GRADE_NAMES[level]})
            return False
        return True

    def plan_classes(self) -> None:
        for row in self.parsed.rows[R.CLASSES]:
            if self.is_bad(row):
                continue
            school = self.resolve_school(row)
            if school is None:
                continue
            level = R.grade_level_of(row.get("grade"))
            if not self._grade_ok(row, school, level):
                continue
            name = R.canonical_class_name(level, row.get("class_name"))
            campus = R.clean(row.get("campuses"))
            if campus and campus not in school.campuses:
                self.issue(row, "campuses", _("「%(s)s」没有校点「%(c)s」：请在「学校」表的校点列中添加")
                           % {"s": school.name, "c": campus})
                continue
            key = (id(school), level, name)
            klass = self.classes.get(key)
            if klass is None:
                klass = _Class(school=school, level=level, name=name, node=None, campus=campus,
                               code=row.get("class_code"))
                self.classes[key] = klass
                self.new_classes.append(klass)
                self.add(row, R.CLASSES, CREATE, f"{school.name} {name}", [])
                continue
            changes = []
            if "campuses" in row.columns and campus != klass.campus:
                klass.updates["campus"] = campus
                changes.append(_("校点"))
            if "class_code" in row.columns and row.get("class_code") != klass.code:
                klass.updates["code"] = row.get("class_code")
                changes.append(_("班级编号"))
            self.add(row, R.CLASSES, UPDATE if changes else UNCHANGED, f"{school.name} {klass.name}", changes)

    def resolve_class(self, row: R.Row, key: str, school: _School, level: int, name: str) -> _Class | None:
        klass = self.classes.get((id(school), level, name))
        if klass is None:
            self.issue(row, key, _("未知班级「%(c)s」：「%(s)s」没有这个班，请先在「班级」表中添加")
                       % {"c": name, "s": school.name})
        return klass

    # people
    def _username(self, base: str) -> str:
        name, n = base, 1
        while name in self.usernames_taken:
            n += 1
            name = f"{base}-{n}"
        self.usernames_taken.add(name)
        return name

    def _person_by_phone(self, row: R.Row, key: str, phone: str, name: str, kind: str) -> _Person | None:
        person = self.persons_by_phone.get(phone)
        if person is not None:
            return person
        user = self.by_phone.get(phone)
        if user is not None:
            if user.student_number:
                self.issue(row, key, _("手机号 %(p)s 已被一名学生的账号使用") % {"p": R.mask_phone(phone)})
                return None
            person = self._existing(user, kind)
            if not person.manageable and user.name != name:
                self.issue(row, key, _("手机号 %(p)s 已被%(where)s以外的另一人使用") % {
                    "p": R.mask_phone(phone), "where": self.scope.label})
                return None
        else:
            person = _Person(kind=kind, user=None, fields={"phone": phone, "name": name})
        self.persons_by_phone[phone] = person
        return person

    def _existing(self, user: User, kind: str) -> _Person:
        person = self.persons_by_user.get(user.pk)
        if person is None:
            person = _Person(kind=kind, user=user, manageable=self.manageable(user))
            self.persons_by_user[user.pk] = person
        return person

    def _set(self, person: _Person, field_name: str, value, label: str, changes: list[str]) -> None:
        if person.user is None:
            person.fields[field_name] = value
        elif person.manageable and getattr(person.user, field_name) != value and \
                person.updates.get(field_name, getattr(person.user, field_name)) != value:
            person.updates[field_name] = value
            changes.append(label)

    def _role_changes(self, person: _Person, kind: str, school: _School, desired: set, label: str,
                      changes: list[str]) -> None:
        """Make `person`'s roles of `kind` at classes of `school` exactly `desired` ({(_Class, subject)})."""
        existing = []
        if person.user is not None and school.node is not None:
            existing = [r for r in self.roles.get(person.user.pk, []) if r["kind"] == kind
                        and r["node__path"].startswith(school.node.path)]
        have = {(r["node_id"], r["subject"]): r for r in existing}
        want_ids = set()
        for klass, subject in desired:
            if klass.node is not None:
                want_ids.add((klass.node.pk, subject))
            if klass.node is None or (klass.node.pk, subject) not in have:
                self.grants.append(_Grant(person, kind, klass, subject))
                changes.append(f"{label} +{klass.name}{(' ' + subject) if subject else ''}")
        for (node_id, subject), r in have.items():
            if (node_id, subject) not in want_ids:
                self.revokes.append(r["id"])
                klass_name = OrgNode.objects.filter(pk=node_id).values_list("name", flat=True).first() or ""
                changes.append(f"{label} −{klass_name}{(' ' + subject) if subject else ''}")

    def plan_teachers(self) -> None:
        for row in self.parsed.rows[R.TEACHERS]:
            if self.is_bad(row):
                continue
            school = self.resolve_school(row)
            if school is None:
                continue
            phone, staff, name = row.get("phone"), row.get("staff_number"), row.get("name")
            by_staff = self.staff.get((school.node.pk, staff)) if (staff and school.node) else None
            if phone:
                person = self._person_by_phone(row, "phone", phone, name, R.TEACHERS)
                if person is None:
                    continue
                if by_staff and (person.user is None or person.user.pk != by_staff):
                    if person.user is None:  # the teacher with this 工号 changed phone number
                        self.persons_by_phone.pop(phone)
                        person = self._existing(self.users[by_staff], R.TEACHERS)
                        self.persons_by_phone[phone] = person
                    else:
                        self.issue(row, "staff_number", _("工号 %(s)s 在本校属于另一位教师") % {"s": staff})
                        continue
            elif by_staff:
                person = self._existing(self.users[by_staff], R.TEACHERS)
            else:
                person = _Person(kind=R.TEACHERS, user=None, fields={"name": name})
            if person.user is not None and person.user.student_number:
                self.issue(row, "phone", _("该手机号属于一名学生的账号"))
                continue
            person.school = person.school or school
            changes: list[str] = []
            self._set(person, "name", name, _("姓名"), changes)
            if phone:
                self._set(person, "phone", phone, _("手机号"), changes)
            if staff:
                self._set(person, "staff_number", staff, _("工号"), changes)
            if row.get("gender"):
                self._set(person, "gender", R.GENDERS[row.get("gender").lower()], _("性别"), changes)
            has_teacher_role = person.user is not None and school.node is not None and any(
                r["kind"] == RoleKind.TEACHER and r["node_id"] == school.node.pk for r in self.roles.get(person.user.pk, []))
            if not has_teacher_role:
                self.grants.append(_Grant(person, RoleKind.TEACHER, school))
                if person.user is not None:
                    changes.append(_("加入「%(s)s」") % {"s": school.name})
            ok = True
            for key, kind, label, subjects in (
                ("teach_classes", RoleKind.SUBJECT_TEACHER, _("任教"), R.split_list(row.get("subjects"))),
                ("head_classes", RoleKind.HEAD_TEACHER, _("班主任"), [""]),
            ):
                if key not in row.columns:
                    continue
                desired = set()
                for ref in R.split_list(row.get(key)):
                    level, cname = R.split_class_ref(ref)
                    klass = self.resolve_class(row, key, school, level, cname)
                    if klass is None:
                        ok = False
                        continue
                    desired |= {(klass, s) for s in subjects}
                if ok:
                    self._role_changes(person, kind, school, desired, label, changes)
            if not ok:
                continue
            if person.user is None:
                if not person.username:
                    person.username = self._username(phone or f"t{school.code or 'x'}-{staff}")
                self.add(row, R.TEACHERS, CREATE, name, [])
            else:
                self.add(row, R.TEACHERS, UPDATE if changes else UNCHANGED, name, changes)

    def plan_students(self) -> None:
        seen_hash: dict[str, int] = {}
        for row in self.parsed.rows[R.STUDENTS]:
            if self.is_bad(row):
                continue
            school = self.resolve_school(row)
            if school is None:
                continue
            level = R.grade_level_of(row.get("grade"))
            if not self._grade_ok(row, school, level):
                continue
            klass = self.resolve_class(row, "class_name", school, level,
                                       R.canonical_class_name(level, row.get("class_name")))
            if klass is None:
                continue
            sn, name = row.get("student_number"), row.get("name")
            user = self.by_sn.get(sn)
            id_hash = User.hash_id_number(row.get("id_number")) if row.get("id_number") else ""
            if user is not None:
                person = self._existing(user, R.STUDENTS)
                if not person.manageable:
                    self.issue(row, "student_number", _("学籍号已属于%(where)s以外的一名学生") % {"where": self.scope.label})
                    continue
                if id_hash and user.id_number_hash and user.id_number_hash != id_hash:
                    self.issue(row, "student_number", _("学籍号已被另一人使用（身份证号不一致）"))
                    continue
            else:
                person = _Person(kind=R.STUDENTS, user=None, fields={"student_number": sn, "name": name})
            if id_hash:
                other = self.by_id_hash.get(id_hash)
                if other is not None and (user is None or other != user.pk):
                    self.issue(row, "id_number", _("身份证号 %(i)s 已属于另一人") % {"i": R.mask_id(row.get("id_number"))})
                    continue
                seen_hash[id_hash] = row.row
            changes: list[str] = []
            self._set(person, "name", name, _("姓名"), changes)
            if row.get("gender"):
                self._set(person, "gender", R.GENDERS[row.get("gender").lower()], _("性别"), changes)
            if id_hash:
                self._set(person, "id_number_hash", id_hash, _("身份证号"), changes)
                if person.user is None or "id_number_hash" in person.updates:
                    (person.fields if person.user is None else person.updates)["id_number_tail"] = row.get("id_number")[-4:]
            person.klass, person.school = klass, school
            self.persons_by_sn[sn] = person
            if user is None:
                person.username = self._username(sn)
                self.grants.append(_Grant(person, RoleKind.STUDENT, klass))
                self.add(row, R.STUDENTS, CREATE, f"{name} {klass.name}", [])
            else:
                current = [r for r in self.roles.get(user.pk, []) if r["kind"] == RoleKind.STUDENT]
                if not current:
                    self.grants.append(_Grant(person, RoleKind.STUDENT, klass))
                    changes.append(_("班级 → %(c)s") % {"c": klass.name})
                elif klass.node is None or any(r["node_id"] != klass.node.pk for r in current):
                    self.moves.append((current[0]["id"], klass))
                    self.revokes.extend(r["id"] for r in current[1:])
                    changes.append(_("班级 → %(c)s") % {"c": klass.name})
                self.add(row, R.STUDENTS, UPDATE if changes else UNCHANGED, f"{name} {klass.name}", changes)
            if row.get("parent_phone"):
                self._plan_parent(row, row.get("parent_name"), row.get("parent_phone"), row.get("relation"), sn, "")

    def plan_parents(self) -> None:
        for row in self.parsed.rows[R.PARENTS]:
            if self.is_bad(row):
                continue
            self._plan_parent(row, row.get("parent_name"), row.get("parent_phone"), row.get("relation"),
                              row.get("student_ref"), row.get("gender"))

    def _plan_parent(self, row: R.Row, name: str, phone: str, relation: str, sn: str, gender: str) -> None:
        child = self.persons_by_sn.get(sn)
        if child is None:
            user = self.by_sn.get(sn)
            if user is None or user.pk not in self.student_class:
                self.issue(row, "student_ref" if row.kind == R.PARENTS else "student_number",
                           _("未知学生学籍号：系统中和本文件中都没有这名学生"))
                return
            child = self._existing(user, R.STUDENTS)
            self.child_nodes.add(self.student_class[user.pk])
            if not child.manageable:
                self.issue(row, "student_ref", _("这名学生不在您的管理范围内（%(where)s）") % {"where": self.scope.label})
                return
        person = self._person_by_phone(row, "parent_phone", phone, name, R.PARENTS)
        if person is None:
            return
        person.school = person.school or child.school
        changes: list[str] = []
        self._set(person, "name", name, _("姓名"), changes)
        if gender:
            self._set(person, "gender", R.GENDERS[gender.lower()], _("性别"), changes)
        links = []
        if person.user is not None and child.user is not None:
            links = [r for r in self.roles.get(person.user.pk, [])
                     if r["kind"] == RoleKind.PARENT and r["child_id"] == child.user.pk]
        if not links:
            self.grants.append(_Grant(person, RoleKind.PARENT, None, child=child, relation=relation))
        elif relation and links[0]["relation"] != relation:
            self.relation_updates.append((links[0]["id"], relation))
            changes.append(_("关系"))
        # A 家长 row is a parent–child link: 新建 when the link is new (for a new or an existing account).
        label = f"{name} → {child.fields.get('name') or child.user.name}"
        if person.user is None:
            if not person.username:
                person.username = self._username(phone)
                changes.append(_("新账号"))
            self.add(row, R.PARENTS, CREATE, label, changes)
        elif not links:
            self.add(row, R.PARENTS, CREATE, label, [_("已有账号"), *changes])
        else:
            self.add(row, R.PARENTS, UPDATE if changes else UNCHANGED, label, changes)

    def run(self) -> "_Planner":
        self.load()
        self.plan_schools()
        self.plan_classes()
        self.plan_teachers()
        self.plan_students()
        self.plan_parents()
        self._check_usernames()
        return self

    def _check_usernames(self) -> None:
        new = [p for p in {id(p): p for p in [*self.persons_by_phone.values(), *self.persons_by_sn.values(),
                                             *(g.person for g in self.grants)]}.values() if p.user is None]
        wanted = {p.username for p in new}
        taken = set()
        for part in _chunks(wanted):
            taken |= set(User.objects.filter(username__in=part).values_list("username", flat=True))
        for p in new:
            if p.username in taken:
                base, n = p.username, 2
                while f"{base}-{n}" in taken or f"{base}-{n}" in wanted:
                    n += 1
                p.username = f"{base}-{n}"
                wanted.add(p.username)


# --- applying the plan --------------------------------------------------------------------------------------

def _apply(plan: _Planner) -> list[NewAccount]:
    scope = plan.scope
    for school in plan.new_schools:
        school.node = node_create(kind=NodeKind.SCHOOL, name=school.name, parent=scope.district, code=school.code,
                                  school_type=school.school_type, ownership=school.ownership or "public")
    for school in {id(s): s for s in plan.school_by_node.values()}.values():
        if school.updates:
            node_update(node=school.node, **school.updates)
    for school in [*plan.school_by_node.values(), *plan.new_schools]:
        for name, node in list(school.campuses.items()):
            if node is None:
                school.campuses[name] = node_create(kind=NodeKind.CAMPUS, name=name, parent=school.node)
    for klass in [*plan.new_classes, *[c for c in plan.classes.values() if c.updates]]:
        school = klass.school
        campus_name = klass.updates.get("campus", klass.campus)
        campus = school.campuses.get(campus_name) if campus_name else None
        if klass.node is None:
            grade = plan.grades.get((school.node.pk, klass.level))
            if grade is None:
                grade = (OrgNode.objects.filter(kind=NodeKind.GRADE, parent=school.node, name=GRADE_NAMES[klass.level])
                         .first() or node_create(kind=NodeKind.GRADE, name=GRADE_NAMES[klass.level], parent=school.node,
                                                 grade_level=klass.level))
                plan.grades[(school.node.pk, klass.level)] = grade
            klass.node = node_create(kind=NodeKind.CLASS, name=klass.name, parent=grade, code=klass.code,
                                     grade_level=klass.level, campus=campus)
        else:
            fields = {}
            if "campus" in klass.updates:
                fields["campus"] = campus
            if "code" in klass.updates:
                fields["code"] = klass.updates["code"]
            node_update(node=klass.node, **fields)

    # people: new accounts, then changes
    persons = {id(p): p for p in [*plan.persons_by_phone.values(), *plan.persons_by_sn.values(),
                                  *plan.persons_by_user.values(), *(g.person for g in plan.grants)]}.values()
    new_people = [p for p in persons if p.user is None]
    passwords = [initial_password() for _p in new_people]
    hasher = _InitialPasswordHasher()
    with ThreadPoolExecutor(max_workers=2) as pool:  # argon2 releases the GIL
        hashes = list(pool.map(lambda pw: hasher.encode(pw, hasher.salt()), passwords))
    # New accounts in bulk (one INSERT per 500): person_create() per account, with its savepoint and a
    # second write for the password, made 2,000 students and their parents take three times as long.
    # Same fields as person_create; the one audit entry and event of the import stand for them.
    accounts: list[NewAccount] = []
    users = []
    for p, password, encoded in zip(new_people, passwords, hashes, strict=True):
        fields = dict(p.fields)
        fields["phone"] = fields.get("phone") or None
        users.append(User(username=p.username, password=encoded, must_change_password=True, **fields))
        accounts.append(NewAccount(kind=R.KIND_LABELS[p.kind], name=fields.get("name", ""), username=p.username,
                                   password=password, school=p.school.name if p.school else "",
                                   klass=p.klass.name if p.klass else ""))
    User.objects.bulk_create(users, batch_size=CHUNK)
    if users and users[0].pk is None:  # a database that does not return ids from bulk inserts
        ids = {}
        for part in _chunks([u.username for u in users]):
            ids.update(dict(User.objects.filter(username__in=part).values_list("username", "pk")))
        for u in users:
            u.pk = ids[u.username]
    for p, user in zip(new_people, users, strict=True):
        p.user = user
    for p in persons:
        if p.updates:  # only people who existed before have updates
            for k, v in p.updates.items():
                setattr(p.user, k, v)
            p.user.save(update_fields=list(p.updates))

    if plan.revokes:
        Role.objects.filter(pk__in=plan.revokes).delete()
    for role_id, klass in plan.moves:
        role = Role.objects.get(pk=role_id)
        role.node = klass.node
        role.save(update_fields=["node"])
        Role.objects.filter(kind=RoleKind.PARENT, child_id=role.user_id).exclude(node=klass.node).update(node=klass.node)
    for role_id, relation in plan.relation_updates:
        Role.objects.filter(pk=role_id).update(relation=relation)
    # New roles in bulk: the plan checked each against the person's existing roles (role_grant's
    # get_or_create per role made 2,000 students take three times as long).
    child_nodes = OrgNode.objects.in_bulk(list(plan.child_nodes))
    new_roles: dict[tuple, Role] = {}
    for g in plan.grants:
        child = None
        if g.kind == RoleKind.PARENT:
            child = g.child.user
            node = g.child.klass.node if g.child.klass is not None else child_nodes[plan.student_class[child.pk]]
        else:
            node = g.target.node
        key = (g.person.user.pk, g.kind, node.pk, g.subject, child.pk if child else None)
        new_roles.setdefault(key, Role(user=g.person.user, kind=g.kind, node=node, subject=g.subject, child=child,
                                       relation=g.relation))
    Role.objects.bulk_create(list(new_roles.values()), batch_size=CHUNK)
    generation_bump(SCOPE)
    return accounts


def roster_import(*, actor: User | None, files: list[tuple[str, bytes]], dry_run: bool = False,
                  key: str = "") -> RosterReport:
    """Check a roster and (unless dry_run, and only if every row is good) import it in one transaction.

    Raises `roster.RosterFileError` for a file that cannot be read at all and `RosterPermissionError`
    for someone who may not import.
    """
    started = time.perf_counter()
    parsed = R.read_roster(files)
    if dry_run:  # reads only: no transaction, so no write lock on SQLite
        plan = _Planner(actor, parsed).run()
        report = RosterReport(issues=plan.issues, notices=parsed.notices, rows=plan.rows, dry_run=True)
        report.seconds = time.perf_counter() - started
        return report
    with transaction.atomic():
        plan = _Planner(actor, parsed).run()
        report = RosterReport(issues=plan.issues, notices=parsed.notices, rows=plan.rows, dry_run=False)
        if report.issues:
            report.seconds = time.perf_counter() - started
            return report
        report.accounts = _apply(plan)
        report.imported = True
        counts = report.counts
        counts["accounts_created"] = len(report.accounts)
        school = plan.scope.own_school
        key = key or uuid.uuid4().hex
        audit_record(actor=actor, action=AuditAction.IMPORT, target_type="roster-import", target_id=key,
                     school=school, detail={"counts": counts})
        record_event(actor=actor, verb="imported", object_kind="roster-import", object_key=key, school=school,
                     result={"completion": True,
                             "extensions": {"https://zhijiao.example.org/xapi/extensions/counts": counts}})
    report.seconds = time.perf_counter() - started
    return report


# --- uploads kept server-side between the dry run and the confirmation ------------------------------------------

UPLOAD_TTL_SECONDS = 24 * 3600


def upload_dir() -> Path:
    return Path(settings.DATA_DIR) / "roster-uploads"


def _token_dir(token: str) -> Path | None:
    if not token or not all(c.isalnum() or c in "-_" for c in token) or len(token) > 64:
        return None
    return upload_dir() / token


def roster_upload_store(*, actor: User, files: list[tuple[str, bytes]]) -> str:
    """Keep uploaded files under the data dir, keyed by a random token; returns the token."""
    roster_upload_sweep()
    token = secrets.token_urlsafe(18)
    d = upload_dir() / token
    d.mkdir(parents=True, mode=0o700)
    for i, (_name, data) in enumerate(files):
        (d / f"{i}.bin").write_bytes(data)
    (d / "meta.json").write_text(json.dumps({"actor": actor.pk, "names": [n for n, _d in files],
                                             "created": time.time(), "state": "uploaded"}, ensure_ascii=False))
    return token


def roster_upload_load(*, actor: User, token: str) -> tuple[dict, list[tuple[str, bytes]]] | None:
    """The upload's metadata and files, or None when the token is unknown, expired or someone else's."""
    d = _token_dir(token)
    if d is None or not (d / "meta.json").exists():
        return None
    meta = json.loads((d / "meta.json").read_text())
    if meta.get("actor") != actor.pk or time.time() - meta.get("created", 0) > UPLOAD_TTL_SECONDS:
        return None
    files = [(name, (d / f"{i}.bin").read_bytes()) for i, name in enumerate(meta["names"])
             if (d / f"{i}.bin").exists()]
    return meta, files


def roster_upload_finish(*, token: str, report: RosterReport, result_file: bytes | None) -> None:
    """Mark an upload imported: drop the roster files, keep counts and the initial-password file."""
    d = _token_dir(token)
    meta = json.loads((d / "meta.json").read_text())
    if meta.get("state") == "imported":  # a second click on 确认导入 found nothing left to do
        return
    for i in range(len(meta["names"])):
        (d / f"{i}.bin").unlink(missing_ok=True)
    if result_file:
        (d / "result.xlsx").write_bytes(result_file)
    meta.update(state="imported", counts=report.count_rows, accounts=len(report.accounts))
    (d / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))


def roster_result_file(*, actor: User, token: str) -> bytes | None:
    loaded = roster_upload_load(actor=actor, token=token)
    if loaded is None:
        return None
    path = _token_dir(token) / "result.xlsx"
    return path.read_bytes() if path.exists() else None


def roster_upload_sweep() -> None:
    """Remove uploads and result files older than a day."""
    root = upload_dir()
    if not root.exists():
        return
    now = time.time()
    for d in root.iterdir():
        try:
            if now - d.stat().st_mtime > UPLOAD_TTL_SECONDS:
                shutil.rmtree(d, ignore_errors=True)
        except FileNotFoundError:
            continue
