"""The permission matrix as data (architecture section 7).

Every app lists its endpoints' cases in `zhijiao/<app>/tests/matrix.py` as `CASES = [Case(...), ...]`:
for each endpoint at least one demo account that is allowed and one that is denied. The matrix test
runs every case, and fails for any URL name or API operation that has no case at all (or is not
listed in `EXEMPT` with a reason), so a new endpoint cannot slip in unchecked.

Writes are checked as data too (issue 11): every endpoint that accepts POST, PUT, PATCH or DELETE
(`write_endpoints()`) needs a write case with an allowed user and a write case with a denied *signed-in*
user — the plausible attacker: a same-school user of another role or subject, a classmate, a student for a
teacher's action — unless the app lists it in `EXEMPT_WRITES` with the reason (a write anyone signed in may
do to their own data, say, where only a visitor is refused).
"""

import ast
import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
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
    def writes(self) -> bool:
        return self.method.upper() in WRITE_METHODS

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


def _app_modules():
    for config in apps.get_app_configs():
        if not config.name.startswith("zhijiao."):
            continue
        try:
            yield import_module(f"{config.name}.tests.matrix")
        except ModuleNotFoundError as exc:
            if exc.name in (f"{config.name}.tests.matrix", f"{config.name}.tests"):
                continue
            raise


def all_cases() -> list[Case]:
    return [case for module in _app_modules() for case in module.CASES]


def all_exemptions() -> dict[str, str]:
    exempt = {}
    for module in _app_modules():
        exempt.update(getattr(module, "EXEMPT", {}))
    return exempt


def all_write_exemptions() -> dict[str, str]:
    exempt = {}
    for module in _app_modules():
        exempt.update(getattr(module, "EXEMPT_WRITES", {}))
    return exempt


# --- which endpoints write -----------------------------------------------------------------------------

# In a view's source (its decorators, its body, and the module's functions it hands `request` to): reading
# the request body, or naming a write method in a method check or a method decorator.
WRITE_MARKERS = re.compile(
    r"request\.(POST|FILES|body)\b"
    r"|require_POST"
    r"|(require_http_methods\(|methods=)[^)]*[\"'](POST|PUT|PATCH|DELETE)[\"']"
    r"|request\.method\b[^\n]*[\"'](POST|PUT|PATCH|DELETE)[\"']")


@functools.cache
def _module_functions(module_name: str):
    module = import_module(module_name)
    source = inspect.getsource(module)
    tree = ast.parse(source)
    return module, source, {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def view_source(callback) -> str | None:
    """The source that decides what a URL's view accepts: the module-level function the URL points at
    (found by identity in its module, so wrappers such as `teacher_required` that keep no `__wrapped__` are
    seen through), with its decorators, plus every function of the same module it calls with `request`
    (helpers like `_grade_answers(request, ...)`), transitively. None if the view is not a plain function
    of a module (a class-based view, a third-party view)."""
    module_name = inspect.unwrap(callback).__module__
    try:
        module, source, funcs = _module_functions(module_name)
    except (OSError, TypeError, SyntaxError):
        return None
    name = next((k for k, v in vars(module).items() if v is callback), None)
    if name not in funcs:
        return None
    seen, todo, parts = set(), [name], []
    while todo:
        fn = todo.pop()
        if fn in seen or fn not in funcs:
            continue
        seen.add(fn)
        node = funcs[fn]
        parts.extend(ast.get_source_segment(source, d) for d in node.decorator_list)
        parts.append(ast.get_source_segment(source, node))
        for call in ast.walk(node):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                    and any(isinstance(a, ast.Name) and a.id == "request"
                            for a in [*call.args, *(k.value for k in call.keywords)])):
                todo.append(call.func.id)
    return "\n".join(parts)


def accepts_writes(callback) -> bool:
    """Whether a Django view accepts a write (POST, PUT, PATCH, DELETE), read off its source.

    Class-based views write when they define post/put/patch/delete. A function view writes when its source
    (`view_source`) reads `request.POST`, `request.FILES` or `request.body`, compares `request.method` with
    a write method, or carries `require_POST` / `require_http_methods([... "POST" ...])` (or a decorator's
    `methods=(... "POST" ...)`, as the xAPI views have). Static reading
    rather than sending POSTs: no request can change data or depend on the demo's state, and a view that
    reads the body only through a helper it passes `request` to is still found. A view the scan cannot read
    counts as writing, so it needs write cases or an `EXEMPT_WRITES` entry saying why not."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return any(hasattr(view_class, m) for m in ("post", "put", "patch", "delete"))
    source = view_source(callback)
    return source is None or bool(WRITE_MARKERS.search(source))
