from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_http_methods

from zhijiao.accounts.selectors import scope_of
from zhijiao.core.actions import notifications_mark_read
from zhijiao.core.selectors import notifications
from zhijiao.web.registry import apps_for_roles, registry_version

INBOX_PAGE_SIZE = 20


@login_required
def home(request):
    """The role's own home (工作台): its apps grouped by the five categories."""
    scope = scope_of(request.user)
    kinds = scope.kinds()
    return render(request, "web/home.html", {
        # The app grid is the same for everyone holding the same kinds of role: rendered once per kinds and
        # language, then served from the cache (`apps_key`); `groups` is only computed on a miss.
        "groups": lambda: apps_for_roles(kinds),
        "apps_key": f"{registry_version()}:{static('web/icons.svg')}:{','.join(sorted(kinds))}",
        "roles": scope.roles,
    })


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request):
    """The one inbox (消息通知), newest first. Opening a page marks what it shows read (those stay marked
    未读 on this visit); POST marks everything read (全部标为已读)."""
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        return redirect("web:inbox")
    page = Paginator(notifications(user=request.user), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    notifications_mark_read(user=request.user, ids=[n.pk for n in items if n.read_at is None])
    return render(request, "web/inbox.html", {"page": page, "items": items})
