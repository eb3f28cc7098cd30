"""Who is calling /xapi/: a registered client (HTTP Basic key:secret) or a platform user (Bearer token)."""

import base64
import binascii
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field

from zhijiao.records.models import LrsClient
from zhijiao.records.xapi.statements import CLIENT_HOME, agent_key, user_agent


@dataclass
class XapiAccess:
    client: LrsClient | None = None
    user: object = None
    scopes: frozenset = field(default_factory=frozenset)

    @property
    def authority(self) -> dict:
        if self.client is not None:
            return {"objectType": "Agent", "name": self.client.name,
                    "account": {"homePage": CLIENT_HOME, "name": self.client.key}}
        return user_agent(self.user.pk)

    def _has(self, *scopes: str) -> bool:
        return bool(self.scopes & ({"all"} | set(scopes)))

    # Statements
    def can_write_statements(self) -> bool:
        return self.user is not None or self._has("statements/write")

    def reads_all_statements(self) -> bool:
        return self.client is not None and self._has("statements/read", "all/read")

    def can_read_statements(self) -> bool:
        return self.user is not None or self._has("statements/read", "statements/read/mine", "all/read")

    def may_define(self) -> bool:
        return self.client is not None and self._has("define")

    # Documents
    def can_state(self, write: bool) -> bool:
        return self.user is not None or self._has("state") or (not write and self._has("all/read"))

    def can_profile(self, write: bool) -> bool:
        return self.user is not None or self._has("profile") or (not write and self._has("all/read"))

    def own_agent_key(self) -> str | None:
        """For a user: the only agent whose documents and statements they may write."""
        return agent_key(user_agent(self.user.pk)) if self.user is not None else None


def _basic(header: str) -> tuple[str, str] | None:
    try:
        raw = base64.b64decode(header.split(" ", 1)[1].strip(), validate=True).decode("utf-8")
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        return None
    key, sep, secret = raw.partition(":")
    return (key, secret) if sep else None


# Verified client credentials, per process: {digest of the Authorization header: (client, checked at)}.
# A tool sends the same header on every request, so after the first one a request costs a dict lookup
# instead of a database round trip. The key is a keyed digest (never the secret itself); an entry is
# trusted for CLIENT_CACHE_SECONDS, so a client revoked in another process is refused within that time
# (at once in the process that revoked it: `forget_clients`).
CLIENT_CACHE_SECONDS = 5.0
CLIENT_CACHE_MAX = 1000
_clients: dict[bytes, tuple[LrsClient, float]] = {}
_clients_lock = threading.Lock()
_digest_key = b""


def _header_digest(header: str) -> bytes:
    global _digest_key
    if not _digest_key:
        from django.conf import settings

        _digest_key = hashlib.sha256(b"zhijiao.xapi.client-cache:" + settings.SECRET_KEY.encode()).digest()
    return hmac.digest(_digest_key, header.encode("utf-8", "surrogatepass"), "sha256")


def forget_clients() -> None:
    """Drop every cached credential (after a revocation)."""
    with _clients_lock:
        _clients.clear()


def _client_for(header: str) -> LrsClient | None:
    digest = _header_digest(header)
    hit = _clients.get(digest)
    now = time.monotonic()
    if hit is not None and now - hit[1] < CLIENT_CACHE_SECONDS:
        return hit[0]
    creds = _basic(header)
    if creds is None:
        return None
    client = LrsClient.objects.filter(key=creds[0], revoked_at__isnull=True).order_by().first()
    if client is None or not hmac.compare_digest(client.secret_hash, LrsClient.hash_secret(creds[1])):
        _clients.pop(digest, None)
        return None
    with _clients_lock:
        if len(_clients) >= CLIENT_CACHE_MAX:
            _clients.clear()
        _clients[digest] = (client, now)
    return client


def authenticate(header: str) -> XapiAccess | None:
    """The caller behind an Authorization header, or None."""
    header = (header or "").strip()
    scheme = header.split(" ", 1)[0].lower()
    if scheme == "basic":
        client = _client_for(header)
        if client is None:
            return None
        return XapiAccess(client=client, scopes=frozenset(client.scopes))
    if scheme == "bearer":
        from zhijiao.accounts.tokens import token_user

        user = token_user(header.split(" ", 1)[1].strip()) if " " in header else None
        if user is None:
            return None
        return XapiAccess(user=user)
    return None
