"""Builds the demo district: deterministic (seeded), realistic, and fast enough for the design point.

`small` is a few schools and a few hundred students, built in seconds. `district` is the Chenghua
design point (266 school sites, ~150,000 students, ~10,000 teachers, ~110,000 parents), built with
bulk inserts in minutes. Other apps add their demo data (catalog, resources, homework, activity)
through `DEMO_EXTENSIONS` hooks run after the people exist.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.module_loading import import_string

from zhijiao.accounts.models import Role, RoleKind, User
from zhijiao.core.cache import SCOPE, generation_bump
from zhijiao.core.models import (
    GRADE_NAMES,
    SCHOOL_TYPE_GRADES,
    NodeKind,
    OrgNode,
    Ownership,
    SchoolType,
    child_path,
)
from zhijiao.demo import bulk, names
from zhijiao.demo.logins import DEMO_PASSWORD


@dataclass(frozen=True)
class DemoSize:
    # counts of schools by type, in build order
    schools: tuple[tuple[str, int], ...]
    classes_per_grade: int
    students_per_class: int
    teachers_per_school: int
    sibling_share: float  # share of parents with two children
    campuses_every: int  # every n-th school has a second campus (校点)


SIZES = {
    "small": DemoSize(
        schools=(("primary", 2), ("junior", 1), ("nine_year", 1), ("senior", 1)),
        classes_per_grade=2, students_per_class=12, teachers_per_school=14, sibling_share=0.25,
        campuses_every=3,
    ),
    "district": DemoSize(
        schools=(("primary", 150), ("junior", 60), ("nine_year", 25), ("senior", 20), ("complete_secondary", 8),
                 ("twelve_year", 3)),
        classes_per_grade=3, students_per_class=35, teachers_per_school=36, sibling_share=0.38,
        campuses_every=7,
    ),
}

# Hooks other apps register (in AppConfig.ready) to add their demo data after the people exist:
# (order, dotted path of a callable(ctx: DemoContext)). Order: catalog 10, resources 20, search 25,
# questions 30, homework 40, learning 50, records/activity 60, cockpit 70.
DEMO_EXTENSIONS: list[tuple[int, str]] = []


def register_demo_extension(dotted: str, *, order: int) -> None:
    if all(d != dotted for _, d in DEMO_EXTENSIONS):
        DEMO_EXTENSIONS.append((order, dotted))


@dataclass
class DemoContext:
    size: str
    rng: random.Random
    district: OrgNode
    schools: list[OrgNode]
    progress: Callable[[str], None]
    # tqdm-like factory for progress bars (None: no bars): extensions pass it to `demo.bulk.progress_bar`.
    tqdm_factory: Callable | None = None
    # (phase, seconds) in build order: the org tree, accounts, roles, then each extension.
    timings: list[tuple[str, float]] = field(default_factory=list)


class _Clock:
    def __init__(self, timings: list[tuple[str, float]]):
        self.timings = timings
        self.mark = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.timings.append((phase, now - self.mark))
        self.mark = now


@transaction.atomic
def build_demo(*, size: str = "small", seed: int = 2026, progress=None, tqdm_factory=None,
               extensions: bool = True) -> DemoContext:
    if OrgNode.objects.exists():
        raise RuntimeError("the database already holds an org tree; the demo builds only into an empty one")
    spec = SIZES[size]
    timings: list[tuple[str, float]] = []
    clock = _Clock(timings)
    rng = random.Random(seed)
    say = progress or (lambda msg: None)
    generation_bump(SCOPE)  # a cache (Redis) may still hold scopes of an earlier database's people
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: argon2 per account would take minutes

    region = OrgNode.objects.create(kind=NodeKind.REGION, name="成都市", code="5101", path=child_path("", 1), depth=0)
    district = OrgNode.objects.create(kind=NodeKind.DISTRICT, name="成华区", code="510108", parent=region,
                                      path=child_path(region.path, 1), depth=1)

    # --- schools, campuses, grades, classes -------------------------------------------------------
    school_specs = []
    used = set()
    for school_type, count in spec.schools:
        for _ in range(count):
            for attempt in range(1000):
                place = rng.choice(names.PLACES)
                label = f"成都市{place}{names.SCHOOL_SUFFIX[school_type]}"
                if attempt > 20:
                    label = f"成都市{place}{names.SCHOOL_SUFFIX[school_type]}（{'东西南北中'[attempt % 5]}区{attempt // 5}）"
                if label not in used:
                    used.add(label)
                    break
            school_specs.append((school_type, label))
    schools = []
    for i, (school_type, label) in enumerate(school_specs, start=1):
        ownership = Ownership.PRIVATE if i % 9 == 0 else Ownership.PUBLIC
        schools.append(OrgNode(kind=NodeKind.SCHOOL, name=label, code=f"51010800{i:04d}", parent=district,
                               path=child_path(district.path, i), depth=2, school_type=school_type,
                               ownership=ownership))
    bulk.insert(OrgNode, schools)
    schools = list(OrgNode.objects.filter(kind=NodeKind.SCHOOL).order_by("path"))
    say(f"{len(schools)} schools")

    campuses, grades = [], []
    for i, school in enumerate(schools, start=1):
        n = 0
        if i % spec.campuses_every == 0:
            for campus_name in ("本部", "分校区"):
                n += 1
                campuses.append(OrgNode(kind=NodeKind.CAMPUS, name=campus_name, parent=school,
                                        path=child_path(school.path, n), depth=3))
        for level in SCHOOL_TYPE_GRADES[SchoolType(school.school_type)]:
            n += 1
            grades.append(OrgNode(kind=NodeKind.GRADE, name=GRADE_NAMES[level], parent=school, grade_level=level,
                                  path=child_path(school.path, n), depth=3))
    bulk.insert(OrgNode, campuses + grades)
    campus_by_school: dict[int, list[OrgNode]] = {}
    for c in OrgNode.objects.filter(kind=NodeKind.CAMPUS):
        campus_by_school.setdefault(c.parent_id, []).append(c)
    grade_nodes = list(OrgNode.objects.filter(kind=NodeKind.GRADE).order_by("path"))
    classes = []
    for g in grade_nodes:
        campus_list = campus_by_school.get(g.parent_id, [])
        for k in range(1, spec.classes_per_grade + 1):
            classes.append(OrgNode(kind=NodeKind.CLASS, name=names.class_name(g.name, k), parent=g,
                                   grade_level=g.grade_level, path=child_path(g.path, k), depth=4,
                                   campus=campus_list[(k - 1) % len(campus_list)] if campus_list else None))
    bulk.insert(OrgNode, classes)
    say(f"{len(classes)} classes")

    classes_by_school: dict[str, list[OrgNode]] = {}
    for c in OrgNode.objects.filter(kind=NodeKind.CLASS).order_by("path"):
        classes_by_school.setdefault(c.path[:21], []).append(c)

    # --- people -------------------------------------------------------------------------------------
    # Rows as dicts of field values (a model instance per row would cost more than writing it).
    users: list[dict] = []
    roles: list[tuple[int, str, int, str, int | None, str]] = []  # (user idx, kind, node id, subject, child idx, rel)
    used_phones: set[str] = set()

    def new_user(username, name, **kw) -> int:
        users.append({"username": username, "name": name, "password": password_hash, "must_change_password": False,
                      **kw})
        return len(users) - 1

    def new_phone() -> str:
        while True:
            p = names.phone(rng)
            if p not in used_phones:
                used_phones.add(p)
                return p

    def role(u, kind, node, subject="", child=None, relation=""):
        roles.append((u, kind, node.pk, subject, child, relation))

    # District-level accounts.
    role(new_user("qu_admin", "成华区教育局信息中心", staff_number="QJ0001"), RoleKind.DISTRICT_ADMIN, district)
    role(new_user("duxue", names.person_name(rng), staff_number="QJ0002"), RoleKind.SUPERVISOR, district)

    student_idx_by_class: dict[int, list[int]] = {}
    seq_t = seq_s = 0
    iterator = schools if tqdm_factory is None else tqdm_factory(schools, desc="学校 schools", unit="校")
    for si, school in enumerate(iterator, start=1):
        klasses = classes_by_school.get(school.path, [])
        # school admin and CIO (the first school's are the documented demo logins)
        admin = new_user("xiao_admin" if si == 1 else f"admin{si:04d}", names.person_name(rng),
                         staff_number=f"{si:04d}A1")
        role(admin, RoleKind.SCHOOL_ADMIN, school)
        role(admin, RoleKind.TEACHER, school)
        cio = new_user("xiao_cio" if si == 1 else f"cio{si:04d}", names.person_name(rng), staff_number=f"{si:04d}A2")
        role(cio, RoleKind.CIO, school)
        role(cio, RoleKind.TEACHER, school)
        # teachers: each gets a subject; head teachers and subject teaching spread over classes
        primary = school.school_type in ("primary",)
        subjects = names.SUBJECTS_PRIMARY if primary else names.SUBJECTS_SECONDARY
        teachers = []
        for t in range(spec.teachers_per_school):
            seq_t += 1
            username = {(1, 0): "laoshi", (1, 1): "laoshi2"}.get((si, t), f"t{seq_t:06d}")
            subject = "数学" if username == "laoshi" else "语文" if username == "laoshi2" else subjects[t % len(subjects)]
            u = new_user(username, names.person_name(rng), phone=new_phone(), staff_number=f"{si:04d}{t + 1:03d}",
                         gender=rng.choice("MF"))
            role(u, RoleKind.TEACHER, school)
            teachers.append((u, subject))
        by_subject: dict[str, list[int]] = {}
        for u, subject in teachers:
            by_subject.setdefault(subject, []).append(u)
        for ci, klass in enumerate(klasses):
            head, _ = teachers[ci % len(teachers)]
            role(head, RoleKind.HEAD_TEACHER, klass)
            for subject in ("语文", "数学", "英语"):
                if subject == "英语" and (klass.grade_level or 0) < 3:
                    continue  # English starts in grade 3
                pool = by_subject.get(subject) or [teachers[0][0]]
                role(pool[ci % len(pool)], RoleKind.SUBJECT_TEACHER, klass, subject)
            # students
            members = []
            for _ in range(spec.students_per_class):
                seq_s += 1
                username = "xuesheng" if (si == 1 and ci == 0 and not members) else f"s{seq_s:07d}"
                u = new_user(username, names.person_name(rng), student_number=f"G5101080{seq_s:010d}",
                             gender=rng.choice("MF"))
                role(u, RoleKind.STUDENT, klass)
                members.append(u)
            student_idx_by_class[klass.pk] = members

    # Parents: most children have one parent account; some parents have two children (siblings), who
    # may study at different schools.
    all_students = [(cid, u) for cid, members in student_idx_by_class.items() for u in members]
    order = list(range(len(all_students)))
    rng.shuffle(order)
    seq_p = 0
    i = 0
    jiazhang_done = False
    first_student = next((k for k, (_, u) in enumerate(all_students) if users[u]["username"] == "xuesheng"), None)
    school_path_of_class = {c.pk: path for path, cs in classes_by_school.items() for c in cs}
    second_school_student = None
    if len(schools) > 1:
        second_school_student = next(
            (k for k, (cid, _u) in enumerate(all_students) if school_path_of_class[cid] == schools[1].path), None)
    if first_student is not None:
        # the documented parent: xuesheng and one child in the second school
        seq_p += 1
        p = new_user("jiazhang", names.person_name(rng), phone=new_phone(), gender="F")
        for k in (first_student, second_school_student):
            if k is not None:
                cid, u = all_students[k]
                role(p, RoleKind.PARENT, OrgNode(pk=cid), child=u, relation="母亲")
        jiazhang_done = True
    skip = {first_student, second_school_student} if jiazhang_done else set()
    order = [k for k in order if k not in skip]
    while i < len(order):
        seq_p += 1
        p = new_user(f"p{seq_p:07d}", names.person_name(rng), phone=new_phone(), gender=rng.choice("MF"))
        take = 2 if (rng.random() < spec.sibling_share and i + 1 < len(order)) else 1
        relation = rng.choice(names.RELATIONS)
        for k in order[i : i + take]:
            cid, u = all_students[k]
            role(p, RoleKind.PARENT, OrgNode(pk=cid), child=u, relation=relation)
        i += take

    clock.lap("org tree and people")
    say(f"{len(users)} accounts")
    with bulk.loading(User, Role):
        with bulk.progress_bar(tqdm_factory if len(users) > 5000 else None, len(users), "账号 accounts") as bar:
            pk_of = bulk.insert_dicts(User, users, tick=bar.update)
        clock.lap("accounts")
        with bulk.progress_bar(tqdm_factory if len(roles) > 10000 else None, len(roles), "角色 roles") as bar:
            bulk.insert_dicts(Role, [{"user_id": pk_of[u], "kind": kind, "node_id": node, "subject": subject,
                                      "child_id": pk_of[child] if child is not None else None, "relation": rel}
                                     for (u, kind, node, subject, child, rel) in roles], batch=10000, tick=bar.update)
    say(f"{len(roles)} roles")
    clock.lap("roles")

    ctx = DemoContext(size=size, rng=rng, district=district, schools=schools, progress=say,
                      tqdm_factory=tqdm_factory, timings=timings)
    for _order, dotted in sorted(DEMO_EXTENSIONS) if extensions else []:
        import_string(dotted)(ctx)
        clock.lap(dotted.split(".")[1])
    return ctx
