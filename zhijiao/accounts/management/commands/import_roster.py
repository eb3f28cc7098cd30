"""`zhijiao import-roster FILE [FILE ...] [--dry-run] [--as USERNAME]`: the roster import from the command line."""

from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhijiao.accounts.models import User
from zhijiao.accounts.roster import RosterFileError, accounts_workbook
from zhijiao.accounts.roster_actions import RosterPermissionError, roster_import


class Command(BaseCommand):
    help = ("导入花名册（学校、班级、教师、学生、家长；CSV 或 XLSX）。Import a roster from CSV/XLSX. "
            "Exit code 1 when any row is bad (nothing is imported then).")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--dry-run", action="store_true", help="只检查并显示将要做的改动，不写入 / check only")
        parser.add_argument("--as", dest="as_user", metavar="USERNAME",
                            help="以这位管理员的身份和范围导入（默认：平台运维，全区范围）")
        parser.add_argument("--passwords", metavar="OUT.xlsx",
                            help="新账号初始密码文件的保存位置（默认：当前目录 roster-passwords-时间.xlsx）")

    def handle(self, *args, files, dry_run, as_user, passwords, **options):
        actor = None
        if as_user:
            actor = User.objects.filter(username=as_user, is_active=True).first()
            if actor is None:
                raise CommandError(f"没有这个账号：{as_user}", returncode=2)
        loaded = []
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"找不到文件：{name}", returncode=2)
            loaded.append((path.name, path.read_bytes()))
        try:
            report = roster_import(actor=actor, files=loaded, dry_run=dry_run)
        except (RosterFileError, RosterPermissionError) as exc:
            raise CommandError(str(exc), returncode=2)
        self.stdout.write(report.text())
        if not report.ok:
            raise CommandError(f"{report.bad_row_count} 行有错误，未导入任何数据。", returncode=1)
        if report.accounts:
            out = Path(passwords or f"roster-passwords-{datetime.now():%Y%m%d-%H%M%S}.xlsx")
            out.touch(mode=0o600)
            out.write_bytes(accounts_workbook(report.accounts))
            self.stdout.write(f"新账号 {len(report.accounts)} 个，初始密码已写入 {out}（首次登录须修改密码；请妥善保管）。")
        self.stdout.write(self.style.SUCCESS(f"用时 {report.seconds:.2f} 秒。"))
