"""Permission matrix for accounts: login, the org API, management pages, the audit log.

Every management endpoint has at least: the right admin allowed, an admin of ANOTHER school denied
(404: the node or person does not exist for them), and a teacher denied (403). The existing read
endpoints also show cross-school, cross-class and cross-family denial.
"""

from tests.matrix import ANONYMOUS, Case
from zhijiao.demo.logins import DEMO_PASSWORD

STUDENT_FORBIDDEN = frozenset({401, 403, 404})
OTHER_ADMIN = "admin0002"  # school admin of the second demo school


# --- look-ups used by the cases (the small demo district) -------------------------------------------------

def _grade(w, school_index=0):
    from zhijiao.core.models import NodeKind, OrgNode

    return OrgNode.objects.filter(parent=w.school(school_index), kind=NodeKind.GRADE).order_by("grade_level").first()


def _untaught_class(w):
    """A class of the first school that laoshi neither heads nor teaches."""
    from zhijiao.accounts.models import Role
    from zhijiao.core.models import NodeKind, OrgNode

    taught = Role.objects.filter(user=w.user("laoshi")).values_list("node_id", flat=True)
    return (OrgNode.objects.filter(kind=NodeKind.CLASS, path__startswith=w.school(0).path)
            .exclude(pk__in=list(taught)).order_by("path").first())


def _student_in(node):
    from zhijiao.accounts.models import RoleKind, User

    return User.objects.filter(roles__kind=RoleKind.STUDENT, roles__node=node).order_by("pk").first()


def _other_school_student(w):
    return _student_in(w.other_school_class())


def _second_child(w):
    """jiazhang's child in the second school."""
    from zhijiao.accounts.models import RoleKind

    roles = w.user("jiazhang").roles.filter(kind=RoleKind.PARENT).select_related("child", "node")
    return next(r.child for r in roles if not r.node.path.startswith(w.school(0).path))


def _subject_role(w, username="laoshi"):
    from zhijiao.accounts.models import RoleKind

    return w.user(username).roles.filter(kind=RoleKind.SUBJECT_TEACHER).order_by("pk").first()


def _person(username):
    return lambda w: w.user(username).pk


def _url(pattern, *args):
    """A URL builder: each arg is a constant or a callable(world)."""
    return lambda w: pattern.format(*[a(w) if callable(a) else a for a in args])


MANAGE = "/accounts/manage"

CASES = [
    Case("web:home", lambda w: "/", allowed="xuesheng", denied=None, note="any signed-in user"),
    Case("accounts:password_change", lambda w: "/accounts/password/", allowed="jiazhang", denied=None),
    Case("accounts:password_change", lambda w: "/accounts/password/", method="POST", data=lambda w: {
        "old_password": DEMO_PASSWORD, "new_password": "矩阵-New-Pass-7", "new_password2": "矩阵-New-Pass-7"},
         allowed="jiazhang", denied=ANONYMOUS, allowed_status=frozenset({302}), note="one's own password only"),
    Case("GET /api/v1/auth/me", lambda w: "/api/v1/auth/me", allowed="laoshi", denied=None, api=True),
    Case("GET /api/v1/org/classes", lambda w: "/api/v1/org/classes", allowed="xuesheng", denied=None, api=True),
    Case("GET /api/v1/org/schools", lambda w: "/api/v1/org/schools", allowed="qu_admin", denied=None, api=True),
    Case("GET /api/v1/org/classes/{class_id}/students",
         lambda w: f"/api/v1/org/classes/{w.class_of('xuesheng').pk}/students",
         allowed="laoshi", denied="xuesheng", api=True, note="roster: teachers yes, classmates no"),
    Case("GET /api/v1/org/classes/{class_id}/students",
         lambda w: f"/api/v1/org/classes/{w.other_school_class().pk}/students",
         allowed="qu_admin", denied="xiao_admin", api=True, note="another school's class"),
    Case("GET /api/v1/org/students/{student_id}",
         lambda w: f"/api/v1/org/students/{w.user('xuesheng').pk}",
         allowed="jiazhang", denied="s0000002", api=True, note="parent yes; a classmate no"),

    # --- cross-school, cross-class, cross-family on the existing read endpoints ---------------------------
    Case("GET /api/v1/org/classes/{class_id}/students",
         lambda w: f"/api/v1/org/classes/{w.other_school_class().pk}/students",
         allowed=OTHER_ADMIN, denied="laoshi", api=True, note="cross-school: a teacher of school 1"),
    Case("GET /api/v1/org/students/{student_id}", lambda w: f"/api/v1/org/students/{_other_school_student(w).pk}",
         allowed=OTHER_ADMIN, denied="xiao_admin", api=True, note="cross-school: another school's student"),
    Case("GET /api/v1/org/classes/{class_id}/students",
         lambda w: f"/api/v1/org/classes/{_untaught_class(w).pk}/students",
         allowed="xiao_admin", denied="laoshi", api=True, note="cross-class: a class laoshi does not teach"),
    Case("GET /api/v1/org/students/{student_id}",
         lambda w: f"/api/v1/org/students/{_student_in(_untaught_class(w)).pk}",
         allowed="xiao_cio", denied="laoshi", api=True, note="cross-class: a student laoshi does not teach"),
    Case("GET /api/v1/org/students/{student_id}", lambda w: f"/api/v1/org/students/{w.user('s0000002').pk}",
         allowed="laoshi", denied="jiazhang", api=True, note="cross-family: a classmate of the parent's child"),
    Case("GET /api/v1/org/students/{student_id}", lambda w: f"/api/v1/org/students/{_second_child(w).pk}",
         allowed="jiazhang", denied="laoshi", api=True, note="cross-family: the parent's child at another school"),

    # --- management pages ---------------------------------------------------------------------------------
    Case("accounts:manage_org", lambda w: f"{MANAGE}/org/", allowed="xiao_admin", denied="laoshi"),
    Case("accounts:manage_org", lambda w: f"{MANAGE}/org/", allowed="qu_admin", denied="duxue",
         note="supervisors read, they do not manage"),
    Case("accounts:manage_node", _url(MANAGE + "/org/{}/", lambda w: w.school(0).pk),
         allowed="xiao_admin", denied=OTHER_ADMIN),
    Case("accounts:manage_node", _url(MANAGE + "/org/{}/", lambda w: w.school(0).pk),
         allowed="qu_admin", denied="laoshi"),
    Case("accounts:manage_node_add", _url(MANAGE + "/org/{}/add/", lambda w: _grade(w).pk), method="POST",
         data=lambda w: {"name": "一年级(9)班"}, allowed="xiao_admin", denied=OTHER_ADMIN, note="new class"),
    Case("accounts:manage_node_add", _url(MANAGE + "/org/{}/add/", lambda w: _grade(w).pk), method="POST",
         data=lambda w: {"name": "一年级(9)班"}, allowed="xiao_cio", denied="laoshi", note="new class"),
    Case("accounts:manage_node_add", lambda w: f"{MANAGE}/org/{w.ctx.district.pk}/add/", method="POST",
         data=lambda w: {"name": "成都市新建小学", "school_type": "primary", "ownership": "public"},
         allowed="qu_admin", denied="xiao_admin", note="new school: district admins only"),
    Case("accounts:manage_node_edit", _url(MANAGE + "/org/{}/edit/", lambda w: w.class_of("xuesheng").pk),
         allowed="xiao_admin", denied=OTHER_ADMIN),
    Case("accounts:manage_node_edit", _url(MANAGE + "/org/{}/edit/", lambda w: w.class_of("xuesheng").pk),
         method="POST", data=lambda w: {"name": "一年级(1)班·改"}, allowed="xiao_cio", denied="laoshi"),
    Case("accounts:manage_node_edit", _url(MANAGE + "/org/{}/edit/", lambda w: w.school(0).pk),
         allowed="qu_admin", denied="xiao_admin", note="school attributes belong to the district"),
    Case("accounts:manage_node_active", _url(MANAGE + "/org/{}/active/", lambda w: w.class_of("xuesheng").pk),
         method="POST", data=lambda w: {"active": "0"}, allowed="xiao_admin", denied=OTHER_ADMIN),
    Case("accounts:manage_node_active", _url(MANAGE + "/org/{}/active/", lambda w: w.class_of("xuesheng").pk),
         method="POST", data=lambda w: {"active": "0"}, allowed="qu_admin", denied="laoshi"),
    Case("accounts:manage_people", lambda w: f"{MANAGE}/people/", allowed="xiao_admin", denied="laoshi"),
    Case("accounts:manage_people", lambda w: f"{MANAGE}/people/", method="POST", data=lambda w: {"q": "laoshi"},
         allowed="xiao_cio", denied="jiazhang"),
    Case("accounts:manage_person", _url(MANAGE + "/people/{}/", _person("laoshi2")),
         allowed="xiao_admin", denied=OTHER_ADMIN),
    Case("accounts:manage_person", _url(MANAGE + "/people/{}/", _person("xuesheng")),
         allowed="qu_admin", denied="laoshi"),
    Case("accounts:manage_person_reveal", _url(MANAGE + "/people/{}/reveal/", _person("laoshi2")), method="POST",
         allowed="xiao_admin", denied=OTHER_ADMIN),
    Case("accounts:manage_person_reveal", _url(MANAGE + "/people/{}/reveal/", _person("laoshi2")), method="POST",
         allowed="xiao_cio", denied="laoshi"),
    Case("accounts:manage_role_grant", _url(MANAGE + "/people/{}/roles/", _person("laoshi2")), method="POST",
         data=lambda w: {"kind": "subject_teacher", "node": w.class_of("xuesheng").pk, "subject": "书法"},
         allowed="xiao_admin", denied=OTHER_ADMIN),
    Case("accounts:manage_role_grant", _url(MANAGE + "/people/{}/roles/", _person("laoshi2")), method="POST",
         data=lambda w: {"kind": "subject_teacher", "node": w.class_of("xuesheng").pk, "subject": "书法"},
         allowed="qu_admin", denied="laoshi"),
    Case("accounts:manage_role_revoke",
         _url(MANAGE + "/people/{}/roles/{}/revoke/", _person("laoshi"), lambda w: _subject_role(w).pk),
         method="POST", allowed="xiao_admin", denied=OTHER_ADMIN),
    Case("accounts:manage_role_revoke",
         _url(MANAGE + "/people/{}/roles/{}/revoke/", _person("laoshi"), lambda w: _subject_role(w).pk),
         method="POST", allowed="xiao_cio", denied="laoshi2"),
    Case("accounts:manage_person_active", _url(MANAGE + "/people/{}/active/", _person("s0000002")), method="POST",
         data=lambda w: {"active": "0"}, allowed="xiao_admin", denied=OTHER_ADMIN),
    Case("accounts:manage_person_active", _url(MANAGE + "/people/{}/active/", _person("s0000002")), method="POST",
         data=lambda w: {"active": "0"}, allowed="xiao_admin", denied="laoshi"),
    Case("accounts:manage_password_reset", _url(MANAGE + "/people/{}/password/", _person("laoshi2")),
         method="POST", allowed="xiao_admin", denied=OTHER_ADMIN),
    Case("accounts:manage_password_reset", _url(MANAGE + "/people/{}/password/", _person("laoshi2")),
         method="POST", allowed="qu_admin", denied="laoshi"),
    Case("accounts:audit_log", lambda w: "/accounts/audit/", allowed="qu_admin", denied="laoshi"),
    Case("accounts:audit_log", lambda w: "/accounts/audit/", allowed="xiao_cio", denied="duxue"),
    Case("accounts:audit_export", lambda w: "/accounts/audit/export.xlsx", allowed="xiao_admin", denied="xuesheng"),
    Case("accounts:audit_export", lambda w: "/accounts/audit/export.xlsx", allowed="qu_admin", denied="jiazhang"),

    # --- admins' API --------------------------------------------------------------------------------------
    Case("GET /api/v1/org/people", lambda w: "/api/v1/org/people", allowed="xiao_admin", denied="laoshi", api=True),
    Case("GET /api/v1/org/people", lambda w: "/api/v1/org/people", allowed="qu_admin", denied="jiazhang", api=True),
    Case("POST /api/v1/org/classes", lambda w: "/api/v1/org/classes", method="POST", json=True, api=True,
         data=lambda w: {"grade_id": _grade(w).pk, "name": "一年级(9)班"}, allowed="xiao_admin", denied=OTHER_ADMIN,
         note="a grade of another school does not exist for them"),
    Case("POST /api/v1/org/classes", lambda w: "/api/v1/org/classes", method="POST", json=True, api=True,
         data=lambda w: {"grade_id": _grade(w).pk, "name": "一年级(9)班"}, allowed="qu_admin", denied="laoshi"),
    Case("POST /api/v1/org/people/{person_id}/reset-password",
         _url("/api/v1/org/people/{}/reset-password", _person("laoshi2")), method="POST", api=True,
         allowed="xiao_admin", denied=OTHER_ADMIN),
    Case("POST /api/v1/org/people/{person_id}/reset-password",
         _url("/api/v1/org/people/{}/reset-password", _person("laoshi2")), method="POST", api=True,
         allowed="xiao_cio", denied="laoshi"),
]

# Endpoints with no per-role rule: public by design.
EXEMPT = {
    "healthz": "liveness probe, no data",
    "accounts:login": "the login form is public",
    "accounts:logout": "POST-only; logs out whoever asks",
    "POST /api/v1/auth/token": "token login, public by design (credentials checked)",
}

# Writes with no one else to deny: the signed-in user changes only their own (a visitor is refused).
EXEMPT_WRITES = {
    "accounts:password_change": "changes the signed-in user's own password only (the old one is required), so "
                                "there is nobody else's to deny; a visitor is refused (ANONYMOUS write case)",
}

# Roster import (花名册导入): its cases live beside it.
from zhijiao.accounts.tests.matrix_roster import CASES as _ROSTER_CASES  # noqa: E402

CASES += _ROSTER_CASES
