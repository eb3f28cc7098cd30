"""zhijiao xapi-client add NAME [--scopes all]   register an outside tool for /xapi/ (prints key:secret last)
zhijiao xapi-client list                        list registered clients
zhijiao xapi-client revoke KEY                  revoke a client
"""

from django.core.management.base import BaseCommand, CommandError

from zhijiao.records.actions import SCOPES, lrs_client_create, lrs_client_revoke
from zhijiao.records.models import LrsClient


class Command(BaseCommand):
    help = "管理 xAPI 学习记录存储（/xapi/）的客户端凭据"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="登记客户端，最后一行输出 key:secret")
        add.add_argument("name")
        add.add_argument("--scopes", nargs="+", default=["all"],
                         help=f"权限范围，可多个或逗号分隔：{', '.join(SCOPES)}（默认 all）")
        sub.add_parser("list", help="列出客户端")
        rev = sub.add_parser("revoke", help="吊销客户端")
        rev.add_argument("key")

    def handle(self, *args, action, **opts):
        if action == "add":
            scopes = [s.strip() for part in opts["scopes"] for s in part.split(",") if s.strip()]
            try:
                issued = lrs_client_create(actor=None, name=opts["name"], scopes=scopes)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"已登记 xAPI 客户端「{issued.client.name}」，权限：{', '.join(issued.client.scopes)}")
            self.stdout.write("端点：/xapi/ ；HTTP Basic 凭据（密钥只显示这一次）：")
            self.stdout.write(f"{issued.key}:{issued.secret}")
        elif action == "list":
            for c in LrsClient.objects.order_by("created_at"):
                state = "已吊销" if c.revoked_at else "有效"
                self.stdout.write(f"{c.key}\t{c.name}\t{','.join(c.scopes)}\t{state}")
        elif action == "revoke":
            client = LrsClient.objects.filter(key=opts["key"]).first()
            if client is None:
                raise CommandError("没有这个客户端")
            lrs_client_revoke(actor=None, client=client)
            self.stdout.write(f"已吊销 {client.key}")
