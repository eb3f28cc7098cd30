"""The documented demo logins (README, section 示范账号). One password for all demo accounts."""

from django.utils.translation import gettext as _

DEMO_PASSWORD = "zhijiao2026"

DEMO_LOGINS = [
    ("qu_admin", "区县管理员 district admin"),
    ("duxue", "督学 supervisor"),
    ("xiao_admin", "学校管理员 school admin"),
    ("xiao_cio", "首席信息官 school CIO"),
    ("laoshi", "教师（班主任+数学任课）teacher (head teacher + maths)"),
    ("laoshi2", "教师（语文任课）teacher (Chinese)"),
    ("xuesheng", "学生 student"),
    ("jiazhang", "家长（两个孩子，两所学校）parent of two children in two schools"),
]


def print_logins(out, url: str, *, running: bool = True) -> None:
    out.write("")
    out.write("=" * 64)
    if running:
        out.write(_("智教已启动 zhijiao is running: %(url)s") % {"url": url})
    else:
        out.write(_("启动后访问 open after `zhijiao start`: %(url)s") % {"url": url})
    out.write(_("示范账号（密码均为 %(pw)s）demo logins, password %(pw)s:") % {"pw": DEMO_PASSWORD})
    for username, label in DEMO_LOGINS:
        out.write(f"  {username:<12} {label}")
    out.write("=" * 64)
    if hasattr(out, "flush"):
        out.flush()
