from functools import cache

from zhijiao.accounts.selectors import scope_of
from zhijiao.core.selectors import unread_notification_count


def shell(request):
    """Navigation facts every page needs: the user's primary role label and the inbox's unread count.

    `inbox_unread` is a cached callable: templates call it when they first use it, so a page that shows
    no top bar costs no query, and one that shows it twice costs one.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    from zhijiao.accounts.models import RoleKind

    primary = scope.primary_role
    return {"primary_role": primary, "primary_role_label": RoleKind(primary).label if primary else "",
            "inbox_unread": cache(lambda: unread_notification_count(user=user))}
