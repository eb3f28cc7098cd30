"""Who is calling /xapi/: a registered client (HTTP Basic key:secret) or a platform user (Bearer token)."""

import base64
import binascii
import hmac
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


def authenticate(header: str) -> XapiAccess | None:
    """The caller behind an Authorization header, or None."""
    header = (header or "").strip()
    scheme = header.split(" ", 1)[0].lower()
    if scheme == "basic":
        creds = _basic(header)
        if creds is None:
            return None
        client = LrsClient.objects.filter(key=creds[0], revoked_at__isnull=True).order_by().first()
        if client is None or not hmac.compare_digest(client.secret_hash, LrsClient.hash_secret(creds[1])):
            return None
        return XapiAccess(client=client, scopes=frozenset(client.scopes))
    if scheme == "bearer":
        from zhijiao.accounts.actions import token_user

        user = token_user(header.split(" ", 1)[1].strip()) if " " in header else None
        if user is None:
            return None
        return XapiAccess(user=user)
    return None
