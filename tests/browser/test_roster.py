"""Roster import in a real Chromium: a file with bad rows shows their row numbers; a good file imports."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEAD = "学校代码,年级,班级名称,姓名,学籍号,性别,身份证号,家长姓名,家长手机号,关系"


@pytest.fixture
def district(transactional_db):
    from zhijiao.demo.builder import build_demo

    return build_demo(size="small", extensions=False)


def _write(tmp_path, name, rows, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes("\r\n".join([HEAD, *rows]).encode(encoding))
    return str(path)


def test_bad_rows_then_good_file_on_a_phone(district, phone_page, browser_login, live_server, tmp_path):
    from zhijiao.accounts.models import User

    code = district.schools[0].code
    p = browser_login(phone_page, "xiao_admin")
    p.goto(f"{live_server.url}/accounts/roster/")
    assert p.locator("h1").inner_text() == "花名册导入"
    assert p.locator("[data-testid=template-link]").is_visible()

    bad = _write(tmp_path, "bad.csv", [
        f"{code},一年级,1班,浏览器甲,G5101086666000001,女,,,,",
        f"{code},一年级,1班,浏览器乙,G5101086666000001,男,,,,",
        f"{code},一年级,1班,浏览器丙,G5101086666000003,男,,家长,12345,父亲",
    ], encoding="gbk")
    p.set_input_files("#id_files", bad)
    p.click("[data-testid=upload]")
    p.wait_for_load_state()
    assert "有 2 行数据有错误" in p.locator("[data-testid=bad-rows-summary]").inner_text()
    assert p.locator("[data-testid=issue-row]").all_inner_texts() == ["3", "4"]
    assert "GBK" in p.locator("[data-testid=notice]").first.inner_text()
    assert p.locator("[data-testid=confirm]").count() == 0
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    assert not User.objects.filter(student_number="G5101086666000001").exists()

    p.click("text=改正后重新上传")
    good = _write(tmp_path, "good.csv", [
        f"{code},一年级,1班,浏览器甲,G5101086666000001,女,,,,",
        f"{code},一年级,2班,浏览器乙,G5101086666000002,男,,家长乙,13700006666,父亲",
    ])
    p.set_input_files("#id_files", good)
    p.click("[data-testid=upload]")
    p.wait_for_load_state()
    plan = p.locator("[data-testid=plan]").inner_text()
    assert "浏览器甲" in plan and "新建" in plan
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    p.click("[data-testid=confirm]")
    p.wait_for_load_state()
    assert "新建账号 3 个" in p.locator("[data-testid=imported]").inner_text()
    with p.expect_download() as info:
        p.click("[data-testid=passwords-link]")
    assert info.value.suggested_filename.endswith(".xlsx")
    assert User.objects.filter(student_number__in=["G5101086666000001", "G5101086666000002"]).count() == 2
    assert User.objects.get(phone="13700006666").must_change_password


def test_wrong_file_type_is_refused(district, page, browser_login, live_server, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    p = browser_login(page, "qu_admin")
    p.goto(f"{live_server.url}/accounts/roster/")
    p.set_input_files("#id_files", str(path))
    p.click("[data-testid=upload]")
    p.wait_for_load_state()
    assert "不是 CSV 或 XLSX" in p.locator("[data-testid=upload-error]").inner_text()
