"""The app registry behind every role's home (工作台).

Each Django app registers its entries in its AppConfig.ready(), so a new capability shows up on the
homes of the roles it serves without editing the shell.
"""

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

CATEGORIES = [
    ("teaching", _("教学")),
    ("learning", _("学习")),
    ("evaluation", _("评价")),
    ("research", _("研训")),
    ("management", _("管理")),
]


@dataclass(frozen=True)
class AppEntry:
    key: str
    label: str
    category: str
    url_name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    icon: str = "apps"  # a name in web/icons/ (Tabler Icons), drawn by {% icon %}
    description: str = ""
    order: int = 100

    def url(self) -> str | None:
        return _reverse(self.url_name)


@lru_cache(maxsize=512)
def _reverse(url_name: str) -> str | None:
    # The URL map is fixed for the life of a process: each entry is reversed once, not on every home page.
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


_REGISTRY: dict[str, AppEntry] = {}


def register_app(*, key: str, label, category: str, url_name: str, roles, icon: str = "apps",
                 description="", order: int = 100) -> None:
    if category not in dict(CATEGORIES):
        raise ValueError(f"unknown category {category}")
    _REGISTRY[key] = AppEntry(key=key, label=label, category=category, url_name=url_name,
                              roles=frozenset(roles), icon=icon, description=description, order=order)


def registered_apps() -> list[AppEntry]:
    return sorted(_REGISTRY.values(), key=lambda e: (e.order, e.key))


def registry_version() -> str:
    """Changes whenever the set of registered apps does (a deploy adding an app): part of cache keys."""
    return hashlib.sha1(repr(sorted((e.key, e.url_name, sorted(e.roles)) for e in _REGISTRY.values())).encode()
                        ).hexdigest()[:12]


def apps_for_roles(role_kinds: set[str]) -> list[tuple[str, str, list[AppEntry]]]:
    """[(category key, category label, entries)] for the roles held, only non-empty categories."""
    groups = []
    for key, label in CATEGORIES:
        entries = [e for e in registered_apps() if e.category == key and e.roles & role_kinds and e.url()]
        if entries:
            groups.append((key, label, entries))
    return groups
