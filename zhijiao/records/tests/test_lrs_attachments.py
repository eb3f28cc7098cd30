"""Attachments in multipart/mixed (sha2 checks) and signed statements (JWS)."""

import base64
import hashlib
import json

from zhijiao.records.tests.conftest import stmt

S = "/xapi/statements"
BOUNDARY = "zj-test-boundary"


def multipart(statements, parts):
    out = [f"--{BOUNDARY}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(statements).encode(),
           b"\r\n"]
    for ctype, data, sha in parts:
        out += [f"--{BOUNDARY}\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: binary\r\n"
                f"X-Experience-API-Hash: {sha}\r\n\r\n".encode(), data, b"\r\n"]
    out.append(f"--{BOUNDARY}--".encode())
    return b"".join(out)


def att(data, usage="http://example.org/usage/essay", ctype="text/plain"):
    return {"usageType": usage, "display": {"zh-CN": "作文"}, "contentType": ctype, "length": len(data),
            "sha2": hashlib.sha256(data).hexdigest()}


CT = f"multipart/mixed; boundary={BOUNDARY}"


def test_attachment_round_trip(lrs):
    data = b"here is a simple attachment"
    body = multipart(stmt(attachments=[att(data)]), [("text/plain", data, hashlib.sha256(data).hexdigest())])
    r = lrs.post(S, body, content_type=CT)
    assert r.status_code == 200, r.content
    sid = r.json()[0]
    plain = lrs.get(S, {"statementId": sid})
    assert plain["Content-Type"] == "application/json"
    r = lrs.get(S, {"statementId": sid, "attachments": "true"})
    assert r["Content-Type"].startswith("multipart/mixed; boundary=")
    assert data in r.content
    r = lrs.get(S, {"attachments": "true"})
    assert data in r.content


def test_missing_attachment_content_refused(lrs):
    data = b"essay"
    r = lrs.post(S, stmt(attachments=[att(data)]))
    assert r.status_code == 400
    assert "attachments[0]" in r.json()["errors"][0]["field"]


def test_file_url_attachment_needs_no_content(lrs):
    a = att(b"x") | {"fileUrl": "http://files.example.org/x.txt"}
    assert lrs.post(S, stmt(attachments=[a])).status_code == 200


def test_hash_mismatch_refused(lrs):
    data = b"essay"
    body = multipart(stmt(attachments=[att(data)]), [("text/plain", b"tampered", hashlib.sha256(data).hexdigest())])
    assert lrs.post(S, body, content_type=CT).status_code == 400


def test_undeclared_part_refused(lrs):
    extra = b"stray"
    body = multipart(stmt(), [("text/plain", extra, hashlib.sha256(extra).hexdigest())])
    assert lrs.post(S, body, content_type=CT).status_code == 400


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _signed(statement, payload=None, alg="RS256"):
    jws = ".".join([_b64(json.dumps({"alg": alg}).encode()), _b64(json.dumps(payload or statement).encode()),
                    _b64(b"signature-bytes")]).encode()
    a = att(jws, usage="http://adlnet.gov/expapi/attachments/signature", ctype="application/octet-stream")
    signed = dict(statement, attachments=[a])
    return multipart(signed, [("application/octet-stream", jws, a["sha2"])])


def test_signed_statement_accepted(lrs):
    s = stmt(id="6690e6c9-3ef0-4ed3-8b37-7f3964730bee")
    r = lrs.post(S, _signed(s), content_type=CT)
    assert r.status_code == 200, r.content


def test_signed_statement_with_other_payload_refused(lrs):
    s = stmt()
    other = stmt(verb={"id": "http://adlnet.gov/expapi/verbs/failed"})
    r = lrs.post(S, _signed(s, payload=other), content_type=CT)
    assert r.status_code == 400
    assert "JWS" in r.json()["errors"][0]["reason"]


def test_malformed_jws_refused(lrs):
    s = stmt()
    bad = b"not-a-jws"
    a = att(bad, usage="http://adlnet.gov/expapi/attachments/signature", ctype="application/octet-stream")
    body = multipart(dict(s, attachments=[a]), [("application/octet-stream", bad, a["sha2"])])
    assert lrs.post(S, body, content_type=CT).status_code == 400
    assert lrs.post(S, _signed(s, alg="none"), content_type=CT).status_code == 400


def test_part_without_binary_transfer_encoding_refused(lrs):
    data = b"essay"
    body = multipart(stmt(attachments=[att(data)]), [("text/plain", data, hashlib.sha256(data).hexdigest())])
    body = body.replace(b"Content-Transfer-Encoding: binary\r\n", b"")
    assert lrs.post(S, body, content_type=CT).status_code == 400


def test_multipart_framing_errors_refused(lrs):
    data = b"essay"
    body = multipart(stmt(attachments=[att(data)]), [("text/plain", data, hashlib.sha256(data).hexdigest())])
    assert lrs.post(S, body, content_type="multipart/mixed;").status_code == 400
    assert lrs.post(S, body, content_type=f"multipart/form-data; boundary={BOUNDARY}").status_code == 400
    first_not_json = body.replace(b"Content-Type: application/json", b"Content-Type: text/plain", 1)
    assert lrs.post(S, first_not_json, content_type=CT).status_code == 400
    lf_only = body.replace(b"\r\n", b"\n")
    assert lrs.post(S, lf_only, content_type=CT).status_code == 200
