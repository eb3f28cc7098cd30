from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from zhijiao.accounts.selectors import scope_of
from zhijiao.web.registry import apps_for_roles


@login_required
def home(request):
    """The role's own home (工作台): its apps grouped by the five categories."""
    scope = scope_of(request.user)
    return render(request, "web/home.html", {
        "groups": apps_for_roles(scope.kinds()),
        "roles": scope.roles,
    })
