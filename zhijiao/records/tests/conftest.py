import base64
import json

import pytest
from django.test import Client

V = {"HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}


class Lrs:
    """A test client speaking xAPI with one registered client's credentials."""

    def __init__(self, key: str, secret: str):
        self.auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.c = Client()

    def _h(self, extra):
        h = {"HTTP_AUTHORIZATION": self.auth, **V}
        h.update(extra)
        return h

    def get(self, path, params=None, **extra):
        return self.c.get(path, params or {}, **self._h(extra))

    def head(self, path, params=None, **extra):
        return self.c.head(path, params or {}, **self._h(extra))

    def post(self, path, data, content_type="application/json", **extra):
        body = json.dumps(data) if content_type == "application/json" and not isinstance(data, str | bytes) else data
        return self.c.post(path, body, content_type=content_type, **self._h(extra))

    def put(self, path, data, content_type="application/json", **extra):
        body = json.dumps(data) if content_type == "application/json" and not isinstance(data, str | bytes) else data
        return self.c.put(path, body, content_type=content_type, **self._h(extra))

    def delete(self, path, **extra):
        return self.c.delete(path, **self._h(extra))


def make_client(scopes=("all",), name="test"):
    from zhijiao.records.actions import lrs_client_create

    issued = lrs_client_create(actor=None, name=name, scopes=list(scopes))
    return Lrs(issued.key, issued.secret)


@pytest.fixture
def lrs(db):
    return make_client()


@pytest.fixture
def lrs_factory(db):
    return make_client


def stmt(**over):
    s = {
        "actor": {"objectType": "Agent", "name": "测试", "mbox": "mailto:tester@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": "http://example.org/activity/1",
                   "definition": {"name": {"en-US": "Activity 1"}}},
    }
    s.update(over)
    return s
