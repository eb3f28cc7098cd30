"""The whole API under schemathesis (issue 11, item 8): every operation of /api/v1/openapi.json called with
generated valid and invalid input, as a teacher and as a student, a bounded number of examples each. No
answer may be a server error, and every answer must be documented: its status, content type and body
schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 12  # per operation and role: a bound, so the run stays within CI's time


def _schema():
    from zhijiao.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


schema = _schema()  # the document as any client reads it (it needs no database)


def _bearer(username: str) -> dict:
    from zhijiao.accounts.actions import token_issue
    from zhijiao.accounts.models import User

    user = User.objects.get(username=username)
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])
    return {"Authorization": f"Bearer {token_issue(user=user).key}"}


@pytest.mark.parametrize("username", ["laoshi", "xuesheng"])
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_operation_answers_as_documented(case, username, demo):
    # identity: the body as sent, not gzip (the test transport does not decompress)
    case.call_and_validate(headers={**_bearer(username), "Accept-Encoding": "identity"}, checks=[not_a_server_error, status_code_conformance,
                                                   content_type_conformance, response_schema_conformance])
