"""The Redis cache backend `zhijiao serve` uses when REDIS_URL is set, against the real Redis (db 6)."""

import os
import threading

import pytest
import redis

from zhijiao.core.redis_cache import RedisCache

URL = os.environ.get("ZHIJIAO_TEST_REDIS_CACHE_URL", "redis://127.0.0.1:6379/6")


@pytest.fixture
def cache():
    try:
        redis.Redis.from_url(URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("ZHIJIAO_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis at {URL} does not answer ({exc}); ZHIJIAO_REQUIRE_SERVICES=1 requires it")
        pytest.skip(f"Redis at {URL} does not answer ({exc})")
    backend = RedisCache(URL, {"KEY_PREFIX": f"test-{os.getpid()}"})
    backend.clear()
    yield backend
    backend.clear()


def test_values_round_trip_and_expire_as_with_djangos_backend(cache):
    cache.set("scope:7", {"schools": [3, 5]}, 60)
    assert cache.get("scope:7") == {"schools": [3, 5]}
    assert cache.add("gen", 1, None) and not cache.add("gen", 9, None)
    assert cache.incr("gen") == 2
    cache.set_many({"a": 1, "b": "二"}, 60)
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": "二"}
    cache.delete_many(["a", "b"])
    assert cache.get("a", "gone") == "gone"
    cache.set("now", 1, 0)  # a timeout of 0 deletes, as Django documents
    assert cache.get("now") is None


def test_one_client_serves_every_call_and_every_thread(cache):
    clients = []
    errors = []

    def work(n):
        try:
            for i in range(50):
                cache.set(f"k{n}:{i}", i, 60)
                assert cache.get(f"k{n}:{i}") == i
            clients.append(cache._cache.get_client())  # kept alive: ids of freed objects repeat
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({id(c) for c in clients}) == 1  # not a new redis.Redis (and its callback table) per call
