"""Login throttling that a stranger cannot turn against the account's owner (docs/permissions.md, "Login").

Failed logins are counted in three scopes, each a `LoginThrottle` row within a window of
ZHIJIAO_LOCKOUT_MINUTES from its first failure:

- ``client``: the account name or phone *as typed* from one client — the browser's device id (the signed
  device cookie, set by every successful web login) or else the IP address. ZHIJIAO_LOCKOUT_FAILURES (5).
- ``ip``: every identifier from one IP address (an IPv6 /64), one client trying many accounts.
  ZHIJIAO_LOCKOUT_IP_FAILURES (100).
- ``account``: the identifier as typed from anywhere. ZHIJIAO_LOCKOUT_ACCOUNT_FAILURES (10).

When a count reaches its bound, that scope is refused for ZHIJIAO_LOCKOUT_MINUTES (the password is not even
checked). The ``ip`` and ``account`` bounds do not refuse a browser whose device cookie shows an earlier
successful login to that very account (its usual client), so a stranger can lock only their own
clients out, never the owner on their own phone. Identifiers count as typed, known or not, so an unknown
name or phone behaves exactly like a registered one.

Each attempt is counted *before* its password is checked (`reserve`) and given back on success, so a
burst of simultaneous requests cannot check more passwords than a bound allows. Rows hold keyed hashes
(HMAC-SHA256 with the secret key; a plain hash of an 11-digit phone number is reversed in minutes), never
an identifier or an address.
"""

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from zhijiao.accounts.models import LoginThrottle

CLIENT, IP, ACCOUNT = "client", "ip", "account"
SCOPES = (CLIENT, IP, ACCOUNT)
# Scopes a browser that has logged in to the account before is not refused by.
USUAL_CLIENT_PASSES = frozenset({IP, ACCOUNT})

DEVICE_COOKIE = "zj_device"
DEVICE_SALT = "zhijiao.accounts.device"
DEVICE_MAX_AGE = 365 * 24 * 3600
DEVICE_MAX_ACCOUNTS = 30  # a shared classroom computer: the most recent accounts it vouches for
KEY_SALT = "zhijiao.accounts.login-throttle"
PRUNE_AFTER = timedelta(days=1)


# --- who is asking -------------------------------------------------------------------------------------

def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's IP address: REMOTE_ADDR, or, behind ZHIJIAO_PROXY_COUNT reverse proxies that each append
    the address they saw to X-Forwarded-For, the address the outermost of them saw. The header is never
    read otherwise (a client can write anything in it)."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.ZHIJIAO_PROXY_COUNT
    if hops > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            remote = forwarded[-hops]
    return _valid_ip(remote)


def _ip_bucket(ip: str | None) -> str:
    """What the ip scope counts: the address, or the /64 of an IPv6 address (one subscriber's block)."""
    if not ip:
        return ""
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return ip


def _account_mark(device: str, user_pk: int) -> str:
    return salted_hmac(DEVICE_SALT, f"{device}:{user_pk}", algorithm="sha256").hexdigest()[:20]


@dataclass(frozen=True)
class LoginClient:
    """A login's client: its IP address and, from a valid device cookie, the device id and the accounts
    (as keyed marks, not ids) that logged in successfully from it."""

    ip: str | None = None
    device: str = ""
    marks: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"device:{self.device}" if self.device else f"ip:{self.ip or ''}"

    def knows(self, user) -> bool:
        """Has this browser logged in to `user` before (its device cookie says so)?"""
        return bool(user is not None and user.pk and self.device
                    and _account_mark(self.device, user.pk) in self.marks)


def login_client(request) -> LoginClient:
    ip = client_ip(request)
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    if raw:
        try:
            value = signing.loads(raw, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
        except signing.BadSignature:
            value = None
        if (isinstance(value, dict) and isinstance(value.get("d"), str) and value["d"]
                and isinstance(value.get("a"), list)):
            return LoginClient(ip=ip, device=value["d"][:64],
                               marks=tuple(m for m in value["a"] if isinstance(m, str))[:DEVICE_MAX_ACCOUNTS])
    return LoginClient(ip=ip)


def remember_device(response, client: LoginClient, user) -> None:
    """After a successful web login: the device cookie, vouching for `user` (and the accounts it vouched
    for before, the most recent DEVICE_MAX_ACCOUNTS), for a year."""
    device = client.device or secrets.token_urlsafe(16)
    mark = _account_mark(device, user.pk)
    marks = [mark] + [m for m in client.marks if m != mark][:DEVICE_MAX_ACCOUNTS - 1]
    value = signing.dumps({"d": device, "a": marks}, salt=DEVICE_SALT, compress=True)
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)


# --- the counters ----------------------------------------------------------------------------------------

def _digest(*parts: str) -> str:
    return salted_hmac(KEY_SALT, "\x00".join(parts), algorithm="sha256").hexdigest()


def normalise(identifier: str) -> str:
    """The identifier as the login looks it up (find_login_user)."""
    return (identifier or "").strip()


@dataclass(frozen=True)
class Counter:
    scope: str
    key: str
    ident: str


def counters_for(identifier: str, client: LoginClient) -> list[Counter]:
    identifier = normalise(identifier)
    ident = _digest("identifier", identifier)
    return [Counter(CLIENT, _digest(CLIENT, identifier, client.key), ident),
            Counter(IP, _digest(IP, _ip_bucket(client.ip)), ""),
            Counter(ACCOUNT, _digest(ACCOUNT, identifier), ident)]


def bound(scope: str) -> int:
    return {CLIENT: settings.ZHIJIAO_LOCKOUT_FAILURES, IP: settings.ZHIJIAO_LOCKOUT_IP_FAILURES,
            ACCOUNT: settings.ZHIJIAO_LOCKOUT_ACCOUNT_FAILURES}[scope]


def _window() -> timedelta:
    return timedelta(minutes=settings.ZHIJIAO_LOCKOUT_MINUTES)


def _stale(row: LoginThrottle, now) -> bool:
    """A row whose lock is over, or whose window passed without a lock: it starts again from zero."""
    if row.locked_until is not None:
        return row.locked_until <= now
    return row.window_start + _window() <= now


def _locked_rows(counters: list[Counter], now) -> tuple[dict[str, LoginThrottle], bool]:
    """The rows of these counters, created if missing and locked for update (in key order, so two logins
    never wait on each other crosswise), stale ones reset. Also whether a row was created."""
    rows, created_any = {}, False
    for c in sorted(counters, key=lambda c: c.key):
        row, created = LoginThrottle.objects.select_for_update().get_or_create(
            key=c.key, defaults={"scope": c.scope, "ident": c.ident, "window_start": now})
        created_any |= created
        if not created and _stale(row, now):
            row.failures, row.window_start, row.locked_until = 0, now, None
            row.save(update_fields=["failures", "window_start", "locked_until"])
        rows[c.key] = row
    return rows, created_any


@dataclass(frozen=True)
class Refusal:
    scope: str
    retry_after: int  # seconds


def _seconds_until(moment, now) -> int:
    return max(1, int((moment - now).total_seconds() + 0.999))


def reserve(counters: list[Counter], *, usual_client: bool) -> Refusal | None:
    """Before a password is checked: a Refusal if a scope has reached its bound (a lock, or attempts still
    being checked that fill it); else this attempt is counted as a failure in every scope, to be given back
    by `succeeded`. A usual client is not refused by the ip and account scopes."""
    now = timezone.now()
    passes = USUAL_CLIENT_PASSES if usual_client else frozenset()
    with transaction.atomic():
        rows, created = _locked_rows(counters, now)
        for c in counters:  # client, ip, account: the first refusing scope is the one audited
            row = rows[c.key]
            if c.scope in passes:
                continue
            if row.locked_until is not None and row.locked_until > now:
                return Refusal(c.scope, _seconds_until(row.locked_until, now))
            if row.failures >= bound(c.scope):
                return Refusal(c.scope, _seconds_until(row.window_start + _window(), now))
        LoginThrottle.objects.filter(key__in=[c.key for c in counters]).update(failures=F("failures") + 1)
    if created:
        prune()
    return None


def failed(counters: list[Counter]) -> list[tuple[str, object]]:
    """After a wrong password (the attempt already counted): start the lock of every scope whose count
    reached its bound. Returns the locks started, as (scope, until)."""
    now = timezone.now()
    until = now + timedelta(minutes=settings.ZHIJIAO_LOCKOUT_MINUTES)
    scope_of_key = {c.key: c.scope for c in counters}
    started = []
    with transaction.atomic():
        for row in LoginThrottle.objects.select_for_update().filter(key__in=list(scope_of_key)).order_by("key"):
            scope = scope_of_key[row.key]
            already = row.locked_until is not None and row.locked_until > now
            if not already and row.failures >= bound(scope):
                row.locked_until = until
                row.save(update_fields=["locked_until"])
                started.append((scope, until))
    order = {s: i for i, s in enumerate(SCOPES)}
    return sorted(started, key=lambda s: order[s[0]])


def succeeded(counters: list[Counter]) -> None:
    """After the right password: the identifier starts again from zero from this client and (unless a lock
    is running: it runs its course for strangers) from anywhere; the ip scope gets this attempt back."""
    now = timezone.now()
    scope_of_key = {c.key: c.scope for c in counters}
    with transaction.atomic():
        # Locked in key order, as every other writer does, so two logins never wait on each other crosswise.
        for row in LoginThrottle.objects.select_for_update().filter(key__in=list(scope_of_key)).order_by("key"):
            scope = scope_of_key[row.key]
            running = row.locked_until is not None and row.locked_until > now
            if scope == CLIENT or (scope == ACCOUNT and not running):
                row.delete()
            elif row.failures > 0:
                LoginThrottle.objects.filter(pk=row.pk).update(failures=F("failures") - 1)


def clear(identifiers: list[str]) -> int:
    """Forget every count about these identifiers (an admin reset the account's password)."""
    idents = [_digest("identifier", normalise(i)) for i in identifiers if normalise(i)]
    if not idents:
        return 0
    with transaction.atomic():
        ids = list(LoginThrottle.objects.select_for_update().filter(ident__in=idents).order_by("key")
                   .values_list("pk", flat=True))
        return LoginThrottle.objects.filter(pk__in=ids).delete()[0]


def prune(limit: int = 500) -> int:
    """Delete rows idle for a day (no lock running). Called when a failure creates a row, so the table
    stays as small as the recent failures; rows another login holds are skipped."""
    now = timezone.now()
    old = now - PRUNE_AFTER
    with transaction.atomic():
        ids = list(LoginThrottle.objects.select_for_update(skip_locked=True)
                   .filter(window_start__lt=old).filter(Q(locked_until__isnull=True) | Q(locked_until__lt=old))
                   .values_list("pk", flat=True)[:limit])
        if not ids:
            return 0
        return LoginThrottle.objects.filter(pk__in=ids).delete()[0]
