from functools import cache

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext

from zhijiao.accounts.selectors import scope_of
from zhijiao.core.selectors import unread_notification_count


def shell(request):
    """Navigation facts every page needs: the user's primary role label and the inbox's unread count, and the
    top bar's personal parts as HTML (`shell_inbox`, `shell_who`, `shell_inbox_badge` for the resource
    centre's tabs), which pages shared between people (`web.shared_pages`) fill in per request.

    `inbox_unread` and the `shell_*` parts are callables: templates call them when they first use them, so a
    page that shows no top bar costs no query, and one that shows it twice costs one.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    from zhijiao.accounts.models import RoleKind

    primary = scope.primary_role
    return {"primary_role": primary, "primary_role_label": RoleKind(primary).label if primary else "",
            "inbox_unread": cache(lambda: unread_notification_count(user=user)),
            "shell_inbox": lambda: inbox_link_html(user), "shell_who": lambda: who_html(user),
            "shell_inbox_badge": lambda: inbox_badge_html(user)}


def inbox_link_html(user) -> str:
    """The top bar's link to the inbox, with the unread count."""
    n = unread_notification_count(user=user)
    if not n:
        return format_html('<a class="inbox-link" href="{}" data-testid="inbox-link">{}</a>', reverse("web:inbox"),
                           gettext("通知"))
    return format_html('<a class="inbox-link" href="{}" data-testid="inbox-link" aria-label="{}">{}'
                       '<span class="badge badge-error" data-testid="inbox-unread">{}</span></a>',
                       reverse("web:inbox"), ngettext("消息通知：%(n)s 条未读", "消息通知：%(n)s 条未读", n) % {"n": n},
                       gettext("通知"), "99+" if n > 99 else n)


def inbox_badge_html(user) -> str:
    """The unread count beside the resource centre's "通知" tab (nothing when there is none)."""
    n = unread_notification_count(user=user)
    return format_html(' <span class="badge badge-error">{}</span>', n) if n else ""


def who_html(user) -> str:
    """The top bar's name and primary role."""
    from zhijiao.accounts.models import RoleKind

    primary = scope_of(user).primary_role
    return format_html("{}{}", user.display_name, f" · {RoleKind(primary).label}" if primary else "")
