from django.core.management.base import BaseCommand, CommandError

from zhijiao.openplatform.actions import HarvestError, harvest_run
from zhijiao.openplatform.oai import parse_datestamp


class Command(BaseCommand):
    help = ("从其他平台采集资源 Harvest another platform's OAI-PMH oai_dc records as national- or "
            "district-level resources (incremental, idempotent).")

    def add_arguments(self, parser):
        parser.add_argument("url", help="the far side's OAI-PMH base URL, e.g. https://example.edu.cn/oai")
        parser.add_argument("--set", dest="set_spec", default="", help="harvest one set only, e.g. stage:xx:subject:sx")
        parser.add_argument("--from", dest="from_date", default="",
                            help="YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ; default: where the last harvest of this set ended")
        parser.add_argument("--level", choices=["national", "district"], default="district")
        parser.add_argument("--timeout", type=float, default=60.0, help="seconds per HTTP request")

    def handle(self, *args, url, set_spec, from_date, level, timeout, **options):
        if from_date:
            from zhijiao.openplatform.oai import OaiError

            try:
                parse_datestamp(from_date, name="from")
            except OaiError as exc:
                raise CommandError(f"--from: {exc.message}") from None
        try:
            report = harvest_run(url=url, set_spec=set_spec, from_date=from_date, level=level, timeout=timeout)
        except HarvestError as exc:
            raise CommandError(f"采集失败 harvest failed: {exc}") from None
        self.stdout.write(self.style.SUCCESS(f"采集完成 harvested {url}: {report.summary()}"))
        if report.skipped:
            self.stdout.write(f"跳过（缺少标题或链接） skipped: {', '.join(report.skipped[:20])}")
        self.stdout.write(f"下次从 next --from: {report.next_from}")
