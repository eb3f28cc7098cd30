from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhijiao.catalog.actions import CatalogFileError, catalog_import, catalog_import_file, shipped_bundle


class Command(BaseCommand):
    help = "导入教材目录 Import catalog data from a JSON or XLSX file (nothing is written if any row is bad)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .json or .xlsx file, or 'shipped' for the data that ships with zhijiao")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args, file, dry_run, **options):
        if file == "shipped":
            report = catalog_import(bundle=shipped_bundle(), dry_run=dry_run, source="shipped")
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"文件不存在 file not found: {file}")
            try:
                report = catalog_import_file(content=path.read_bytes(), filename=path.name, dry_run=dry_run)
            except CatalogFileError as exc:
                raise CommandError(str(exc)) from None
        if not report.ok:
            for e in report.errors:
                self.stderr.write(str(e))
            raise CommandError(f"{len(report.errors)} 处错误，未导入任何数据 errors found, nothing imported")
        prefix = "试导入通过（未写入） dry run OK: " if dry_run else "导入完成 imported: "
        self.stdout.write(self.style.SUCCESS(prefix + report.summary()))
