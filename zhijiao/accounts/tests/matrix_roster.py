"""Permission matrix for the roster import pages (花名册导入).

School admins, CIOs and district admins may import; teachers, students, parents and supervisors get a
404. An upload belongs to the admin who made it: another admin (even of the same school) gets a 404.
"""

from tests.matrix import Case


def _roster_csv(w) -> bytes:
    school = w.school(0)
    return ("学校代码,年级,班级名称,姓名,学籍号,性别\r\n"
            f"{school.code},一年级,1班,矩阵测试,G5101087777000001,女\r\n").encode()


def _upload_data(w) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"files": SimpleUploadedFile("学生.csv", _roster_csv(w), content_type="text/csv")}


def _uploaded(username):
    def url(w):
        from zhijiao.accounts.roster_actions import roster_upload_store

        token = roster_upload_store(actor=w.user(username), files=[("学生.csv", _roster_csv(w))])
        return f"/accounts/roster/{token}/"

    return url


def _imported(username, suffix):
    def url(w):
        from zhijiao.accounts.roster import accounts_workbook
        from zhijiao.accounts.roster_actions import roster_import, roster_upload_finish, roster_upload_store

        files = [("学生.csv", _roster_csv(w))]
        actor = w.user(username)
        token = roster_upload_store(actor=actor, files=files)
        report = roster_import(actor=actor, files=files, key=token)
        roster_upload_finish(token=token, report=report, result_file=accounts_workbook(report.accounts))
        return f"/accounts/roster/{token}/{suffix}"

    return url


CASES = [
    Case("accounts:roster_import", lambda w: "/accounts/roster/", allowed="xiao_admin", denied="laoshi"),
    Case("accounts:roster_import", lambda w: "/accounts/roster/", allowed="qu_admin", denied="duxue",
         note="supervisors read, they do not import"),
    Case("accounts:roster_import", lambda w: "/accounts/roster/", allowed="xiao_cio", denied="jiazhang"),
    Case("accounts:roster_template", lambda w: "/accounts/roster/template.xlsx", allowed="xiao_cio",
         denied="xuesheng"),
    Case("accounts:roster_import", lambda w: "/accounts/roster/", method="POST", data=_upload_data,
         allowed="xiao_admin", denied="laoshi", note="upload a roster: a teacher may not"),
    Case("accounts:roster_import", lambda w: "/accounts/roster/", method="POST", data=_upload_data,
         allowed="xiao_cio", denied="duxue", note="supervisors read, they do not import"),
    Case("accounts:roster_preview", _uploaded("xiao_admin"), allowed="xiao_admin", denied="laoshi"),
    Case("accounts:roster_preview", _uploaded("xiao_admin"), allowed="xiao_admin", denied="xiao_cio",
         note="an upload is its uploader's only"),
    Case("accounts:roster_preview", _uploaded("xiao_admin"), method="POST", allowed="xiao_admin",
         denied="xiao_cio", note="confirming the import: the uploader only, not the admin beside them"),
    Case("accounts:roster_preview", _uploaded("xiao_admin"), method="POST", allowed="xiao_admin",
         denied="laoshi"),
    Case("accounts:roster_result", _imported("xiao_admin", "result/"), allowed="xiao_admin", denied="admin0002"),
    Case("accounts:roster_passwords", _imported("xiao_admin", "accounts.xlsx"), allowed="xiao_admin",
         denied="qu_admin", note="initial passwords: the importing admin only"),
    Case("accounts:roster_passwords", _imported("qu_admin", "accounts.xlsx"), allowed="qu_admin",
         denied="s0000002"),
]
