"""Reads of the cockpit: indicator configuration, scope checks, and the deep-application index.

Everything here computes from the rollup tables and the core tables (org tree, roles), so every
figure can be recomputed from the raw statements (`zhijiao cockpit-rollup --full`).

Formulas (docs/cockpit.md):
- teacher score = Σ weight × min(1, value / threshold) / Σ weight × 100, over the enabled indicators;
- a teacher uses the platform deeply when the score ≥ the bureau's deep-score line;
- school index = share of ALL the school's teachers who use it deeply (not its best teacher), with the
  average teacher score beside it; district index = share of all the district's teachers.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, Case, Count, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import TruncWeek
from django.db.models.lookups import GreaterThan
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhijiao.accounts.models import Role, RoleKind, User
from zhijiao.accounts.selectors import scope_of
from zhijiao.cockpit import vectors
from zhijiao.cockpit.indicators import (
    DEFAULT_DEEP_SCORE,
    DEFAULT_WARNING_SHARE,
    DEFAULTS,
    DIMENSIONS,
    Indicator,
)
from zhijiao.cockpit.models import (
    ActiveDaily,
    ActiveWeekly,
    ActorDaily,
    ActorYear,
    DistrictHourly,
    HourlyCount,
    IndexSettings,
    IndicatorConfig,
    SchoolDaily,
    week_end,
    week_of,
    year_masks,
)
from zhijiao.core.models import NodeKind, OrgNode, Ownership, SchoolType

TEACHER_KINDS = (RoleKind.TEACHER, RoleKind.HEAD_TEACHER, RoleKind.SUBJECT_TEACHER)
CLASS_TEACHING_KINDS = (RoleKind.HEAD_TEACHER, RoleKind.SUBJECT_TEACHER)
SCHOOL_PATH_LEN = 21  # region.district.school. = 3 steps of 6 digits and a dot
DISTRICT_PATH_LEN = 14


# --- configuration -------------------------------------------------------------------------------------

def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").replace("，", ",").split(",") if p.strip())


def indicators() -> list[Indicator]:
    """The indicators in force: the bureau's rows over the defaults, by code."""
    rows = {c.code: c for c in IndicatorConfig.objects.all()}
    out = []
    for d in DEFAULTS:
        c = rows.pop(d.code, None)
        out.append(d if c is None else _from_row(c))
    out += [_from_row(c) for c in rows.values()]
    return out


def _from_row(c: IndicatorConfig) -> Indicator:
    return Indicator(code=c.code, name=c.name, dimension=c.dimension, verbs=_split(c.verbs),
                     object_types=_split(c.object_types), roles=_split(c.roles), attribution=c.attribution,
                     measure=c.measure, threshold=c.threshold, weight=c.weight, enabled=c.enabled)


@dataclass(frozen=True)
class IndexRules:
    deep_score: float
    warning_share: float


def index_rules() -> IndexRules:
    s = IndexSettings.objects.order_by("pk").first()
    if s is None:
        return IndexRules(DEFAULT_DEEP_SCORE, DEFAULT_WARNING_SHARE)
    return IndexRules(s.deep_score, s.warning_share)


# --- periods -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    key: str  # "7", "30", "semester" or "custom"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def query(self) -> str:
        if self.key == "custom":
            return f"start={self.start.isoformat()}&end={self.end.isoformat()}"
        return f"period={self.key}"


PERIOD_CHOICES = [("7", gettext_lazy("近7天")), ("30", gettext_lazy("近30天")), ("semester", gettext_lazy("本学期"))]


def semester_start(today: date) -> date:
    if today.month >= 9:
        return date(today.year, 9, 1)
    if today.month == 1:
        return date(today.year - 1, 9, 1)
    return date(today.year, 2, 1)


def period_from(params) -> tuple[Period, str]:
    """The period a page asks for, and a Chinese message when the input was bad (then the default)."""
    today = timezone.localdate()
    start, end = params.get("start"), params.get("end")
    if start or end:
        try:
            s = date.fromisoformat(start or "")
            e = date.fromisoformat(end or "") if end else today
        except ValueError:
            return Period(today - timedelta(days=29), today, "30"), _("日期格式应为 年-月-日，如 2026-09-01；已显示近30天。")
        if s > e:
            return Period(today - timedelta(days=29), today, "30"), _("开始日期不能晚于结束日期；已显示近30天。")
        if (e - s).days > 366:
            return Period(today - timedelta(days=29), today, "30"), _("时间段最长一年；已显示近30天。")
        return Period(s, e, "custom"), ""
    key = params.get("period") or "30"
    if key == "7":
        return Period(today - timedelta(days=6), today, "7"), ""
    if key == "semester":
        return Period(semester_start(today), today, "semester"), ""
    if key != "30":
        return Period(today - timedelta(days=29), today, "30"), _("未知的时间段；已显示近30天。")
    return Period(today - timedelta(days=29), today, "30"), ""


# --- who may see what -------------------------------------------------------------------------------

def cockpit_district(user) -> OrgNode:
    """The district whose cockpit this user reads (district admins and supervisors)."""
    scope = scope_of(user)
    for r in scope.roles:
        if r.kind in (RoleKind.DISTRICT_ADMIN, RoleKind.SUPERVISOR) and r.node.kind == NodeKind.DISTRICT:
            return r.node
    raise PermissionDenied(_("数据驾驶舱（区县）仅向区县管理员和督学开放。"))


def can_read_district(user) -> bool:
    return scope_of(user).has(RoleKind.DISTRICT_ADMIN, RoleKind.SUPERVISOR)


def can_configure(user) -> bool:
    return scope_of(user).has(RoleKind.DISTRICT_ADMIN)


def _cockpit_paths(user) -> list[str]:
    scope = scope_of(user)
    return [r.node.path for r in scope.roles
            if r.kind in (RoleKind.DISTRICT_ADMIN, RoleKind.SUPERVISOR, RoleKind.SCHOOL_ADMIN, RoleKind.CIO)]


def access_cockpit_school(user, school_id: int) -> OrgNode:
    """A school whose cockpit the user may read: its own admins/CIO, or the district's. Else 404."""
    school = OrgNode.objects.filter(pk=school_id, kind=NodeKind.SCHOOL).first()
    if school is None or not any(school.path.startswith(p) for p in _cockpit_paths(user)):
        raise Http404("school not found")
    return school


def own_cockpit_school(user) -> OrgNode | None:
    """The first school a school admin/CIO reads (for the home entry)."""
    for r in scope_of(user).roles:
        if r.kind in (RoleKind.SCHOOL_ADMIN, RoleKind.CIO) and r.node.kind == NodeKind.SCHOOL:
            return r.node
    return None


def access_cockpit_teacher(user, teacher_id: int) -> tuple[User, OrgNode]:
    """A teacher of a school whose cockpit the user reads, with that school. Else 404."""
    paths = _cockpit_paths(user)
    for role in Role.objects.filter(user_id=teacher_id, kind__in=TEACHER_KINDS).select_related("node", "user"):
        school_path = role.node.path[:SCHOOL_PATH_LEN]
        if any(school_path.startswith(p) for p in paths):
            school = OrgNode.objects.filter(path=school_path, kind=NodeKind.SCHOOL).first()
            if school is not None:
                return role.user, school
    raise Http404("teacher not found")


# --- the index ------------------------------------------------------------------------------------------

@dataclass
class ScoreBlock:
    """Many teachers' indicator values, parts and dimension scores as arrays (a row per teacher): computing
    and keeping ~10,000 teachers' figures as dicts was most of the district page's time."""

    codes: list[str]
    values: np.ndarray  # teachers × indicators
    parts: np.ndarray  # min(1, value / threshold)
    dim_codes: list[str]
    dims: np.ndarray  # teachers × dimensions, 0–100


@dataclass
class TeacherScore:
    teacher_id: int
    name: str
    school_id: int
    score: float
    deep: bool
    block: ScoreBlock = field(repr=False)
    row: int = 0

    @property
    def values(self) -> dict[str, float]:
        return dict(zip(self.block.codes, self.block.values[self.row].tolist(), strict=True))

    @property
    def parts(self) -> dict[str, float]:
        return dict(zip(self.block.codes, self.block.parts[self.row].tolist(), strict=True))

    @property
    def dims(self) -> dict[str, float]:
        return dict(zip(self.block.dim_codes, self.block.dims[self.row].tolist(), strict=True))


def _matcher(inds: list[Indicator]):
    """(verb, type, role) → the indicators it counts for, memoised (a period has few distinct keys)."""
    memo: dict[tuple, list[Indicator]] = {}

    def match(verb: str, object_type: str, role: str) -> list[Indicator]:
        key = (verb, object_type, role)
        if key not in memo:
            memo[key] = [i for i in inds if (not i.verbs or verb in _iris(i)[0])
                         and (not i.object_types or object_type in _iris(i)[1]) and (not i.roles or role in i.roles)]
        return memo[key]

    return match


_IRI_CACHE: dict = {}


def _iris(ind: Indicator) -> tuple[frozenset, frozenset]:
    key = (ind.verbs, ind.object_types)
    if key not in _IRI_CACHE:
        _IRI_CACHE[key] = (frozenset(ind.verb_iris()), frozenset(ind.type_iris()))
    return _IRI_CACHE[key]


def _common_prefix(paths: list[str]) -> Q:
    """Nodes under any of these paths: one prefix (a school's, or their district's) when they share it."""
    if len(paths) == 1:
        return Q(node__path__startswith=paths[0])
    district = paths[0][:DISTRICT_PATH_LEN]
    if all(p.startswith(district) for p in paths):
        return Q(node__path__startswith=district)  # the rows of other schools are skipped by the caller
    cond = Q()
    for p in paths:
        cond |= Q(node__path__startswith=p)
    return cond


def _org_cached(name: str, key: str, build):
    """Org-derived data (who teaches where, how many students) shared by every process until roles or the
    org tree change: under the scope generation that role and org writers bump, and the newest role and
    node (bulk writes that bump nothing still raise the largest id)."""
    import hashlib

    from django.db.models import Max

    from zhijiao.core.cache import SCOPE, cached

    stamp = (Role.objects.aggregate(m=Max("id"))["m"], OrgNode.objects.aggregate(m=Max("updated_at"))["m"])
    digest = hashlib.sha1(f"{key}|{stamp}".encode()).hexdigest()
    return cached(SCOPE, f"cockpit:{name}:{digest}", build)


def _nodes_under(school_paths: list[str]) -> dict[int, str]:
    """node id → path, for the nodes under the given schools (a school's, or all of their district's when
    they share it: a few thousand nodes; the caller skips other schools')."""
    district = school_paths[0][:DISTRICT_PATH_LEN]
    if len(school_paths) > 1 and all(p.startswith(district) for p in school_paths):
        cond = Q(path__startswith=district)
    else:
        cond = Q(pk__in=[])
        for p in school_paths:
            cond |= Q(path__startswith=p)
    return dict(OrgNode.objects.filter(cond).values_list("pk", "path"))


def _teachers_of(school_paths: list[str]) -> dict[int, int]:
    """teacher id → school id, for the teachers of the given schools (a teacher of several: the first by
    path). Roles are read by kind (index) and placed by their node's path: joining the org tree for
    every role cost several times more."""
    def build() -> dict[int, int]:
        schools = dict(OrgNode.objects.filter(kind=NodeKind.SCHOOL, path__in=school_paths)
                       .values_list("path", "pk"))
        nodes = _nodes_under(school_paths)
        roles = Role.objects.filter(kind__in=TEACHER_KINDS)
        if len(school_paths) == 1:
            roles = roles.filter(node_id__in=nodes)
        placed = sorted((nodes[n], uid) for uid, n in roles.values_list("user_id", "node_id") if n in nodes)
        out: dict[int, int] = {}
        for path, uid in placed:
            sid = schools.get(path[:SCHOOL_PATH_LEN])
            if sid is not None:
                out.setdefault(uid, sid)
        return out

    return _org_cached("teachers", ",".join(school_paths), build) if school_paths else {}


def _classes_of(ids: list[int]) -> dict[int, set[int]]:
    """teacher → the classes they teach. Many teachers: every class-teaching role, filtered here (an IN list
    of thousands of ids costs the database more than the rows it saves)."""
    qs = Role.objects.filter(kind__in=CLASS_TEACHING_KINDS)
    wanted = set(ids)
    if len(wanted) < 2000:
        qs = qs.filter(user_id__in=wanted)
    classes_of: dict[int, set[int]] = defaultdict(set)
    for uid, cid in qs.values_list("user_id", "node_id"):
        if uid in wanted:
            classes_of[uid].add(cid)
    return classes_of


def _indicator_values(ids: list[int], actor_inds, class_inds, period: Period) -> dict[str, np.ndarray]:
    """Indicator code → its value for each of `ids` (in order), from the count vectors
    (zhijiao/cockpit/vectors.py): a count is the difference of the running totals at both ends of the
    period, summed over the indicator's keys; active days are the days of the period with the owner's bit
    set in any of its keys. A class-attributed value is the sum over the teacher's classes."""
    all_keys = vectors.keys_cached()
    slots = vectors.slots_cached()
    kinds = [(kind, inds) for kind, inds in (("actor", actor_inds), ("class", class_inds)) if inds]
    keys_of: dict[str, list[int]] = {}
    for kind, inds in kinds:
        match = _matcher(inds)
        for i in inds:
            keys_of[i.code] = []
        for (k, role, verb, object_type), key_id in all_keys.items():
            if k == kind:
                for i in match(verb, object_type, role):
                    keys_of[i.code].append(key_id)
    every = [i for _kind, inds in kinds for i in inds]
    read = vectors.read_period(sorted({k for i in every if i.measure != "days" for k in keys_of[i.code]}),
                               sorted({k for i in every if i.measure == "days" for k in keys_of[i.code]}),
                               period.start, period.end)
    out: dict[str, np.ndarray] = {}
    for kind, inds in kinds:
        slot_of = slots.get(kind, {})
        length = max(slot_of.values(), default=-1) + 1
        # (row in ids, slot) pairs: a teacher's own slot, or the slots of the classes they teach
        if kind == "actor":
            pairs = [(r, slot_of[uid]) for r, uid in enumerate(ids) if uid in slot_of]
        else:
            classes_of = _classes_of(ids)
            pairs = [(r, slot_of[c]) for r, uid in enumerate(ids) for c in classes_of.get(uid, ()) if c in slot_of]
        rows = np.array([p[0] for p in pairs], dtype=np.int64)
        at = np.array([p[1] for p in pairs], dtype=np.int64)
        for i in inds:
            per_slot = np.zeros(length, dtype=np.int64)
            if i.measure == "days":
                days: dict[date, np.ndarray] = {}
                for k in keys_of[i.code]:
                    for d, bits in read.active(k, length).items():
                        days[d] = days[d] | bits if d in days else bits
                for bits in days.values():
                    per_slot += bits
            else:
                for k in keys_of[i.code]:
                    per_slot += read.totals(k, length)
            col = np.zeros(len(ids), dtype=np.float64)
            if len(pairs):
                np.add.at(col, rows, per_slot[at])
            out[i.code] = col
    return out


def teacher_scores(teacher_school: dict[int, int], period: Period, inds: list[Indicator] | None = None,
                   rules: IndexRules | None = None) -> "TeacherScores":
    """Every listed teacher's score over the period, from the count vectors."""
    inds = [i for i in (inds if inds is not None else indicators()) if i.enabled and i.weight > 0]
    rules = rules or index_rules()
    ids = list(teacher_school)
    actor_inds = [i for i in inds if i.attribution == "actor"]
    class_inds = [i for i in inds if i.attribution == "class"]
    values = np.zeros((len(ids), len(inds)), dtype=np.float64)
    if ids:
        cols = _indicator_values(ids, actor_inds, class_inds, period)
        for k, i in enumerate(inds):
            values[:, k] = cols[i.code]
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "name")) if len(ids) < 5000 else {}
    total_w = sum(i.weight for i in inds) or 1.0
    dim_w: dict[str, float] = defaultdict(float)
    for i in inds:
        dim_w[i.dimension] += i.weight
    dim_codes = list(dim_w)
    # Column by column, in the indicators' order: the same sums, in the same order, as one teacher at a time.
    parts = np.empty_like(values)
    weighted = np.zeros(len(ids))
    by_dim = np.zeros((len(ids), len(dim_codes)))
    for k, i in enumerate(inds):
        parts[:, k] = np.minimum(1.0, values[:, k] / i.threshold_for(period.days))
        weighted += i.weight * parts[:, k]
        by_dim[:, dim_codes.index(i.dimension)] += i.weight * parts[:, k]
    score = 100.0 * weighted / total_w
    dims = 100.0 * by_dim / np.array([dim_w[d] for d in dim_codes]) if dim_codes else by_dim
    block = ScoreBlock([i.code for i in inds], values, parts, dim_codes, dims)
    return TeacherScores(ids, names, [teacher_school[t] for t in ids], [round(x, 1) for x in score.tolist()],
                         (score >= rules.deep_score).tolist(), block)


class TeacherScores(Mapping):
    """teacher id → TeacherScore, built when asked: the district page needs every teacher's score only as
    sums per school (`school_figures` reads the lists), and making ~10,000 objects cost ~40 ms."""

    def __init__(self, ids: list[int], names: dict[int, str], schools: list[int], scores: list[float],
                 deep: list[bool], block: ScoreBlock):
        self.ids, self.names, self.schools, self.scores, self.deep, self.block = ids, names, schools, scores, deep, block
        self.row = {t: r for r, t in enumerate(ids)}

    def __getitem__(self, teacher_id: int) -> TeacherScore:
        r = self.row[teacher_id]
        return TeacherScore(teacher_id, self.names.get(teacher_id, ""), self.schools[r], self.scores[r],
                            self.deep[r], self.block, r)

    def __iter__(self):
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class SchoolFigures:
    school: OrgNode
    teachers: int = 0
    deep: int = 0
    share: float = 0.0  # % of the school's teachers who use the platform deeply — THE school index
    avg_score: float = 0.0
    dims: dict[str, float] = field(default_factory=dict)
    students: int = 0
    visits: int = 0
    student_visits: int = 0
    teacher_visits: int = 0
    active_users: int = 0
    active_teachers: int = 0
    active_students: int = 0
    warn: bool = False

    @property
    def per100_students(self) -> float:
        return round(100.0 * self.student_visits / self.students, 1) if self.students else 0.0

    @property
    def per100_teachers(self) -> float:
        return round(100.0 * self.teacher_visits / self.teachers, 1) if self.teachers else 0.0


def _students_per_school(schools: list[OrgNode]) -> dict[int, int]:
    by_path = {s.path: s.pk for s in schools}

    def build() -> dict[int, int]:
        # Student roles per node (index on kind, node; a student has one role per class), then per school.
        nodes = _nodes_under(list(by_path))
        roles = Role.objects.filter(kind=RoleKind.STUDENT)
        if len(by_path) == 1:
            roles = roles.filter(node_id__in=nodes)
        out: dict[int, int] = defaultdict(int)
        for node_id, n in roles.values("node_id").annotate(n=Count("id")).values_list("node_id", "n"):
            sid = by_path.get(nodes.get(node_id, "")[:SCHOOL_PATH_LEN])
            if sid is not None:
                out[sid] += n
        return dict(out)

    return _org_cached("students", ",".join(by_path), build) if schools else {}


def _dims_per_school(scores: "TeacherScores", school_ids: list[int]) -> dict[int, dict[str, float]]:
    """school → dimension → the sum of its teachers' dimension scores (added in the teachers' order)."""
    if not len(scores):
        return {}
    at = {sid: k for k, sid in enumerate(school_ids)}
    sums = np.zeros((len(school_ids), len(scores.block.dim_codes)))
    np.add.at(sums, np.array([at[sid] for sid in scores.schools], dtype=np.int64), scores.block.dims)
    counted = set(scores.schools)
    return {sid: dict(zip(scores.block.dim_codes, sums[at[sid]].tolist(), strict=True)) for sid in school_ids
            if sid in counted}


def school_figures(schools: list[OrgNode], period: Period, *, with_teachers: bool = False,
                   people: "PeopleActive | None" = None):
    """Figures for each school; with_teachers also returns the teacher scores. `people`: active people
    already counted for the period (`people_active`), else they are counted here."""
    inds = indicators()
    rules = index_rules()
    teacher_school = _teachers_of([s.path for s in schools]) if schools else {}
    scores = teacher_scores(teacher_school, period, inds, rules)
    figs = {s.pk: SchoolFigures(school=s) for s in schools}
    ids = list(figs)
    students = _students_per_school(schools)
    score_sum: dict[int, float] = defaultdict(float)
    for school_id, score, deep in zip(scores.schools, scores.scores, scores.deep, strict=True):
        f = figs[school_id]
        f.teachers += 1
        f.deep += deep
        score_sum[school_id] += score
    dim_sum = _dims_per_school(scores, ids)
    school_filter = {"school_id__in": ids} if len(ids) < 1000 else {}
    for row in (SchoolDaily.objects.filter(day__range=(period.start, period.end), **school_filter)
                .values("school_id", "role").annotate(n=Sum("n"))):
        f = figs.get(row["school_id"])
        if f is None:
            continue
        f.visits += row["n"]
        if row["role"] == "student":
            f.student_visits += row["n"]
        elif row["role"] == "teacher":
            f.teacher_visits += row["n"]
    if people is None:
        people = people_active(period, school_ids=ids if len(ids) < 1000 else None)
    for (school_id, role), n in people.per_group.items():
        f = figs.get(school_id)
        if f is None:
            continue
        f.active_users += n
        if role == "student":
            f.active_students += n
        elif role == "teacher":
            f.active_teachers += n
    for sid, f in figs.items():
        f.students = students.get(sid, 0)
        if f.teachers:
            f.share = round(100.0 * f.deep / f.teachers, 1)
            f.avg_score = round(score_sum[sid] / f.teachers, 1)
            f.dims = {d: round(v / f.teachers, 1) for d, v in dim_sum.get(sid, {}).items()}
        f.warn = f.share < rules.warning_share
    result = list(figs.values())
    return (result, scores) if with_teachers else result


@dataclass
class GroupFigures:
    label: str
    schools: int
    teachers: int
    deep: int
    share: float
    avg_share: float
    per100_students: float
    per100_teachers: float


def group_figures(figs: list[SchoolFigures], key: str) -> list[GroupFigures]:
    """Figures by school type (key='school_type') or by ownership (key='ownership')."""
    labels = dict(SchoolType.choices) if key == "school_type" else dict(Ownership.choices)
    groups: dict[str, list[SchoolFigures]] = defaultdict(list)
    for f in figs:
        groups[getattr(f.school, key) or ""].append(f)
    out = []
    for k, members in sorted(groups.items(), key=lambda kv: list(labels).index(kv[0]) if kv[0] in labels else 99):
        teachers = sum(f.teachers for f in members)
        deep = sum(f.deep for f in members)
        students = sum(f.students for f in members)
        out.append(GroupFigures(
            label=str(labels.get(k, _("未分类"))), schools=len(members), teachers=teachers, deep=deep,
            share=round(100.0 * deep / teachers, 1) if teachers else 0.0,
            avg_share=round(sum(f.share for f in members) / len(members), 1),
            per100_students=round(100.0 * sum(f.student_visits for f in members) / students, 1) if students else 0.0,
            per100_teachers=round(100.0 * sum(f.teacher_visits for f in members) / teachers, 1) if teachers else 0.0,
        ))
    return out


@dataclass
class IndicatorFigures:
    indicator: Indicator
    threshold: float
    total: float
    reached: int  # teachers at or over the threshold
    share: float


def indicator_figures(scores: "TeacherScores", period: Period) -> list[IndicatorFigures]:
    n = len(scores) or 1
    inds = [ind for ind in indicators() if ind.enabled]
    thresholds = [ind.threshold_for(period.days) for ind in inds]
    totals, reached = [0.0] * len(inds), [0] * len(inds)
    if scores:  # every teacher (the district has ~10,000) and every indicator at once, from the arrays
        block, values = scores.block, scores.block.values
        for k, (ind, thr) in enumerate(zip(inds, thresholds, strict=True)):
            if ind.code in block.codes:  # an indicator left out of the scores (weight 0) counts as 0
                col = values[:, block.codes.index(ind.code)]
                totals[k], reached[k] = float(col.sum()), int((col >= thr).sum())
            else:
                reached[k] = len(scores) if thr <= 0 else 0
    return [IndicatorFigures(ind, thr, totals[k], reached[k], round(100.0 * reached[k] / n, 1) if scores else 0.0)
            for k, (ind, thr) in enumerate(zip(inds, thresholds, strict=True))]


def district_totals(figs: list[SchoolFigures]) -> dict:
    teachers = sum(f.teachers for f in figs)
    deep = sum(f.deep for f in figs)
    students = sum(f.students for f in figs)
    return {
        "schools": len(figs), "teachers": teachers, "deep": deep, "students": students,
        "share": round(100.0 * deep / teachers, 1) if teachers else 0.0,
        "avg_share": round(sum(f.share for f in figs) / len(figs), 1) if figs else 0.0,
        "visits": sum(f.visits for f in figs),
        "active_users": sum(f.active_users for f in figs),
        "per100_students": round(100.0 * sum(f.student_visits for f in figs) / students, 1) if students else 0.0,
        "per100_teachers": round(100.0 * sum(f.teacher_visits for f in figs) / teachers, 1) if teachers else 0.0,
        "warned": sum(1 for f in figs if f.warn),
    }


# --- trends ------------------------------------------------------------------------------------------

def _days_of_year(start: date, end: date) -> list[tuple[int, dict[str, int]]]:
    """The days start..end (inclusive) as ActorYear masks: [(year, {column: bits})]."""
    return [(year, year_masks(max(start, date(year, 1, 1)), min(end, date(year, 12, 31))))
            for year in range(start.year, end.year + 1)]


def _active_between(start: date, end: date) -> Q:
    q = Q(pk__in=[])
    for year, masks in _days_of_year(start, end):
        any_day = Q(pk__in=[])
        for column, bits in masks.items():
            # A 62-day mask is a bigint: typed as such, or PostgreSQL's server-side binding would get it as int4.
            any_day |= Q(GreaterThan(F(column).bitand(Value(bits, output_field=BigIntegerField())), 0))
        q |= Q(year=year) & any_day
    return q


def active_in(period: Period) -> Q:
    """ActorYear rows of people active on at least one day of the period: one test per person and year,
    whatever the period's length."""
    return _active_between(period.start, period.end)


def daily_trend(period: Period, *, school_ids: list[int] | None = None, actor_id: int | None = None) -> list[dict]:
    """[{day, visits, active}] for each day of the period (zeros included). Active users are counted per
    school and role group (as in the school table): someone active in two schools counts in both."""
    if actor_id is not None:
        ad = ActorDaily.objects.filter(day__range=(period.start, period.end), actor_id=actor_id)
        if school_ids is not None:
            ad = ad.filter(school_id__in=school_ids)
        visits = dict(ad.values("day").annotate(n=Sum("n")).values_list("day", "n"))
        active = {d: 1 for d in visits}
    else:
        sd = SchoolDaily.objects.filter(day__range=(period.start, period.end))
        act = ActiveDaily.objects.filter(day__range=(period.start, period.end))
        if school_ids is not None:
            sd, act = sd.filter(school_id__in=school_ids), act.filter(school_id__in=school_ids)
        visits = dict(sd.values("day").annotate(n=Sum("n")).values_list("day", "n"))
        active = dict(act.values("day").annotate(n=Sum("n")).values_list("day", "n"))
    out = []
    d = period.start
    while d <= period.end:
        out.append({"day": d, "visits": int(visits.get(d, 0) or 0), "active": int(active.get(d, 0) or 0)})
        d += timedelta(days=1)
    return out


@dataclass
class PeopleActive:
    """People active in a period: per (school, role group), and per week of the period (Monday → count,
    the week clipped to the period; counted per school and role group, as in the school table)."""

    per_group: dict[tuple[int, str], int]
    per_week: dict[date, int] | None  # None: the period spans New Year (weekly_trend counts those itself)


def _weeks(period: Period) -> list[tuple[date, date, date]]:
    """(Monday, first day, last day) of each week overlapping the period, clipped to it."""
    out, monday = [], period.start - timedelta(days=period.start.weekday())
    while monday <= period.end:
        out.append((monday, max(monday, period.start), min(monday + timedelta(days=6), period.end)))
        monday += timedelta(days=7)
    return out


def _week_rollup_keys(period: Period, school_ids: list[int] | None) -> dict[date, date]:
    """Monday → ActiveWeekly's `week` for the weeks of a period within one year whose people the rollup gives
    exactly: the week's days within its year all lie in the period, or those outside it had no one active
    (ActiveDaily; e.g. the days after today). Other weeks (clipped at the period's ends) are counted from the
    bitmaps."""
    keys, outside = {}, {}
    for monday, a, b in _weeks(period):
        first, last = week_of(a), week_end(week_of(a))
        keys[monday] = first
        ranges = [(lo, hi) for lo, hi in ((first, a - timedelta(days=1)), (b + timedelta(days=1), last)) if lo <= hi]
        if ranges:
            outside[monday] = ranges
    if outside:
        cond = Q(pk__in=[])
        for ranges in outside.values():
            for lo, hi in ranges:
                cond |= Q(day__range=(lo, hi))
        qs = ActiveDaily.objects.filter(cond, n__gt=0)
        if school_ids is not None:
            qs = qs.filter(school_id__in=school_ids)
        busy = set(qs.values_list("day", flat=True).distinct())
        for monday, ranges in outside.items():
            if any(lo <= _as_date(d) <= hi for d in busy for lo, hi in ranges):
                del keys[monday]
    return keys


def people_active(period: Period, *, school_ids: list[int] | None = None) -> PeopleActive:
    """Active people of the period, in one scan of ActorYear: a row is a person at a school in a role group
    in one year, so within one year a plain count per group is exact. Per week: the ActiveWeekly rollup
    (a few hundred rows), and, for a week clipped by the period that the rollup does not give exactly, one
    more sum in the same scan."""
    qs = ActorYear.objects.filter(active_in(period))
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    if period.start.year != period.end.year:  # a person may have a row in each year: count them once
        rows = qs.values("school_id", "role").annotate(n=Count("actor_id", distinct=True))
        return PeopleActive({(r["school_id"], r["role"]): r["n"] for r in rows}, None)
    rolled = _week_rollup_keys(period, school_ids)
    clipped = [(w, a, b) for w, a, b in _weeks(period) if w not in rolled]
    rows = list(qs.values("school_id", "role").annotate(
        n=Count("id"), **{f"w{i}": Sum(Case(When(_active_between(a, b), then=Value(1)), default=Value(0)))
                          for i, (_w, a, b) in enumerate(clipped)}))
    per_week = {w: sum(int(r[f"w{i}"] or 0) for r in rows) for i, (w, _a, _b) in enumerate(clipped)}
    if rolled:
        weekly = ActiveWeekly.objects.filter(week__in=set(rolled.values()))
        if school_ids is not None:
            weekly = weekly.filter(school_id__in=school_ids)
        by_key = {_as_date(k): int(n or 0) for k, n in weekly.values("week").annotate(n=Sum("n")).values_list("week", "n")}
        per_week.update({w: by_key.get(k, 0) for w, k in rolled.items()})
    return PeopleActive({(r["school_id"], r["role"]): r["n"] for r in rows}, per_week)


def weekly_trend(period: Period, *, school_ids: list[int] | None = None,
                 people: PeopleActive | None = None) -> list[dict]:
    """[{week (Monday), visits, active}] — active users counted once per week (per school and role group,
    as in the school table). `people`: from `people_active` over the same schools, if already counted."""
    sd = SchoolDaily.objects.filter(day__range=(period.start, period.end))
    if school_ids is not None:
        sd = sd.filter(school_id__in=school_ids)
    visits = {_as_date(r["w"]): r["n"] for r in sd.annotate(w=TruncWeek("day")).values("w").annotate(n=Sum("n"))}
    weeks = sorted(visits)
    if period.start.year == period.end.year:
        per_week = (people or people_active(period, school_ids=school_ids)).per_week
        return [{"week": w, "visits": int(visits[w] or 0), "active": per_week.get(w, 0)} for w in weeks]
    people_qs = ActorYear.objects.filter(active_in(period))
    if school_ids is not None:
        people_qs = people_qs.filter(school_id__in=school_ids)
    spans = [(max(w, period.start), min(w + timedelta(days=6), period.end)) for w in weeks]
    # Every week in one pass over the people active in the period: a row is a person in one year.
    totals = people_qs.aggregate(**{f"w{i}": Sum(Case(When(_active_between(a, b), then=Value(1)),
                                                          default=Value(0)))
                                    for i, (a, b) in enumerate(spans)}) if spans else {}
    out = []
    for i, (w, (a, b)) in enumerate(zip(weeks, spans, strict=True)):
        active = int(totals.get(f"w{i}") or 0)
        if a.year != b.year:  # a week across New Year: someone active on both sides was counted twice
            dec, jan = _active_between(a, date(a.year, 12, 31)), _active_between(date(b.year, 1, 1), b)
            before = ActorYear.objects.filter(dec, actor_id=OuterRef("actor_id"), school_id=OuterRef("school_id"),
                                              role=OuterRef("role"))
            active -= people_qs.filter(jan).filter(Exists(before)).count()
        out.append({"week": w, "visits": int(visits.get(w, 0) or 0), "active": active})
    return out


def _as_date(v) -> date:
    return v.date() if hasattr(v, "date") and callable(v.date) else v


def hourly_profile(period: Period, *, school_ids: list[int] | None = None) -> list[int]:
    """Visits by hour of day (0–23) over the period."""
    if school_ids is None:
        qs = DistrictHourly.objects.filter(day__range=(period.start, period.end))
    else:
        qs = HourlyCount.objects.filter(day__range=(period.start, period.end), school_id__in=school_ids)
    by_hour = dict(qs.values("hour").annotate(n=Sum("n")).values_list("hour", "n"))
    return [int(by_hour.get(h, 0) or 0) for h in range(24)]


def district_schools(district: OrgNode) -> list[OrgNode]:
    return list(OrgNode.objects.filter(kind=NodeKind.SCHOOL, path__startswith=district.path, is_active=True)
                .order_by("path"))


DIMENSION_ORDER = [d for d, _label in DIMENSIONS]


# --- caching ---------------------------------------------------------------------------------------------

@dataclass
class Figures:
    """A page's figures and the rollup time they were computed from ("数据更新于")."""
    value: object
    as_of: object  # datetime of the rollup checkpoint, or None before the first rollup
    marker: tuple = ()
    computed_at: float = 0.0


ORG_VERSION_KEY = "cockpit:org-version"


def _bump_org_version() -> None:
    from django.core.cache import cache

    try:
        cache.incr(ORG_VERSION_KEY)
    except ValueError:
        cache.set(ORG_VERSION_KEY, 1, None)


def bump_org_version(**_kwargs) -> None:
    """Receiver of Role and OrgNode saves and deletes (connected in CockpitConfig.ready): the figures'
    stamp changes at once, without counting the district's roles on every page. Once per transaction,
    after it commits (a roster import revoking thousands of roles bumps once)."""
    from django.db import transaction

    conn = transaction.get_connection()
    if conn.in_atomic_block and any(entry[1] is _bump_org_version for entry in conn.run_on_commit):
        return
    transaction.on_commit(_bump_org_version)


def _config_stamp() -> str:
    """Changes whenever the meaning of a figure could: the bureau's config, the org tree, roles.

    Read from indexes only (the newest row of each table, never a count of the district's rows): a new
    role or node raises the largest id (bulk inserts included), an edited node its `updated_at`, and
    every save or delete through the ORM bumps the org version (`bump_org_version`)."""
    from django.core.cache import cache
    from django.db.models import Max

    cfg = IndicatorConfig.objects.aggregate(m=Max("updated_at"), c=Count("id"))
    rules = IndexSettings.objects.aggregate(m=Max("updated_at"))
    org = OrgNode.objects.aggregate(m=Max("updated_at"), top=Max("id"))
    roles = Role.objects.aggregate(top=Max("id"))
    return repr((cfg, rules, org, roles, cache.get(ORG_VERSION_KEY, 0)))


_UNREAD = object()


def cached(key: str, compute, *, refresh: bool = False, checkpoint=_UNREAD) -> Figures:
    """`compute()` cached under `key`. A configuration or org change recomputes at once; new rollup data
    recomputes once the cached figures are older than ZHIJIAO_COCKPIT_MAX_AGE_SECONDS (a district-wide
    page at design size takes many seconds, and the rollup moves every minute while people work).
    `checkpoint`: the rollup checkpoint (or None) when the caller has just read it."""
    import hashlib
    import time

    from django.conf import settings
    from django.core.cache import cache

    from zhijiao.cockpit.models import RollupCheckpoint

    if checkpoint is _UNREAD:
        checkpoint = RollupCheckpoint.objects.filter(name="statements").first()
    cp = (checkpoint.last_stored, checkpoint.last_id, checkpoint.full_at, checkpoint.updated_at) if checkpoint else None
    marker, as_of = (cp[:3], cp[3]) if cp else ((), None)
    full = "cockpit:" + hashlib.sha1(f"{key}|{_config_stamp()}".encode()).hexdigest()
    max_age = settings.ZHIJIAO_COCKPIT_MAX_AGE_SECONDS
    entry = None if refresh else cache.get(full)
    if entry is not None and (entry.marker == marker or time.time() - entry.computed_at < max_age):
        return entry
    entry = Figures(compute(), as_of, marker, time.time())
    cache.set(full, entry, max(max_age, 3600))
    return entry


def district_page_figures(district: OrgNode, period: Period, *, refresh: bool = False,
                          checkpoint=_UNREAD) -> Figures:
    """(school figures, indicator figures, daily, weekly, hourly) for the district page."""
    def compute():
        people = people_active(period)  # one scan for the school table and the weekly trend
        figs, scores = school_figures(district_schools(district), period, with_teachers=True, people=people)
        return (figs, indicator_figures(scores, period), daily_trend(period), weekly_trend(period, people=people),
                hourly_profile(period))

    return cached(f"district:{district.pk}:{period.start}:{period.end}", compute, refresh=refresh,
                  checkpoint=checkpoint)


def school_page_figures(school: OrgNode, period: Period, *, refresh: bool = False,
                        checkpoint=_UNREAD) -> Figures:
    """(school figures, teacher scores, daily, weekly, hourly) for one school's page."""
    def compute():
        ids = [school.pk]
        people = people_active(period, school_ids=ids)
        figs, scores = school_figures([school], period, with_teachers=True, people=people)
        return (figs[0], scores, daily_trend(period, school_ids=ids),
                weekly_trend(period, school_ids=ids, people=people), hourly_profile(period, school_ids=ids))

    return cached(f"school:{school.pk}:{period.start}:{period.end}", compute, refresh=refresh,
                  checkpoint=checkpoint)


def default_periods() -> list[Period]:
    """The periods the cockpit's tabs offer (what `warm` computes ahead)."""
    return [period_from({"period": key})[0] for key, _label in PERIOD_CHOICES]
