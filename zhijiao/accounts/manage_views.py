"""Management pages for school and district admins: schools and classes, people, the audit log.

Thin views (architecture section 4): every read goes through `accounts.selectors` (scoped by the acting
admin's `admin_paths`; another school's node or person is a 404), every write through an action in
`accounts.actions` (audited and recorded on the event trail). Teachers, students and parents get 403.
"""

from datetime import date
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from zhijiao.accounts import actions
from zhijiao.accounts.actions import ManageError, mask_identifier
from zhijiao.accounts.models import AuditAction, Role, RoleKind, User
from zhijiao.accounts.selectors import (
    access_admin_node,
    access_managed_person,
    admin_may_manage_account,
    audit_search,
    managed_classes_for,
    managed_districts,
    managed_schools,
    mask_phone,
    people_search,
    person_roles,
    require_admin,
    role_school_names,
    school_structure,
    school_summaries,
)
from zhijiao.core.files import append_row, new_workbook
from zhijiao.core.models import GRADE_NAMES, NodeKind, OrgNode, Ownership, SchoolType

PEOPLE_PER_PAGE = 20
SCHOOLS_PER_PAGE = 50
AUDIT_PER_PAGE = 50
AUDIT_EXPORT_MAX_ROWS = 20_000  # openpyxl writes ~5,000 rows a second here: a few seconds per export


def admin_view(view):
    """Signed in (else the login page), password no longer a temporary one (else the change form: the
    force-change middleware lets every /accounts/ page through), then the view, which checks the admin
    scope itself (teachers, students, parents: 403)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.must_change_password:
            return redirect("accounts:password_change")
        return view(request, *args, **kwargs)

    return wrapper


def _admin(request):
    return require_admin(request.user)


def _school_page_url(node: OrgNode) -> str:
    school = node.school()
    anchor = f"#node-{node.parent_id if node.kind == NodeKind.CLASS else node.pk}" if node.kind != NodeKind.SCHOOL else ""
    return reverse("accounts:manage_node", args=[school.pk]) + anchor if school else reverse("accounts:manage_org")


def _can_edit_school(scope, school: OrgNode) -> bool:
    """School attributes and campuses belong to the district: only an admin above the school edits them."""
    return school.parent is not None and scope.can_admin_node(school.parent)


# --- forms -----------------------------------------------------------------------------------------------

class SchoolForm(forms.Form):
    name = forms.CharField(label=_lazy("学校名称"), max_length=100)
    code = forms.CharField(label=_lazy("学校标识码"), max_length=40, required=False)
    school_type = forms.ChoiceField(label=_lazy("学校类型"), choices=SchoolType.choices)
    ownership = forms.ChoiceField(label=_lazy("办学性质"), choices=Ownership.choices)


class SchoolCreateForm(SchoolForm):
    with_grades = forms.BooleanField(label=_lazy("按学校类型建好年级"), required=False, initial=True)


class NameForm(forms.Form):
    name = forms.CharField(label=_lazy("名称"), max_length=100)


class GradeForm(forms.Form):
    grade_level = forms.TypedChoiceField(label=_lazy("年级"), coerce=int, choices=())

    def __init__(self, *args, school: OrgNode, **kwargs):
        super().__init__(*args, **kwargs)
        have = set(OrgNode.objects.filter(parent=school, kind=NodeKind.GRADE).values_list("grade_level", flat=True))
        self.fields["grade_level"].choices = [(n, label) for n, label in GRADE_NAMES.items() if n not in have]


class ClassForm(forms.Form):
    name = forms.CharField(label=_lazy("班级名称"), max_length=100)
    code = forms.CharField(label=_lazy("班级编号"), max_length=40, required=False)
    campus = forms.TypedChoiceField(label=_lazy("校点"), coerce=int, required=False, empty_value=None, choices=())

    def __init__(self, *args, grade: OrgNode, **kwargs):
        super().__init__(*args, **kwargs)
        campuses = OrgNode.objects.filter(parent_id=grade.parent_id, kind=NodeKind.CAMPUS).order_by("path")
        self.fields["campus"].choices = [("", _("（不指定）"))] + [(c.pk, c.name) for c in campuses]
        if not campuses:
            self.fields["campus"].widget = forms.HiddenInput()
        if not self.is_bound:
            n = OrgNode.objects.filter(parent=grade, kind=NodeKind.CLASS).count() + 1
            self.initial.setdefault("name", f"{grade.name}({n})班")


class PeopleSearchForm(forms.Form):
    q = forms.CharField(label=_lazy("姓名、账号、学籍号或手机号"), max_length=50, required=False)
    role = forms.ChoiceField(label=_lazy("角色"), required=False,
                             choices=[("", _lazy("全部角色"))] + list(RoleKind.choices))
    school = forms.TypedChoiceField(label=_lazy("学校"), coerce=int, required=False, empty_value=None, choices=())

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", _("全部学校"))] + [(s.pk, s.name) for s in schools]


class RoleGrantForm(forms.Form):
    kind = forms.ChoiceField(label=_lazy("角色"), choices=())
    node = forms.TypedChoiceField(label=_lazy("班级或学校"), coerce=int, required=False, empty_value=None, choices=())
    subject = forms.CharField(label=_lazy("任教学科（任课教师）"), max_length=20, required=False,
                              widget=forms.TextInput(attrs={"list": "subject-list"}))
    student_number = forms.CharField(label=_lazy("孩子的学籍号（家长）"), max_length=32, required=False)
    relation = forms.CharField(label=_lazy("关系（家长）"), max_length=10, required=False,
                               widget=forms.TextInput(attrs={"list": "relation-list"}))

    def __init__(self, *args, admin: User, person: User, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = actions.grantable_kinds(admin)
        self.fields["kind"].choices = [(k, RoleKind(k).label) for k in kinds]
        classes = list(managed_classes_for(admin, person)[:3000])
        schools = [s for s in managed_schools(admin)
                   if Role.objects.filter(user=person, node__path__startswith=s.path).exists()]
        choices = [("", _("（选择）"))]
        if schools:
            choices.append((_("学校（教师、学校管理员）"), [(s.pk, s.name) for s in schools]))
        if classes:
            multi = len(schools) > 1
            school_name = {s.path: s.name for s in schools}
            choices.append((_("班级（班主任、任课教师）"), [
                (c.pk, f"{school_name.get(c.path[:21], '')} {c.name}" if multi else c.name) for c in classes]))
        self.fields["node"].choices = choices


def _apply_error(form: forms.Form, exc: ManageError, mapping: dict | None = None) -> None:
    field = (mapping or {}).get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


# --- schools, campuses, grades, classes ----------------------------------------------------------------

@admin_view
def manage_org(request):
    """District admin: the district's schools; school admin / CIO: their school's grades and classes."""
    scope = _admin(request)
    districts = list(managed_districts(request.user))
    schools = managed_schools(request.user)
    if not districts and schools.count() == 1:
        return _render_school(request, scope, schools.first())
    q = request.GET.get("q", "").strip()[:50]
    if q:
        schools = schools.filter(name__icontains=q)
    page = Paginator(schools, SCHOOLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/manage/org_district.html", {
        "tab": "org", "districts": districts, "rows": school_summaries(page.object_list), "page": page, "q": q,
        "query": urlencode({"q": q}) if q else "",
        "form": SchoolCreateForm(initial={"with_grades": True, "ownership": Ownership.PUBLIC}),
    })


@admin_view
def manage_node(request, node_id: int):
    """One school's page (a grade, class or campus id shows its school)."""
    scope = _admin(request)
    node = access_admin_node(request.user, node_id)
    if node.kind != NodeKind.SCHOOL:
        if node.depth < 2:
            return redirect("accounts:manage_org")
        return redirect(_school_page_url(node))
    return _render_school(request, scope, node)


def _render_school(request, scope, school: OrgNode):
    structure = school_structure(school)
    return render(request, "accounts/manage/org_school.html", {
        "tab": "org", "school": school, "campuses": structure["campuses"],
        "grades": [(g, classes, ClassForm(grade=g, auto_id=f"id_g{g.pk}_%s")) for g, classes in structure["grades"]],
        "can_edit_school": _can_edit_school(scope, school),
        "grade_form": GradeForm(school=school),
        "campus_form": NameForm(),
        "multi_school": managed_schools(request.user).count() > 1,
    })


ADD_TITLES = {"school": _lazy("新建学校"), "campus": _lazy("新建校点"), "grade": _lazy("新建年级"),
              "class": _lazy("新建班级")}


@admin_view
def manage_node_add(request, node_id: int):
    """Add a child under a node: a school under the district, a campus or grade under a school, a class
    under a grade. GET shows the form; a refused POST shows it again with the reason and the input kept."""
    scope = _admin(request)
    parent = access_admin_node(request.user, node_id)
    data = request.POST if request.method == "POST" else None
    if parent.kind == NodeKind.DISTRICT:
        kind, form = "school", SchoolCreateForm(data, initial={"with_grades": True, "ownership": Ownership.PUBLIC})
    elif parent.kind == NodeKind.SCHOOL:
        kind = "campus" if (request.POST.get("kind") or request.GET.get("kind")) == "campus" else "grade"
        if kind == "campus":
            if not _can_edit_school(scope, parent):
                raise PermissionDenied
            form = NameForm(data)
        else:
            form = GradeForm(data, school=parent)
    elif parent.kind == NodeKind.GRADE:
        kind, form = "class", ClassForm(data, grade=parent)
    else:
        raise Http404
    if data is not None and form.is_valid():
        d = form.cleaned_data
        try:
            if kind == "school":
                node = actions.school_create(actor=request.user, district=parent, name=d["name"], code=d["code"],
                                             school_type=d["school_type"], ownership=d["ownership"],
                                             with_grades=d["with_grades"])
            elif kind == "campus":
                node = actions.campus_create(actor=request.user, school=parent, name=d["name"])
            elif kind == "grade":
                node = actions.grade_create(actor=request.user, school=parent, grade_level=d["grade_level"])
            else:
                campus = OrgNode.objects.filter(pk=d["campus"], kind=NodeKind.CAMPUS,
                                                parent_id=parent.parent_id).first() if d["campus"] else None
                node = actions.class_create(actor=request.user, grade=parent, name=d["name"], code=d["code"],
                                            campus=campus)
        except ManageError as exc:
            _apply_error(form, exc, {"campus_id": "campus", "grade_id": None})
        else:
            messages.success(request, _("已新建“%(name)s”。") % {"name": node.name})
            return redirect(_school_page_url(node))
    return render(request, "accounts/manage/node_form.html", {
        "tab": "org", "form": form, "parent": parent, "kind": kind, "title": ADD_TITLES[kind],
        "action": reverse("accounts:manage_node_add", args=[parent.pk]),
        "back": _school_page_url(parent) if parent.kind != NodeKind.DISTRICT else reverse("accounts:manage_org"),
    }, status=400 if data is not None else 200)


@admin_view
def manage_node_edit(request, node_id: int):
    """Edit a school (district admins) or rename a campus, grade or class."""
    scope = _admin(request)
    node = access_admin_node(request.user, node_id)
    data = request.POST if request.method == "POST" else None
    if node.kind == NodeKind.SCHOOL:
        if not _can_edit_school(scope, node):
            raise PermissionDenied
        form = SchoolForm(data, initial={"name": node.name, "code": node.code, "school_type": node.school_type,
                                         "ownership": node.ownership})
    elif node.kind in (NodeKind.CAMPUS, NodeKind.GRADE, NodeKind.CLASS):
        if node.kind == NodeKind.CAMPUS and not _can_edit_school(scope, node.parent):
            raise PermissionDenied
        form = NameForm(data, initial={"name": node.name})
    else:
        raise PermissionDenied
    if data is not None and form.is_valid():
        d = form.cleaned_data
        try:
            if node.kind == NodeKind.SCHOOL:
                actions.school_update(actor=request.user, school=node, name=d["name"], code=d["code"],
                                      school_type=d["school_type"], ownership=d["ownership"])
            else:
                actions.node_rename(actor=request.user, node=node, name=d["name"])
        except ManageError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(_school_page_url(node))
    return render(request, "accounts/manage/node_form.html", {
        "tab": "org", "form": form, "parent": node.parent, "node": node, "title": _("修改“%(name)s”") % {"name": node.name},
        "action": reverse("accounts:manage_node_edit", args=[node.pk]), "back": _school_page_url(node),
    }, status=400 if data is not None else 200)


@admin_view
@require_POST
def manage_node_active(request, node_id: int):
    """Deactivate or reactivate a grade or class (POST `active=0|1`)."""
    _admin(request)
    node = access_admin_node(request.user, node_id)
    if node.kind not in (NodeKind.GRADE, NodeKind.CLASS):
        raise PermissionDenied
    if request.POST.get("active") == "1":
        actions.node_reactivate(actor=request.user, node=node)
        messages.success(request, _("“%(name)s”已重新启用。") % {"name": node.name})
    else:
        actions.node_deactivate(actor=request.user, node=node)
        messages.success(request, _("“%(name)s”已停用，其中的人员和记录都保留。") % {"name": node.name})
    return redirect(_school_page_url(node))


# --- people --------------------------------------------------------------------------------------------

@admin_view
def manage_people(request):
    """Search people in scope. The search runs as a POST so that names and numbers stay out of URLs and logs."""
    _admin(request)
    schools = list(managed_schools(request.user)[:500])
    form = PeopleSearchForm(request.POST if request.method == "POST" else None, schools=schools)
    q, role, school_id = "", "", None
    if form.is_bound and form.is_valid():
        q, role, school_id = form.cleaned_data["q"], form.cleaned_data["role"], form.cleaned_data["school"]
    qs = people_search(request.user, q=q, role=role, school_id=school_id).prefetch_related("roles")
    page = Paginator(qs, PEOPLE_PER_PAGE).get_page(request.POST.get("page") or request.GET.get("page"))
    rows = [{"person": p, "phone": mask_phone(p.phone),
             "kinds": sorted({RoleKind(r.kind).label for r in p.roles.all()})} for p in page.object_list]
    return render(request, "accounts/manage/people.html", {
        "tab": "people", "form": form, "page": page, "rows": rows, "searched": bool(q or role or school_id),
    })


def _person_context(request, person: User, *, grant_form=None, revealed: bool = False) -> dict:
    roles = person_roles(person)
    scope = require_admin(request.user)
    school_names = role_school_names(roles)
    grantable = actions.grantable_kinds(request.user)
    rows = []
    for r in roles:
        revocable = (r.kind in grantable and scope.can_admin_node(r.node)
                     and not (r.kind in (RoleKind.SCHOOL_ADMIN, RoleKind.CIO) and r.node.path in scope.admin_paths))
        rows.append({"role": r, "school": school_names.get(r.pk, ""), "in_scope": scope.can_admin_node(r.node),
                     "revocable": revocable})
    may_manage, why_not = admin_may_manage_account(request.user, person)
    return {
        "tab": "people", "person": person, "roles": rows, "may_manage": may_manage, "why_not": why_not,
        "phone_masked": mask_phone(person.phone), "revealed": revealed,
        "grant_form": grant_form or RoleGrantForm(admin=request.user, person=person),
        "subjects": ["语文", "数学", "英语", "科学", "物理", "化学", "生物学", "历史", "地理", "道德与法治",
                     "体育与健康", "音乐", "美术", "信息科技"],
        "relations": ["父亲", "母亲", "祖父", "祖母", "外公", "外婆", "其他监护人"],
    }


@admin_view
def manage_person(request, person_id: int):
    _admin(request)
    person = access_managed_person(request.user, person_id)
    return render(request, "accounts/manage/person.html", _person_context(request, person))


def _person_school(admin: User, person: User) -> OrgNode | None:
    """The school (within the admin's scope) an audit entry about this person belongs to."""
    for school in managed_schools(admin):
        if Role.objects.filter(user=person, node__path__startswith=school.path).exists():
            return school
    return None


@never_cache
@admin_view
@require_POST
def manage_person_reveal(request, person_id: int):
    """Show the full phone number and ID-number tail once, and log the sensitive read."""
    _admin(request)
    person = access_managed_person(request.user, person_id)
    actions.audit_sensitive_read(actor=request.user, record_type="user_contact", record_id=person.pk,
                                 school=_person_school(request.user, person), ip=request.META.get("REMOTE_ADDR"))
    return render(request, "accounts/manage/person.html", _person_context(request, person, revealed=True))


@admin_view
@require_POST
def manage_role_grant(request, person_id: int):
    _admin(request)
    person = access_managed_person(request.user, person_id)
    form = RoleGrantForm(request.POST, admin=request.user, person=person)
    if form.is_valid():
        d = form.cleaned_data
        node = OrgNode.objects.filter(pk=d["node"]).first() if d["node"] else None
        child = None
        if d["kind"] == RoleKind.PARENT:
            number = d["student_number"].strip()
            child = people_search(request.user, role=RoleKind.STUDENT).filter(student_number=number).first() \
                if number else None
            if child is None:
                form.add_error("student_number", _("在您的管理范围内找不到这个学籍号的学生。") if number
                               else _("请填写孩子的学籍号。"))
            else:
                node = Role.objects.filter(user=child, kind=RoleKind.STUDENT).first().node
        elif node is None:
            form.add_error("node", _("请选择班级或学校。"))
        if not form.errors:
            try:
                actions.role_grant_by_admin(actor=request.user, person=person, kind=d["kind"], node=node,
                                            subject=d["subject"], child=child, relation=d["relation"])
            except ManageError as exc:
                _apply_error(form, exc, {"node_id": "node"})
            else:
                messages.success(request, _("已授予角色。"))
                return redirect("accounts:manage_person", person.pk)
    return render(request, "accounts/manage/person.html", _person_context(request, person, grant_form=form),
                  status=400)


@admin_view
@require_POST
def manage_role_revoke(request, person_id: int, role_id: int):
    _admin(request)
    person = access_managed_person(request.user, person_id)
    role = Role.objects.filter(pk=role_id, user=person).select_related("node").first()
    if role is None:
        raise Http404
    try:
        actions.role_revoke_by_admin(actor=request.user, role=role)
    except ManageError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已撤销角色。"))
    return redirect("accounts:manage_person", person.pk)


@admin_view
@require_POST
def manage_person_active(request, person_id: int):
    """Deactivate (POST `active=0`) or reactivate (`active=1`) an account."""
    _admin(request)
    person = access_managed_person(request.user, person_id)
    ok, why = admin_may_manage_account(request.user, person)
    if not ok:
        messages.error(request, why)
        return redirect("accounts:manage_person", person.pk)
    if request.POST.get("active") == "1":
        actions.account_reactivate(actor=request.user, person=person)
        messages.success(request, _("账号已重新启用。"))
    else:
        actions.account_deactivate(actor=request.user, person=person)
        messages.success(request, _("账号已停用：不能再登录，已登录的会话和 API 令牌立即失效。"))
    return redirect("accounts:manage_person", person.pk)


@never_cache
@admin_view
@require_POST
def manage_password_reset(request, person_id: int):
    """Reset a password: the temporary password is shown once, on this response only, and never stored."""
    _admin(request)
    person = access_managed_person(request.user, person_id)
    ok, why = admin_may_manage_account(request.user, person)
    if not ok:
        messages.error(request, why)
        return redirect("accounts:manage_person", person.pk)
    temporary = actions.password_reset_by_admin(admin=request.user, person=person)
    return render(request, "accounts/manage/password_reset_done.html",
                  {"tab": "people", "person": person, "temporary": temporary})


# --- audit log -----------------------------------------------------------------------------------------

CHANGE_LABELS = {
    "school_created": _lazy("新建学校"), "school_updated": _lazy("修改学校"), "campus_created": _lazy("新建校点"),
    "grade_created": _lazy("新建年级"), "class_created": _lazy("新建班级"), "renamed": _lazy("改名"),
    "deactivated": _lazy("停用"), "reactivated": _lazy("重新启用"), "account_deactivated": _lazy("停用账号"),
    "account_reactivated": _lazy("启用账号"), "granted": _lazy("授予角色"), "revoked": _lazy("撤销角色"),
    "created": _lazy("新建账号"),
}


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_lazy("操作"), required=False,
                               choices=[("", _lazy("全部操作"))] + list(AuditAction.choices))
    date_from = forms.DateField(label=_lazy("从"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_lazy("到"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data


def _mask_ip(ip: str | None) -> str:
    if not ip:
        return ""
    if ":" in ip:
        return ":".join(ip.split(":")[:3]) + ":…"
    parts = ip.split(".")
    return ".".join(parts[:3] + ["*"]) if len(parts) == 4 else "*"


class _AuditLabels:
    """Translated labels resolved once per request (lazy strings cost a translation lookup each use)."""

    def __init__(self):
        self.actions = {k: str(v) for k, v in AuditAction.choices}
        self.changes = {k: str(v) for k, v in CHANGE_LABELS.items()}
        self.kinds = {**{k: str(v) for k, v in NodeKind.choices}, **{k: str(v) for k, v in RoleKind.choices}}


AUDIT_FIELDS = ("at", "action", "actor_id", "actor__username", "target_type", "target_id", "school__name", "ip",
                "detail")


def _audit_row(values: tuple, labels: _AuditLabels) -> dict:
    """One entry as shown and exported: masked account with its id, masked IP, labelled detail."""
    at, action, actor_id, username, target_type, target_id, school, ip, detail = values
    detail = dict(detail or {})
    change = detail.pop("change", "")
    parts = []
    if change:
        parts.append(labels.changes.get(change, change))
    if "kind" in detail:
        kind = detail.pop("kind")
        parts.append(labels.kinds.get(kind, kind))
    parts += [f"{k}={v}" for k, v in sorted(detail.items())]
    return {"at": timezone.localtime(at), "action": labels.actions.get(action, action), "action_code": action,
            "actor": f"{mask_identifier(username)} #{actor_id}" if actor_id else "—",
            "target": f"{target_type} #{target_id}" if target_type else "", "school": school or "",
            "ip": _mask_ip(ip), "detail": "，".join(parts)}


def _audit_filtered(request):
    form = AuditFilterForm(request.GET or None)
    action, date_from, date_to = "", None, None
    if form.is_bound and form.is_valid():
        action, date_from, date_to = (form.cleaned_data["action"], form.cleaned_data["date_from"],
                                      form.cleaned_data["date_to"])
    return form, audit_search(request.user, action=action, date_from=date_from, date_to=date_to)


@admin_view
def audit_log(request):
    """District admins see every entry; school admins and CIOs their school's. Identifiers are masked."""
    _admin(request)
    form, qs = _audit_filtered(request)
    page = Paginator(qs.values_list(*AUDIT_FIELDS), AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    labels = _AuditLabels()
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/audit_log.html", {
        "tab": "audit", "form": form, "page": page, "rows": [_audit_row(e, labels) for e in page.object_list],
        "query": query.urlencode(),
    })


@admin_view
def audit_export(request):
    """The filtered audit log as an Excel file (masked identifiers, as on the page)."""
    _admin(request)
    _form, qs = _audit_filtered(request)
    wb = new_workbook(write_only=True)
    ws = wb.create_sheet(_("审计日志"))
    append_row(ws, [_("时间"), _("操作"), _("操作人"), _("对象"), _("学校"), _("IP"), _("详情")])
    labels = _AuditLabels()
    n = 0
    for values in qs.values_list(*AUDIT_FIELDS)[:AUDIT_EXPORT_MAX_ROWS].iterator(chunk_size=5000):
        r = _audit_row(values, labels)
        append_row(ws, [r["at"].replace(tzinfo=None), r["action"], r["actor"], r["target"], r["school"], r["ip"],
                   r["detail"]])
        n += 1
    if n == AUDIT_EXPORT_MAX_ROWS and qs[AUDIT_EXPORT_MAX_ROWS:AUDIT_EXPORT_MAX_ROWS + 1].exists():
        append_row(ws, [_("仅导出最新的 %(n)s 条；请缩小日期范围后分批导出。") % {"n": AUDIT_EXPORT_MAX_ROWS}])
    resp = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="audit-{date.today():%Y%m%d}.xlsx"'
    resp["Cache-Control"] = "no-store"
    wb.save(resp)
    return resp
