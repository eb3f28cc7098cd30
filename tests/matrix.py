"""The permission matrix as data (architecture section 7).

Every app lists its endpoints' cases in `zhijiao/<app>/tests/matrix.py` as `CASES = [Case(...), ...]`:
for each endpoint at least one demo account that is allowed and one that is denied. The matrix test
runs every case, and fails for any URL name or API operation that has no case at all (or is not
listed in `EXEMPT` with a reason), so a new endpoint cannot slip in unchecked.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps

ALLOWED_DEFAULT = frozenset({200, 201, 204, 302})
DENIED_DEFAULT = frozenset({401, 403, 404})
ANONYMOUS = "(anonymous)"  # as `denied`: a visitor who is not signed in (sent to the login page or refused)


@dataclass(frozen=True)
class Case:
    # URL name ("accounts:password_change") or API operation ("GET /api/v1/org/classes/{class_id}/students").
    endpoint: str
    url: Callable[["World"], str]
    allowed: str | None  # demo username that may (None: nobody in particular, e.g. public pages)
    denied: str | None  # demo username that may not, or ANONYMOUS (None: the endpoint is public)
    method: str = "GET"
    data: Callable[["World"], dict] | None = None
    api: bool = False  # send a bearer token instead of a session
    allowed_status: frozenset[int] = ALLOWED_DEFAULT
    denied_status: frozenset[int] = DENIED_DEFAULT
    note: str = ""
    json: bool = field(default=False)  # send data as a JSON body

    @property
    def id(self) -> str:
        return f"{self.endpoint} [{self.allowed}/{self.denied}]{(' ' + self.note) if self.note else ''}"


class World:
    """The small demo district with handy look-ups for building URLs in cases."""

    def __init__(self, ctx):
        from zhijiao.accounts.models import User

        self.ctx = ctx
        self._users = {}
        self._User = User

    def user(self, username: str):
        if username not in self._users:
            self._users[username] = self._User.objects.get(username=username)
        return self._users[username]

    def class_of(self, username: str):
        from zhijiao.accounts.models import RoleKind

        return self.user(username).roles.get(kind=RoleKind.STUDENT).node

    def school(self, index: int = 0):
        return self.ctx.schools[index]

    def other_school_class(self):
        """A class of the second school (outside the first school's staff scope)."""
        from zhijiao.core.models import NodeKind, OrgNode

        return OrgNode.objects.filter(kind=NodeKind.CLASS, path__startswith=self.school(1).path).first()


def all_cases() -> list[Case]:
    cases = []
    for config in apps.get_app_configs():
        if not config.name.startswith("zhijiao."):
            continue
        try:
            module = import_module(f"{config.name}.tests.matrix")
        except ModuleNotFoundError as exc:
            if exc.name in (f"{config.name}.tests.matrix", f"{config.name}.tests"):
                continue
            raise
        cases.extend(module.CASES)
    return cases


def all_exemptions() -> dict[str, str]:
    exempt = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("zhijiao."):
            continue
        try:
            module = import_module(f"{config.name}.tests.matrix")
        except ModuleNotFoundError:
            continue
        exempt.update(getattr(module, "EXEMPT", {}))
    return exempt
