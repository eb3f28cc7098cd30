"""Roster import pages (花名册导入): upload → dry-run report → confirm → result. Thin: the work is in roster_actions."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from zhijiao.accounts import roster as R
from zhijiao.accounts.roster_actions import (
    UNCHANGED,
    RosterPermissionError,
    roster_import,
    roster_result_file,
    roster_upload_finish,
    roster_upload_load,
    roster_upload_store,
)
from zhijiao.accounts.selectors import ADMIN_ROLES, scope_of

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOW_ROWS = 1000


def roster_admin_required(view):
    """School admins, CIOs and district admins; anyone else gets a 404."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not scope_of(request.user).has(*ADMIN_ROLES):
            raise Http404("not found")
        return view(request, *args, **kwargs)

    return wrapper


def _download(data: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=XLSX_TYPE)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    resp["Cache-Control"] = "no-store"
    return resp


@roster_admin_required
@require_http_methods(["GET", "POST"])
def roster_import_view(request):
    error = None
    if request.method == "POST":
        uploads = request.FILES.getlist("files")
        if not uploads:
            error = _("请选择要导入的 CSV 或 XLSX 文件。")
        else:
            files = []
            try:
                for f in uploads:
                    R.check_upload(f.name, f.size)
                    data = f.read()
                    if R.sniff_type(data, f.name) == "csv":
                        R.decode_text(data, f.name)
                    files.append((f.name, data))
            except R.RosterFileError as exc:
                error = str(exc)
            else:
                token = roster_upload_store(actor=request.user, files=files)
                return redirect("accounts:roster_preview", token=token)
    return render(request, "accounts/roster.html", {"error": error, "max_mb": R.MAX_BYTES // (1024 * 1024)},
                  status=400 if error else 200)


@roster_admin_required
@require_http_methods(["GET", "POST"])
def roster_preview_view(request, token):
    loaded = roster_upload_load(actor=request.user, token=token)
    if loaded is None:
        raise Http404("not found")
    meta, files = loaded
    if meta.get("state") == "imported":
        return redirect("accounts:roster_result", token=token)
    confirm = request.method == "POST"
    error = report = None
    try:
        report = roster_import(actor=request.user, files=files, dry_run=not confirm, key=token)
    except (R.RosterFileError, RosterPermissionError) as exc:
        error = str(exc)
    if report is not None and report.imported:
        roster_upload_finish(token=token, report=report,
                             result_file=R.accounts_workbook(report.accounts) if report.accounts else None)
        return redirect("accounts:roster_result", token=token)
    changed = [r for r in report.rows if r.op != UNCHANGED] if report else []
    return render(request, "accounts/roster_preview.html", {
        "token": token, "names": meta["names"], "report": report, "error": error,
        "changed": changed[:SHOW_ROWS], "changed_total": len(changed), "show_rows": SHOW_ROWS,
        "unchanged": len(report.rows) - len(changed) if report else 0,
    })


@roster_admin_required
def roster_result_view(request, token):
    loaded = roster_upload_load(actor=request.user, token=token)
    if loaded is None:
        raise Http404("not found")
    meta, _files = loaded
    if meta.get("state") != "imported":
        return redirect("accounts:roster_preview", token=token)
    return render(request, "accounts/roster_result.html", {
        "token": token, "meta": meta, "counts": meta.get("counts", []), "accounts": meta.get("accounts", 0),
        "has_file": roster_result_file(actor=request.user, token=token) is not None,
    })


@roster_admin_required
def roster_passwords_view(request, token):
    data = roster_result_file(actor=request.user, token=token)
    if data is None:
        raise Http404("not found")
    return _download(data, "roster-accounts.xlsx")


@roster_admin_required
def roster_template_view(request):
    example = request.GET.get("example") == "1"
    return _download(R.template_workbook(example=example),
                     "roster-example.xlsx" if example else "roster-template.xlsx")
