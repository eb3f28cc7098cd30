"""Roster import from the web page (upload → dry run → confirm → result) and from `zhijiao import-roster`."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from zhijiao.accounts.models import User
from zhijiao.accounts.tests.test_roster_import import STUDENT_HEAD, full_workbook


def _csv(school, *rows) -> bytes:
    return "\r\n".join([STUDENT_HEAD, *[r.format(code=school.code) for r in rows]]).encode()


GOOD = "{code},一年级,1班,网页导入,G5101089999400001,女,,,,"
BAD = "{code},一年级,9班,无此班,G5101089999400002,女,,,,"


def test_upload_bad_rows_shows_row_numbers_and_imports_nothing(client_as, users, demo):
    c = client_as(users["xiao_admin"])
    resp = c.post("/accounts/roster/", {"files": SimpleUploadedFile("学生.csv", _csv(demo.schools[0], GOOD, BAD))})
    assert resp.status_code == 302
    preview = resp["Location"]
    assert "G51010" not in preview  # the URL carries a random token only
    page = c.get(preview).content.decode()
    assert "有 1 行数据有错误" in page and "未知班级" in page and 'data-testid="issue-row">3<' in page
    assert 'data-testid="confirm"' not in page
    assert c.post(preview).status_code == 200  # a forced confirm still imports nothing
    assert not User.objects.filter(student_number="G5101089999400001").exists()


def test_upload_confirm_result_and_password_file(client_as, users, demo):
    c = client_as(users["xiao_cio"])
    preview = c.post("/accounts/roster/", {"files": SimpleUploadedFile("学生.csv", _csv(demo.schools[0], GOOD))})["Location"]
    page = c.get(preview).content.decode()
    assert "新建" in page and "网页导入" in page and 'data-testid="confirm"' in page
    assert not User.objects.filter(student_number="G5101089999400001").exists()
    result = c.post(preview)
    assert result.status_code == 302 and result["Location"].endswith("/result/")
    assert "新建账号 1 个" in c.get(result["Location"]).content.decode()
    assert c.get(preview).status_code == 302  # the same upload cannot be imported twice
    download = c.get(result["Location"].replace("result/", "accounts.xlsx"))
    assert download.status_code == 200 and download["Cache-Control"] == "no-store"
    ws = load_workbook(io.BytesIO(download.content)).active
    header, row = [c.value for c in ws[1]], [c.value for c in ws[2]]
    assert header[:4] == ["类型", "姓名", "账号", "初始密码"]
    kid = User.objects.get(student_number="G5101089999400001")
    assert row[2] == kid.username and kid.check_password(row[3]) and kid.must_change_password


@pytest.mark.parametrize("name,data,message", [
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "不是 CSV 或 XLSX"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "旧版 Excel"),
    ("big.csv", b"a" * (10 * 1024 * 1024 + 1), "超过 10 MB"),
    ("weird.csv", b"name\n\x81\x30\xff\xff", "无法识别文件"),
])
def test_wrong_files_are_refused_in_chinese(client_as, users, name, data, message):
    resp = client_as(users["qu_admin"]).post("/accounts/roster/", {"files": SimpleUploadedFile(name, data)})
    assert resp.status_code == 400 and message in resp.content.decode()


def test_template_download(client_as, users):
    resp = client_as(users["xiao_admin"]).get("/accounts/roster/template.xlsx")
    assert resp.status_code == 200
    assert load_workbook(io.BytesIO(resp.content)).sheetnames == ["说明", "学校", "班级", "教师", "学生", "家长"]


def test_teacher_gets_404(client_as, users):
    assert client_as(users["laoshi"]).get("/accounts/roster/").status_code == 404


def test_cli_dry_run_then_import_and_exit_codes(users, demo, tmp_path, capsys):
    school = demo.schools[0]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv(school, GOOD, BAD))
    with pytest.raises(CommandError) as exc:
        call_command("import_roster", str(bad), "--dry-run")
    assert exc.value.returncode == 1
    out = capsys.readouterr().out
    assert "bad.csv 第 3 行" in out and "未知班级" in out

    good = tmp_path / "good.xlsx"
    good.write_bytes(full_workbook()[1])
    call_command("import_roster", str(good), "--dry-run")
    out = capsys.readouterr().out
    assert "学生: 2 / 0 / 0" in out and "试运行" in out
    assert not User.objects.filter(student_number="G510108201503010021").exists()

    passwords = tmp_path / "pw.xlsx"
    call_command("import_roster", str(good), "--passwords", str(passwords))
    assert User.objects.filter(student_number="G510108201503010021").exists()
    assert passwords.exists() and (passwords.stat().st_mode & 0o077) == 0
    call_command("import_roster", str(good))
    assert "学生: 0 / 0 / 2" in capsys.readouterr().out


def test_cli_as_a_school_admin_keeps_their_scope(users, demo, tmp_path):
    f = tmp_path / "班级.csv"
    f.write_text(f"学校代码,年级,班级名称\n{demo.schools[1].code},一年级,8班\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("import_roster", str(f), "--as", "xiao_admin")
    assert exc.value.returncode == 1
    with pytest.raises(CommandError) as exc:
        call_command("import_roster", str(f), "--as", "laoshi")
    assert exc.value.returncode == 2
