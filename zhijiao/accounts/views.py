from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.accounts.actions import LoginError, audit_record, login_attempt, password_change
from zhijiao.accounts.forms import LoginForm, PasswordChangeForm
from zhijiao.accounts.models import AuditAction
from zhijiao.accounts.throttle import login_client, remember_device


def login_view(request):
    """The login form. A wrong name, phone or password answers 401, all with the same words; a throttled
    login (accounts/throttle.py) 429 with Retry-After. A successful login leaves the device cookie that lets
    this browser in while strangers have locked the account."""
    form = LoginForm(request.POST or None)
    error, status, retry_after = None, 200, 0
    if request.method == "POST" and form.is_valid():
        client = login_client(request)
        try:
            user = login_attempt(identifier=form.cleaned_data["identifier"], password=form.cleaned_data["password"],
                                 client=client)
        except LoginError as exc:
            error, status, retry_after = exc.message, (429 if exc.locked else 401), exc.retry_after
        else:
            login(request, user, backend="zhijiao.accounts.backends.AccountOrPhoneBackend")
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = ""
            response = redirect(target or "web:home")
            remember_device(response, client, user)
            return response
    response = render(request, "accounts/login.html", {"form": form, "error": error}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        audit_record(actor=request.user, action=AuditAction.LOGOUT, target_type="user", target_id=request.user.pk)
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("accounts:login")


@login_required
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change(user=request.user, old_password=form.cleaned_data["old_password"],
                            new_password=form.cleaned_data["new_password"])
        except ValidationError as exc:
            form.add_error("new_password", exc)
        except ValueError as exc:
            form.add_error("old_password", str(exc))
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("web:home")
    return render(request, "accounts/password_change.html",
                  {"form": form, "forced": request.user.must_change_password})
