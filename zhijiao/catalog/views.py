from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from zhijiao.accounts.models import RoleKind
from zhijiao.accounts.selectors import scope_of
from zhijiao.catalog.actions import (
    CatalogFileError,
    ChapterLinkError,
    EditionChoiceError,
    catalog_export,
    catalog_import_file,
    chapter_links_confirm,
    grade_edition_set,
)
from zhijiao.catalog.forms import CatalogImportForm
from zhijiao.catalog.selectors import (
    browse_context,
    catalog_counts,
    chapter_links_between,
    edition_choice_node,
    grade_edition_rows,
    knowledge_points_around,
    link_candidates,
    revision_pairs,
    school_path_of,
    sections,
    user_grades,
)
from zhijiao.core.models import NodeKind

EXPORT_TYPES = {"json": "application/json; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _require_district_admin(user) -> None:
    if not scope_of(user).has(RoleKind.DISTRICT_ADMIN):
        raise PermissionDenied(_("只有区县管理员可以管理教材目录。"))


@login_required
def browse(request):
    """The teaching catalog: choose stage → subject → edition → volume, then read the chapter tree."""
    nav = browse_context(request.GET, base_url=request.path, school_path=school_path_of(request.user),
                         grades=user_grades(request.user))
    kps = list(knowledge_points_around(nav.chapter, nav.chapter_ids)) if nav.chapter else []
    return render(request, "catalog/browse.html", {"nav": nav, "knowledge_points": kps})


@login_required
@require_http_methods(["GET", "POST"])
def manage(request):
    _require_district_admin(request.user)
    form = CatalogImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = catalog_import_file(actor=request.user, content=upload.read(), filename=upload.name,
                                         dry_run=form.cleaned_data["dry_run"])
        except CatalogFileError as exc:
            form.add_error("file", str(exc))
        else:
            if report.ok and not report.dry_run:
                messages.success(request, _("导入完成。") + report.summary())
            elif report.ok:
                messages.info(request, _("试导入通过，未写入任何数据。") + report.summary())
    status = 422 if (request.method == "POST" and (not form.is_valid() or (report and not report.ok))) else 200
    return render(request, "catalog/manage.html", {
        "form": form, "report": report, "counts": catalog_counts(), "sections": sections(active_only=False),
    }, status=status)


@login_required
def export(request):
    _require_district_admin(request.user)
    fmt = request.GET.get("format", "json")
    if fmt not in EXPORT_TYPES:
        return HttpResponse(_("导出格式只能是 json 或 xlsx。"), status=400, content_type="text/plain; charset=utf-8")
    body = catalog_export(fmt=fmt)
    resp = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
    resp["Content-Disposition"] = f'attachment; filename="catalog-{timezone.localdate():%Y%m%d}.{fmt}"'
    return resp


@login_required
@require_http_methods(["GET", "POST"])
def editions(request):
    """年级用书: the district admin chooses the edition and revision each grade uses (and whether schools may
    choose their own); a school admin chooses where the district allows it. Everyone else: 403."""
    node = edition_choice_node(request.user)
    if node is None:
        raise PermissionDenied(_("只有区县管理员和学校管理员可以设置年级用书。"))
    is_district = node.kind == NodeKind.DISTRICT
    rows = grade_edition_rows(node)
    errors: list[str] = []
    if request.method == "POST":
        changes = []
        for row in rows:
            if row.field not in request.POST:
                continue
            value = request.POST.get(row.field, "")
            may = is_district and request.POST.get(row.field + "-schools") == "on"
            if value == row.current_value and (not is_district or row.district is None
                                               or may == row.district.schools_may_choose):
                continue
            option = next((o for o in row.options if o.value == value), None)
            if value and option is None:
                row.error = _("请从列表中选择。")
            elif not row.editable:
                row.error = _("区县已统一规定这个年级的用书，学校不能自选。")
            else:
                changes.append((row, option, may))
        errors = [f"{r.stage.name}{r.grade_label}{r.subject.name}：{r.error}" for r in rows if r.error]
        if not errors:
            try:
                with transaction.atomic():  # all of the page's changes or none
                    for row, option, may in changes:
                        grade_edition_set(actor=request.user, node=node, stage=row.stage, subject=row.subject,
                                          grade=row.grade, edition=option.edition if option else None,
                                          revision=option.revision if option else "", schools_may_choose=may)
            except EditionChoiceError as exc:
                errors = [str(exc)]
            else:
                messages.success(request, ngettext("已保存年级用书（%(n)s 项更改）。", "已保存年级用书（%(n)s 项更改）。",
                                                  len(changes)) % {"n": len(changes)})
                return redirect("catalog:editions")
    return render(request, "catalog/editions.html", {
        "node": node, "is_district": is_district, "rows": rows, "errors": errors,
    }, status=422 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def links(request):
    """同课对应审核: the candidate links between an older and a newer revision of a book (renamed lessons),
    which a district admin confirms; confirmed links are written like imported `same_as` links."""
    _require_district_admin(request.user)
    pairs = revision_pairs()
    code = (request.POST.get("book") or request.GET.get("book") or "").strip()
    pair = next((p for p in pairs if p[1].code == code), pairs[0] if pairs else None)
    error = ""
    if request.method == "POST":
        if pair is None or pair[1].code != code:
            error = _("请选择有旧版次的教材。")
        else:
            try:
                made = chapter_links_confirm(actor=request.user, old_book=pair[0], new_book=pair[1],
                                             values=request.POST.getlist("link"))
            except ChapterLinkError as exc:
                error = str(exc)
            else:
                messages.success(request, ngettext("已确认 %(n)s 项同课对应。", "已确认 %(n)s 项同课对应。", len(made))
                                 % {"n": len(made)})
                return redirect(f"{request.path}?book={pair[1].code}")
    return render(request, "catalog/links.html", {
        "pairs": pairs, "pair": pair, "error": error,
        "candidates": link_candidates(*pair) if pair else [], "linked": chapter_links_between(*pair) if pair else [],
    }, status=422 if error else 200)
