"""Login throttling (accounts/throttle.py, docs/permissions.md "Login"): the same answer for unknown and
known account names and phones, per-client and per-IP bounds, an account-wide bound that spares the
owner's usual browser, a lock that runs its window, an admin reset that clears it, and the audit of it all."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.core.checks import run_checks
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from zhijiao.accounts import throttle
from zhijiao.accounts.actions import password_reset_by_admin
from zhijiao.accounts.models import AuditAction, AuditLog, LoginThrottle, User
from zhijiao.demo.logins import DEMO_PASSWORD

STRANGER, OWNER = "203.0.113.9", "198.51.100.7"
UNKNOWN_PHONE = "13912345670"
TOKEN = "/api/v1/auth/token"


def web(client, identifier, password, ip):
    return client.post(reverse("accounts:login"), {"identifier": identifier, "password": password}, REMOTE_ADDR=ip)


def api(client, identifier, password, ip):
    return client.post(TOKEN, {"username": identifier, "password": password}, content_type="application/json",
                       REMOTE_ADDR=ip)


def page_without(resp, identifier):
    """The login page as answered, minus what differs per request anyway: the identifier typed back into
    the form and the masked CSRF token."""
    html = resp.content.decode().replace(identifier, "IDENTIFIER")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)


@pytest.fixture
def identifiers(users):
    """An unknown account name, an unknown phone, a known account name and a known phone."""
    assert not User.objects.filter(phone=UNKNOWN_PHONE).exists()
    assert users["jiazhang"].phone
    return ["nobody_here", UNKNOWN_PHONE, "laoshi", users["jiazhang"].phone]


def test_every_failure_before_a_lock_answers_the_same_on_the_web(client, identifiers, settings):
    settings.ZHIJIAO_LOCKOUT_IP_FAILURES = 100
    answers = []
    for n, identifier in enumerate(identifiers):
        ip = f"192.0.2.{n + 1}"
        for _ in range(settings.ZHIJIAO_LOCKOUT_FAILURES - 1):  # the last failure before the lock too
            resp = web(client, identifier, "wrong-password", ip)
            assert resp.status_code == 401
            assert "账号或密码不正确。" in resp.content.decode() and "还可尝试" not in resp.content.decode()
        answers.append(page_without(resp, identifier))
    assert len(set(answers)) == 1


def test_every_failure_before_a_lock_answers_the_same_on_the_api(client, identifiers, settings):
    for n, identifier in enumerate(identifiers):
        for _ in range(settings.ZHIJIAO_LOCKOUT_FAILURES - 1):
            resp = api(client, identifier, "wrong-password", f"192.0.2.{n + 1}")
            assert resp.status_code == 401 and resp.json() == {"detail": "账号或密码不正确。"}
            assert "Retry-After" not in resp


def test_a_lock_answers_the_same_for_unknown_and_known_identifiers(client, identifiers, settings):
    web_pages, api_answers = set(), set()
    for n, identifier in enumerate(identifiers):
        ip = f"192.0.2.{n + 1}"
        for _ in range(settings.ZHIJIAO_LOCKOUT_FAILURES):
            resp = web(client, identifier, "wrong-password", ip)
        # The failure that reached the bound already says so; then even the right password is refused.
        assert resp.status_code == 429 and resp["Retry-After"] == str(settings.ZHIJIAO_LOCKOUT_MINUTES * 60)
        resp = web(client, identifier, DEMO_PASSWORD, ip)
        assert resp.status_code == 429 and "尝试次数过多，请 15 分钟后再试。" in resp.content.decode()
        web_pages.add(page_without(resp, identifier))
        resp = api(client, identifier, DEMO_PASSWORD, ip)
        assert resp.status_code == 429 and 0 < int(resp["Retry-After"]) <= 15 * 60
        api_answers.add(resp.content)
    assert len(web_pages) == 1 and len(api_answers) == 1


def test_a_stranger_failing_cannot_lock_the_owner_out(client, users, settings):
    for _ in range(settings.ZHIJIAO_LOCKOUT_FAILURES + 3):
        web(client, "laoshi", "guess", STRANGER)
    assert web(client, "laoshi", DEMO_PASSWORD, STRANGER).status_code == 429  # from the stranger: refused
    assert web(client, "laoshi", DEMO_PASSWORD, OWNER).status_code == 302  # the owner, elsewhere: in
    client.logout()
    assert api(client, users["laoshi"].phone, DEMO_PASSWORD, OWNER).status_code == 200


def test_the_account_wide_bound_spares_the_owners_usual_browser(users, settings):
    settings.ZHIJIAO_LOCKOUT_ACCOUNT_FAILURES = 6
    owner = Client()
    assert web(owner, "laoshi", DEMO_PASSWORD, OWNER).status_code == 302  # leaves the device cookie
    owner.post(reverse("accounts:logout"))
    other = Client()  # a browser that logged in to another account
    assert web(other, "jiazhang", DEMO_PASSWORD, "192.0.2.50").status_code == 302
    other.post(reverse("accounts:logout"))

    strangers = Client()
    for n in range(3):  # two failures from each of three addresses: no per-client bound reached
        for _ in range(2):
            resp = web(strangers, "laoshi", "guess", f"192.0.2.{n + 1}")
    assert resp.status_code == 429
    assert web(strangers, "laoshi", DEMO_PASSWORD, "192.0.2.99").status_code == 429  # a new stranger
    assert api(strangers, "laoshi", DEMO_PASSWORD, "192.0.2.99").status_code == 429
    assert web(other, "laoshi", DEMO_PASSWORD, "192.0.2.50").status_code == 429  # vouches for jiazhang only
    forged = Client()
    forged.cookies[throttle.DEVICE_COOKIE] = owner.cookies[throttle.DEVICE_COOKIE].value[:-2] + "xx"
    assert web(forged, "laoshi", DEMO_PASSWORD, "192.0.2.51").status_code == 429
    # The owner's browser, even from an address it never used, logs in.
    assert web(owner, "laoshi", DEMO_PASSWORD, "192.0.2.77").status_code == 302
    # The admins' pages show the account as locked (to strangers) until the lock ends.
    assert User.objects.get(pk=users["laoshi"].pk).is_locked
    lock = AuditLog.objects.get(action=AuditAction.LOCKED, detail__scope="account")
    assert lock.target_id == str(users["laoshi"].pk) and lock.detail["identifier"] == "la**hi"


def test_the_device_cookie(client, users, settings):
    settings.SESSION_COOKIE_SECURE = True
    web(client, "laoshi", DEMO_PASSWORD, OWNER)
    cookie = client.cookies[throttle.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["secure"]
    assert int(cookie["max-age"]) == 365 * 24 * 3600
    value = signing.loads(cookie.value, salt=throttle.DEVICE_SALT)
    assert len(value["a"]) == 1 and value["a"][0] != str(users["laoshi"].pk)  # a keyed mark, not the account id
    # A second account from the same browser is added; the device keeps its id.
    device = throttle.login_client(RequestFactory().get("/", HTTP_COOKIE=f"{throttle.DEVICE_COOKIE}={cookie.value}"))
    client.post(reverse("accounts:logout"))
    web(client, "jiazhang", DEMO_PASSWORD, OWNER)
    again = throttle.login_client(RequestFactory().get(
        "/", HTTP_COOKIE=f"{throttle.DEVICE_COOKIE}={client.cookies[throttle.DEVICE_COOKIE].value}"))
    assert again.device == device.device
    assert again.knows(users["laoshi"]) and again.knows(users["jiazhang"]) and not again.knows(users["xuesheng"])


def test_a_client_spraying_many_accounts_is_throttled(client, users, settings):
    settings.ZHIJIAO_LOCKOUT_IP_FAILURES = 6
    for name in ["xuesheng", "laoshi2", "jiazhang", "nobody1", UNKNOWN_PHONE, "qu_admin"]:
        resp = web(client, name, "123456", STRANGER)
    assert resp.status_code == 429
    assert web(client, "laoshi", DEMO_PASSWORD, STRANGER).status_code == 429
    assert api(client, "laoshi", DEMO_PASSWORD, STRANGER).status_code == 429
    assert web(client, "laoshi", DEMO_PASSWORD, OWNER).status_code == 302
    refused = AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, detail__reason="throttled-ip")
    assert refused.count() == 2 and {e.ip for e in refused} == {STRANGER}
    assert AuditLog.objects.filter(action=AuditAction.LOCKED, detail__scope="ip").count() == 1


def test_the_right_password_waits_for_the_window(client, users, settings):
    for _ in range(settings.ZHIJIAO_LOCKOUT_FAILURES):
        web(client, "xuesheng", "wrong", STRANGER)
    resp = web(client, "xuesheng", DEMO_PASSWORD, STRANGER)
    assert resp.status_code == 429 and 14 * 60 < int(resp["Retry-After"]) <= 15 * 60
    later = timezone.now() + timedelta(minutes=settings.ZHIJIAO_LOCKOUT_MINUTES, seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert web(client, "xuesheng", DEMO_PASSWORD, STRANGER).status_code == 302
        client.logout()
        # The success started the count again: one more failure is just a failure.
        assert web(client, "xuesheng", "wrong", STRANGER).status_code == 401


def test_failures_spread_over_time_reset_with_the_window(client, users, settings):
    start = timezone.now()
    for minutes in (0, 20, 40, 60, 80, 100):  # one failure each 20 minutes: never 5 in one window
        with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=minutes)):
            for _ in range(2):
                resp = web(client, "xuesheng", "wrong", STRANGER)
                assert resp.status_code == 401 and "账号或密码不正确。" in resp.content.decode()


def test_an_admin_reset_clears_the_lock(client, users, settings):
    person = users["laoshi"]
    for n in range(3):
        for _ in range(settings.ZHIJIAO_LOCKOUT_FAILURES):
            web(client, person.phone, "guess", f"192.0.2.{n + 1}")
    assert web(client, person.phone, DEMO_PASSWORD, "192.0.2.1").status_code == 429
    assert LoginThrottle.objects.exclude(ident="").exists()
    temporary = password_reset_by_admin(admin=users["xiao_admin"], person=person)
    assert not LoginThrottle.objects.exclude(ident="").exists()  # only the per-IP rows are left
    assert not User.objects.get(pk=person.pk).is_locked
    assert web(client, person.phone, temporary, "192.0.2.1").status_code == 302


def test_failures_and_locks_are_audited_with_masked_identifiers(client, users, settings):
    phone = users["jiazhang"].phone
    for _ in range(settings.ZHIJIAO_LOCKOUT_FAILURES):
        web(client, phone, "wrong", STRANGER)
        web(client, UNKNOWN_PHONE, "wrong", STRANGER)
    web(client, phone, DEMO_PASSWORD, STRANGER)
    web(client, UNKNOWN_PHONE, DEMO_PASSWORD, STRANGER)
    failed = AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED)
    reasons = sorted(e.detail["reason"] for e in failed)
    assert reasons == ["password"] * 5 + ["throttled-client"] * 2 + ["unknown"] * 5
    locks = AuditLog.objects.filter(action=AuditAction.LOCKED)
    assert sorted(e.detail["scope"] for e in locks) == ["client", "client"]
    for entry in [*failed, *locks]:
        assert phone not in str(entry.detail) and UNKNOWN_PHONE not in str(entry.detail)
        assert entry.detail["identifier"] in (phone[:2] + "*" * 7 + phone[-2:], "13*******70")
        assert entry.ip == STRANGER
    known = failed.filter(detail__reason="password").first()
    assert known.target_id == str(users["jiazhang"].pk) and known.school is not None  # its school's admins see it
    # Nor are numbers or addresses kept in the counters.
    for row in LoginThrottle.objects.values_list("key", "ident"):
        assert phone not in str(row) and STRANGER not in str(row) and UNKNOWN_PHONE not in str(row)


def test_simultaneous_attempts_cannot_check_more_passwords_than_the_bound(users, settings):
    client = throttle.LoginClient(ip=STRANGER)
    counters = throttle.counters_for("laoshi", client)
    # Five requests in flight at once, none answered yet: the sixth is refused before any password check.
    for _ in range(settings.ZHIJIAO_LOCKOUT_FAILURES):
        assert throttle.reserve(counters, usual_client=False) is None
    refusal = throttle.reserve(counters, usual_client=False)
    assert refusal is not None and refusal.scope == "client"


def test_the_ops_admin_login_is_throttled_too(client, users, settings):
    for _ in range(settings.ZHIJIAO_LOCKOUT_FAILURES):
        client.post("/ops/admin/login/", {"username": "laoshi", "password": "guess"}, REMOTE_ADDR=STRANGER)
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, detail__reason="password").count() == 5
    assert web(client, "laoshi", DEMO_PASSWORD, STRANGER).status_code == 429


def test_client_address_ignores_x_forwarded_for_unless_told(settings):
    rf = RequestFactory()
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9")
    assert throttle.client_ip(request) == "127.0.0.1"
    settings.ZHIJIAO_PROXY_COUNT = 1
    assert throttle.client_ip(request) == "203.0.113.9"  # what nginx saw, not what the client wrote
    assert throttle.client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="junk")) is None
    assert throttle.client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"
    # One IPv6 subscriber's /64 is one client for the per-IP bound.
    a, b = throttle.LoginClient(ip="2001:db8:1:2::1"), throttle.LoginClient(ip="2001:db8:1:2:ffff::9")
    assert throttle.counters_for("x", a)[1] == throttle.counters_for("x", b)[1]


def test_a_tls_deployment_without_a_proxy_count_is_warned(settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.ZHIJIAO_PROXY_COUNT = 0
    assert "zhijiao.accounts.W001" in [w.id for w in run_checks(tags=["zhijiao"])]
    settings.ZHIJIAO_PROXY_COUNT = 1
    assert "zhijiao.accounts.W001" not in [w.id for w in run_checks(tags=["zhijiao"])]
