"""Roster import (花名册导入): the checks a school secretary relies on, against the small demo district."""

import io

import pytest
from openpyxl import Workbook

from zhijiao.accounts import roster as R
from zhijiao.accounts.models import AuditAction, AuditLog, Role, RoleKind, User
from zhijiao.accounts.roster_actions import roster_import
from zhijiao.core.models import NodeKind, OrgNode
from zhijiao.records.models import Statement

STUDENT_HEAD = "学校代码,年级,班级名称,姓名,学籍号,性别,身份证号,家长姓名,家长手机号,关系"


def valid_id(prefix17: str) -> str:
    total = sum(int(d) * w for d, w in zip(prefix17, R.ID_WEIGHTS, strict=True))
    return prefix17 + R.ID_CHECK[total % 11]


def csv_file(name: str, text: str, encoding="utf-8") -> tuple[str, bytes]:
    return name, text.strip().replace("\n", "\r\n").encode(encoding)


def xlsx_file(sheets: dict[str, list[list]]) -> tuple[str, bytes]:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return "roster.xlsx", buf.getvalue()


@pytest.fixture
def school(demo):
    return demo.schools[0]


def students_csv(school, rows: list[str]) -> tuple[str, bytes]:
    return csv_file("学生.csv", "\n".join([STUDENT_HEAD, *rows]))


def test_good_csv_dry_run_then_import(users, school):
    sid = valid_id("51010820150301002")
    f = students_csv(school, [
        f"{school.code},一年级,1班,王小明,G5101089999000001,男,{sid},王大明,13912345678,父亲",
        f"{school.code},一年级,(2)班,李小红,G5101089999000002,女,,,,",
    ])
    dry = roster_import(actor=users["xiao_admin"], files=[f], dry_run=True)
    assert dry.ok, dry.text()
    assert dry.counts["students"]["create"] == 2 and dry.counts["parents"]["create"] == 1
    assert not User.objects.filter(student_number="G5101089999000001").exists()

    done = roster_import(actor=users["xiao_admin"], files=[f])
    assert done.imported and len(done.accounts) == 3
    kid = User.objects.get(student_number="G5101089999000001")
    assert kid.must_change_password and kid.id_number_tail == sid[-4:] and kid.id_number_hash
    assert sid not in str(User.objects.filter(pk=kid.pk).values().first())
    klass = Role.objects.get(user=kid, kind=RoleKind.STUDENT).node
    assert klass.name == "一年级(1)班" and klass.path.startswith(school.path)
    parent = User.objects.get(phone="13912345678")
    assert Role.objects.filter(user=parent, kind=RoleKind.PARENT, child=kid, node=klass, relation="父亲").exists()
    password = next(a.password for a in done.accounts if a.username == kid.username)
    assert kid.check_password(password)
    assert Statement.objects.filter(verb__endswith="/imported").count() == 1
    log = AuditLog.objects.get(action=AuditAction.IMPORT)
    assert log.detail["counts"]["students"]["create"] == 2 and "王小明" not in str(log.detail)


def _issues(report):
    return {(i.sheet, i.row): i.message for i in report.issues}


def test_bad_rows_each_reason_by_row_number_and_nothing_imported(users, school, demo):
    other = demo.schools[1]
    existing_sn = users["xuesheng"].student_number
    other_student = User.objects.filter(roles__kind=RoleKind.STUDENT,
                                        roles__node__path__startswith=other.path).first()
    good_id = valid_id("51010820150301002")
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")
    f = students_csv(school, [
        f"{school.code},一年级,1班,好学生,G5101089999100001,男,,,,",          # 2 good
        f"{school.code},一年级,1班,重复甲,G5101089999100002,男,,,,",          # 3 good, duplicated by 4
        f"{school.code},一年级,1班,重复乙,G5101089999100002,女,,,,",          # 4 duplicate in file
        f"{school.code},一年级,9班,无此班,G5101089999100003,女,,,,",          # 5 unknown class
        "999999999999,一年级,1班,无此校,G5101089999100004,女,,,,",           # 6 unknown school
        f"{school.code},一年级,1班,电话错,G5101089999100005,女,,家长,1381234,母亲",  # 7 malformed phone
        f"{school.code},一年级,1班,证件错,G5101089999100006,女,{bad_id},,,",  # 8 bad check digit
        f"{school.code},一年级,1班,,G5101089999100007,女,,,,",               # 9 missing name
        f"{other.code},一年级,1班,他校生,G5101089999100008,女,,,,",           # 10 another school
        f"{school.code},一年级,1班,冒名,{other_student.student_number},女,,,,",  # 11 clash: another school's student
        f"{school.code},高一,1班,错年级,G5101089999100009,女,,,,",            # 12 grade not in a primary school
    ])
    report = roster_import(actor=users["xiao_admin"], files=[f])
    issues = _issues(report)
    assert not report.imported
    assert set(issues) == {("学生.csv", n) for n in (4, 5, 6, 7, 8, 9, 10, 11, 12)}, report.text()
    assert "第 3 行" in issues[("学生.csv", 4)] and "重复" in issues[("学生.csv", 4)]
    assert "未知班级" in issues[("学生.csv", 5)]
    assert "未知学校" in issues[("学生.csv", 6)]
    assert "手机号格式不正确" in issues[("学生.csv", 7)] and "1381234" not in issues[("学生.csv", 7)]
    assert "校验位" in issues[("学生.csv", 8)] and bad_id not in report.text()
    assert "姓名" in issues[("学生.csv", 9)]
    assert "管理范围" in issues[("学生.csv", 10)]
    assert "学籍号已属于" in issues[("学生.csv", 11)]
    assert "没有高一" in issues[("学生.csv", 12)]
    assert not User.objects.filter(student_number__startswith="G51010899991").exists()
    assert not Statement.objects.filter(verb__endswith="/imported").exists()
    assert existing_sn  # the demo student is untouched
    assert report.bad_row_count == 9 and "有 9 行数据有错误" in report.text()


def test_missing_required_column_is_reported_on_the_header_row(users):
    report = roster_import(actor=users["xiao_admin"], files=[csv_file("学生.csv", "姓名,年级,班级名称\n张三,一年级,1班")])
    assert report.issues[0].row == 1 and "学籍号" in report.issues[0].message


def test_gbk_csv_from_excel_is_detected_and_said(users, school):
    f = csv_file("students.csv", f"{STUDENT_HEAD}\n{school.code},一年级,2班,赵小雨,G5101089999200001,女,,,,",
                 encoding="gbk")
    report = roster_import(actor=users["xiao_cio"], files=[f])
    assert report.imported, report.text()
    assert any("GBK" in n for n in report.notices)
    assert User.objects.get(student_number="G5101089999200001").name == "赵小雨"


def test_undecodable_file_is_refused_clearly(users):
    with pytest.raises(R.RosterFileError, match="编码"):
        roster_import(actor=users["xiao_admin"], files=[("x.csv", b"name\n\x81\x30\xff\xff")])
    with pytest.raises(R.RosterFileError, match="CSV 或 XLSX"):
        roster_import(actor=users["xiao_admin"], files=[("x.csv", b"%PDF-1.4\x00\x01\x02")])
    with pytest.raises(R.RosterFileError, match="10 MB"):
        R.check_upload("big.csv", 10 * 1024 * 1024 + 1)


def full_workbook(code="510108009901", teacher_name="张老师", student_class="(1)班", relation="母亲"):
    return xlsx_file({
        "说明": [["这里是说明"]],
        "学校": [["学校代码", "学校名称", "学校类型", "办学性质", "校点"],
                 [code, "成都市导入测试小学", "小学", "公办", "本部、东校区"]],
        "班级": [["学校代码", "年级", "班级名称", "校点"],
                 [code, "一年级", "(1)班", "本部"], [code, "一年级", "(2)班", "东校区"]],
        "教师": [["学校代码", "姓名", "手机号", "工号", "性别", "任教学科", "任教班级", "班主任班级"],
                 [code, teacher_name, 13800001111, "T001", "女", "数学", "一年级(1)班、一年级(2)班", "一年级(1)班"]],
        "学生": [["学校代码", "年级", "班级名称", "姓名", "学籍号", "性别"],
                 [code, "一年级", student_class, "王小明", "G510108201503010021", "男"],
                 [code, "一年级", "(2)班", "王小亮", "G510108201503010022", "男"]],
        "家长": [["家长姓名", "家长手机号", "关系", "学生学籍号"],
                 ["李芳", "13900003333", relation, "G510108201503010021"],
                 ["李芳", "13900003333", relation, "G510108201503010022"]],
    })


def test_xlsx_full_roster_then_reimport_is_unchanged(users):
    f = full_workbook()
    report = roster_import(actor=users["qu_admin"], files=[f])
    assert report.imported, report.text()
    assert any("说明" in n for n in report.notices)  # the guide sheet is skipped, and said so
    school = OrgNode.objects.get(kind=NodeKind.SCHOOL, code="510108009901")
    assert school.school_type == "primary"
    assert set(OrgNode.objects.filter(kind=NodeKind.CAMPUS, parent=school).values_list("name", flat=True)) == \
        {"本部", "东校区"}
    teacher = User.objects.get(phone="13800001111")
    roles = set(Role.objects.filter(user=teacher).values_list("kind", "node__name", "subject"))
    assert roles == {("teacher", "成都市导入测试小学", ""), ("subject_teacher", "一年级(1)班", "数学"),
                     ("subject_teacher", "一年级(2)班", "数学"), ("head_teacher", "一年级(1)班", "")}
    mother = User.objects.get(phone="13900003333")
    assert Role.objects.filter(user=mother, kind=RoleKind.PARENT).count() == 2
    assert len(report.accounts) == 4  # teacher, two students, one mother of both
    assert all(a.password.startswith("Zj") and len(a.password) == 10 for a in report.accounts)

    nodes, people, roles_n = OrgNode.objects.count(), User.objects.count(), Role.objects.count()
    again = roster_import(actor=users["qu_admin"], files=[full_workbook()])
    assert again.imported and not again.accounts
    assert all(r.op == "unchanged" for r in again.rows), again.text()
    assert (OrgNode.objects.count(), User.objects.count(), Role.objects.count()) == (nodes, people, roles_n)


def test_edited_file_updates_in_place(users):
    roster_import(actor=users["qu_admin"], files=[full_workbook()])
    teacher = User.objects.get(phone="13800001111")
    kid = User.objects.get(student_number="G510108201503010021")
    people = User.objects.count()
    # The teacher's name corrected, the boy moved to class 2, the relation corrected.
    report = roster_import(actor=users["qu_admin"], files=[full_workbook(teacher_name="张晓老师", student_class="2",
                                                                          relation="父亲")], dry_run=True)
    ops = {(r.sheet, r.row): r.op for r in report.rows}
    assert ops[("教师", 2)] == "update" and ops[("学生", 2)] == "update" and ops[("学生", 3)] == "unchanged"
    assert ops[("家长", 2)] == "update"
    assert User.objects.get(pk=teacher.pk).name == teacher.name  # dry run changed nothing
    report = roster_import(actor=users["qu_admin"], files=[full_workbook(teacher_name="张晓老师", student_class="2",
                                                                          relation="父亲")])
    assert report.imported and User.objects.count() == people
    assert User.objects.get(pk=teacher.pk).name == "张晓老师"
    new_class = Role.objects.get(user=kid, kind=RoleKind.STUDENT).node
    assert new_class.name == "一年级(2)班"
    link = Role.objects.get(kind=RoleKind.PARENT, child=kid)
    assert link.node == new_class and link.relation == "父亲"


def test_teacher_matched_by_staff_number_and_assignments_follow_the_file(users, school):
    laoshi2 = users["laoshi2"]
    head = "学校代码,姓名,手机号,工号,任教学科,任教班级"
    f = csv_file("教师.csv", f"{head}\n{school.code},{laoshi2.name},,{laoshi2.staff_number},语文,一年级(2)班")
    report = roster_import(actor=users["xiao_admin"], files=[f])
    assert report.imported, report.text()
    taught = set(Role.objects.filter(user=laoshi2, kind=RoleKind.SUBJECT_TEACHER).values_list("node__name", "subject"))
    assert ("一年级(2)班", "语文") in taught and ("一年级(1)班", "语文") not in taught
    assert User.objects.filter(staff_number=laoshi2.staff_number).count() == 1


def test_school_admin_cannot_import_into_another_school(users, demo):
    other = demo.schools[1]
    f = csv_file("班级.csv", f"学校代码,年级,班级名称\n{other.code},一年级,8班")
    report = roster_import(actor=users["xiao_admin"], files=[f])
    assert not report.imported and "管理范围" in report.issues[0].message
    new_school = csv_file("学校.csv", "学校代码,学校名称,学校类型\n510108999999,成都市新办小学,小学")
    report = roster_import(actor=users["xiao_admin"], files=[new_school])
    assert not report.imported and "区县管理员" in report.issues[0].message
    # The district admin may do both.
    assert roster_import(actor=users["qu_admin"], files=[f]).imported
    assert roster_import(actor=users["qu_admin"], files=[new_school]).imported


def test_people_other_than_admins_may_not_import(users):
    from zhijiao.accounts.roster_actions import RosterPermissionError

    with pytest.raises(RosterPermissionError):
        roster_import(actor=users["laoshi"], files=[csv_file("班级.csv", "年级,班级名称\n一年级,8班")])


def test_school_admin_may_leave_the_school_out(users, school):
    report = roster_import(actor=users["xiao_admin"], files=[csv_file("班级.csv", "年级,班级名称\n一年级,8班")])
    assert report.imported
    assert OrgNode.objects.filter(kind=NodeKind.CLASS, name="一年级(8)班", path__startswith=school.path).exists()


def test_parent_phone_already_used_by_another_school_person_is_refused(users, demo):
    other_parent = User.objects.filter(roles__kind=RoleKind.PARENT,
                                       roles__node__path__startswith=demo.schools[2].path).exclude(
        roles__node__path__startswith=demo.schools[0].path).first()
    f = csv_file("家长.csv", f"家长姓名,家长手机号,关系,学生学籍号\n冒名者,{other_parent.phone},父亲,"
                 f"{users['s0000002'].student_number}")
    report = roster_import(actor=users["xiao_admin"], files=[f])
    assert not report.imported and "另一人使用" in report.issues[0].message
    assert other_parent.phone not in report.issues[0].message


def test_excel_number_cells_that_lost_digits_are_named(users, school):
    f = xlsx_file({"学生": [["学校代码", "年级", "班级名称", "姓名", "学籍号", "身份证号"],
                           [school.code, "一年级", "1班", "数字格式", "G5101089999300001", 510108201503010021.0]]})
    report = roster_import(actor=users["xiao_admin"], files=[f], dry_run=True)
    assert report.issues and "文本" in report.issues[0].message and report.issues[0].row == 2


def test_id_number_rule():
    good = valid_id("11010519491231002")
    assert R.id_number_problem(good) is None
    assert R.id_number_problem("11010519491231002X" if good[-1] != "X" else "110105194912310021")
    assert R.id_number_problem("1234")
    assert "*" in R.mask_id(good) and good not in R.mask_id(good)


def test_initial_passwords_pass_the_site_validators():
    from django.contrib.auth.password_validation import validate_password

    from zhijiao.accounts.roster_actions import initial_password

    for _ in range(20):
        validate_password(initial_password())


def test_template_workbook_has_a_sheet_per_kind_and_imports_as_example(users):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(R.template_workbook()))
    assert wb.sheetnames == ["说明", "学校", "班级", "教师", "学生", "家长"]
    assert [c.value for c in wb["学生"][1]][:5] == ["学校代码", "学校名称", "年级", "班级名称", "姓名"]
    report = roster_import(actor=users["qu_admin"], files=[("example.xlsx", R.template_workbook(example=True))])
    assert report.imported, report.text()


def test_several_csv_files_kind_from_headers_when_the_name_is_ambiguous(users, school):
    students = csv_file("名单.csv", f"{STUDENT_HEAD}\n{school.code},一年级,1班,多文件,G5101089999500001,女,,,,")
    parents = csv_file("学生家长.csv", "家长姓名,家长手机号,关系,学生学籍号\n多文件妈妈,13655556666,母亲,G5101089999500001")
    report = roster_import(actor=users["xiao_admin"], files=[students, parents])
    assert report.imported, report.text()
    kid = User.objects.get(student_number="G5101089999500001")
    assert Role.objects.filter(user__phone="13655556666", kind=RoleKind.PARENT, child=kid, relation="母亲").exists()


def test_an_existing_teacher_described_as_is_is_unchanged(users, school):
    laoshi = users["laoshi"]
    roles = Role.objects.filter(user=laoshi).select_related("node")
    taught = "、".join(sorted(r.node.name for r in roles if r.kind == RoleKind.SUBJECT_TEACHER))
    heads = "、".join(sorted(r.node.name for r in roles if r.kind == RoleKind.HEAD_TEACHER))
    f = csv_file("教师.csv", "学校代码,姓名,手机号,工号,任教学科,任教班级,班主任班级\n"
                 f"{school.code},{laoshi.name},{laoshi.phone},{laoshi.staff_number},数学,{taught},{heads}")
    report = roster_import(actor=users["xiao_admin"], files=[f], dry_run=True)
    assert report.ok and [r.op for r in report.rows] == ["unchanged"], report.text()
