"""The one cache round trip at the start of a request (`core.cache.prefetch`): what a request remembers is
never staler than what it would have read — a bump in the request, a bump by another process between two
requests, an unread count changed in the request."""

import pytest
from django.core.cache import cache as django_cache

from zhijiao.core import cache


def test_a_value_guessed_under_an_old_generation_is_not_used():
    built = []

    def build():
        built.append(1)
        return f"value {len(built)}"

    with cache.request_scope():
        cache.prefetch(["things"], values=[("things", "k")])
        assert cache.cached("things", "k", build) == "value 1"
    django_cache.incr("zj:gen:things")  # another process changed the things
    with cache.request_scope():
        cache.prefetch(["things"], values=[("things", "k")])  # guesses the old generation's key
        assert cache.cached("things", "k", build) == "value 2"
    with cache.request_scope():
        cache.prefetch(["things"], values=[("things", "k")])  # now the guess is right: no build
        assert cache.cached("things", "k", build) == "value 2" and len(built) == 2


@pytest.mark.django_db
def test_a_bump_inside_the_request_is_seen_by_the_request():
    with cache.request_scope():
        cache.prefetch(["things"])
        assert cache.cached("things", "k", lambda: "before") == "before"
        cache.generation_bump("things")
        assert cache.cached("things", "k", lambda: "after") == "after"


@pytest.mark.django_db
def test_the_unread_count_follows_a_notification_in_the_same_request(users):
    from zhijiao.core.actions import notifications_mark_read, notify
    from zhijiao.core.selectors import unread_count_key, unread_notification_count

    user = users["laoshi"]
    notifications_mark_read(user=user)
    with cache.request_scope():
        cache.prefetch([], keys=[unread_count_key(user.pk)])
        before = unread_notification_count(user=user)
        notify(users=[user], kind="test", title="新消息")
        assert unread_notification_count(user=user) == before + 1
