"""A file kept between the import's dry run and its confirmation, so the teacher confirms what was shown
without choosing the file again.

Each file is kept in the storage under the teacher's own folder, `questions/import-staging/<user id>/`, named by
a random handle (32 hex digits and the extension), which the dry-run page posts back in a hidden field (never in
a URL). Only the same teacher can take it back; it is deleted once imported, and any of the teacher's files
older than MAX_AGE are deleted whenever they stage another.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

FOLDER = "questions/import-staging"
MAX_AGE = timedelta(hours=6)
EXTENSIONS = (".xlsx", ".json", ".docx", ".zip")
HANDLE = re.compile(r"[0-9a-f]{32}\.(?:xlsx|json|docx|zip)")


def _path(user, handle: str) -> str:
    return f"{FOLDER}/{int(user.pk)}/{handle}"


def stage(*, user, name: str, content: bytes) -> str | None:
    """Keep `content` for `user`; the handle to take it back, or None for a kind the import does not read."""
    ext = next((e for e in EXTENSIONS if (name or "").lower().endswith(e)), None)
    if ext is None:
        return None
    _sweep(user)
    handle = secrets.token_hex(16) + ext
    default_storage.save(_path(user, handle), ContentFile(content))
    return handle


def take(*, user, handle: str) -> tuple[str, bytes] | None:
    """(a file name with the original extension, the bytes) of the user's staged file, or None."""
    if not HANDLE.fullmatch(handle or ""):
        return None
    path = _path(user, handle)
    if not default_storage.exists(path):
        return None
    with default_storage.open(path, "rb") as f:
        return handle, f.read()


def discard(*, user, handle: str) -> None:
    if HANDLE.fullmatch(handle or ""):
        default_storage.delete(_path(user, handle))


def _sweep(user) -> None:
    folder = f"{FOLDER}/{int(user.pk)}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - MAX_AGE
    for name in files:
        path = f"{folder}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue
