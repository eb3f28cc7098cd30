from zhijiao.accounts.selectors import scope_of


def shell(request):
    """Navigation facts every page needs: the user's primary role label."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    from zhijiao.accounts.models import RoleKind

    primary = scope.primary_role
    return {"primary_role": primary, "primary_role_label": RoleKind(primary).label if primary else ""}
