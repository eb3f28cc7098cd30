"""Who an API token belongs to: the one lookup both the JSON API and the LRS (`/xapi/`, Bearer) use.

A module of its own, below `accounts.actions`: the LRS's authentication would otherwise import the actions,
which record events through `records.actions`, which the LRS is part of (an import cycle)."""

from django.utils import timezone

from zhijiao.accounts.models import ApiToken, User

TOUCH_SECONDS = 60  # last_used_at is a "seen lately" for the token list, not a log: at most once a minute


def token_user(key: str) -> User | None:
    """The active user of an unexpired token, or None. Notes when the token was last used (at most once a
    minute, so a tool calling the API many times a second does not write a row per call)."""
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=ApiToken.hash_key(key), expires_at__gt=timezone.now()).first())
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > TOUCH_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
