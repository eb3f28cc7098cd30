from pathlib import Path

from django.core.management.base import BaseCommand

from zhijiao.catalog.actions import catalog_export


class Command(BaseCommand):
    help = "导出教材目录 Export the whole catalog as JSON or XLSX (re-importable with catalog-import)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "xlsx"], default="json")
        parser.add_argument("out", help="output file path ('-' for standard output, JSON only)")

    def handle(self, *args, format, out, **options):
        body = catalog_export(fmt=format)
        if out == "-":
            self.stdout.write(body.decode("utf-8") if format == "json" else "use a file for xlsx")
            return
        Path(out).write_bytes(body)
        self.stdout.write(self.style.SUCCESS(f"已导出 exported {len(body)} bytes to {out}"))
