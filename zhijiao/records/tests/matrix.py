from tests.matrix import Case

XAPI_AUTH = ("xAPI endpoint with its own auth (HTTP Basic client keys or platform bearer tokens, scoped per "
             "statement); covered by zhijiao/records/tests/test_lrs_access.py")

CASES = [
    Case("records:clients", lambda w: "/records/clients/", allowed="qu_admin", denied="xiao_admin",
         note="district admins manage xAPI clients"),
    Case("records:clients", lambda w: "/records/clients/", allowed="qu_admin", denied="xuesheng", method="POST",
         data=lambda w: {"name": "测评系统", "scopes": ["statements/write"]}),
    Case("records:client_revoke", lambda w: f"/records/clients/{_client(w)}/revoke", allowed="qu_admin",
         denied="duxue", method="POST"),
]


def _client(w) -> int:
    from zhijiao.records.actions import lrs_client_create
    from zhijiao.records.models import LrsClient

    existing = LrsClient.objects.filter(name="matrix").first()
    return (existing or lrs_client_create(actor=None, name="matrix", scopes=["all"]).client).pk


EXEMPT = {
    "xapi:statements": XAPI_AUTH,
    "xapi:state": XAPI_AUTH,
    "xapi:activity_profile": XAPI_AUTH,
    "xapi:agent_profile": XAPI_AUTH,
    "xapi:activities": XAPI_AUTH,
    "xapi:agents": XAPI_AUTH,
    "xapi:about": "xAPI about resource: public by the spec (versions only, no data)",
}
