from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from zhijiao.accounts.models import RoleKind
from zhijiao.accounts.selectors import scope_of
from zhijiao.catalog.actions import CatalogFileError, catalog_export, catalog_import_file
from zhijiao.catalog.forms import CatalogImportForm
from zhijiao.catalog.selectors import browse_context, catalog_counts, knowledge_points_around, sections

EXPORT_TYPES = {"json": "application/json; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _require_district_admin(user) -> None:
    if not scope_of(user).has(RoleKind.DISTRICT_ADMIN):
        raise PermissionDenied(_("只有区县管理员可以管理教材目录。"))


@login_required
def browse(request):
    """The teaching catalog: choose stage → subject → edition → volume, then read the chapter tree."""
    nav = browse_context(request.GET, base_url=request.path)
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
