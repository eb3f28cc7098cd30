import json

from django.core.management.base import BaseCommand, CommandError

from zhijiao.catalog.actions import path_to_human
from zhijiao.catalog.selectors import link_candidates, revision_pairs


class Command(BaseCommand):
    help = ("列出新旧版次同课章节的候选对应（改了名的课）供审核 Propose same-lesson links between two revisions "
            "of a book for review; writes nothing. --json prints an import file: keep the lines a reviewer "
            "confirms and import it (目录管理 or catalog-import), or confirm on /catalog/manage/links/.")

    def add_arguments(self, parser):
        parser.add_argument("--book", help="the newer book's code (default: every book with an older revision)")
        parser.add_argument("--json", action="store_true", help="print an importable file of same_as links")

    def handle(self, *args, book=None, json=False, **options):
        pairs = [p for p in revision_pairs() if book is None or p[1].code == book]
        if book and not pairs:
            raise CommandError(f"{book}: 不是有旧版次的教材 not a book with an older revision")
        rows = []
        for old_book, new_book in pairs:
            for c in link_candidates(old_book, new_book):
                rows.append(c)
                if not json:
                    self.stdout.write(f"{new_book.code}/{path_to_human(c.new.path)} {c.new.title}  ←  "
                                      f"{old_book.code}/{path_to_human(c.old.path)} {c.old.title}  "
                                      f"[{c.ratio:.2f} {' '.join(c.reasons)}]")
        if json:
            self.stdout.write(_dumps({"chapters": [
                {"book": c.new.book.code, "path": path_to_human(c.new.path), "kind": c.new.kind, "title": c.new.title,
                 "same_as": [f"{c.old.book.code}/{path_to_human(c.old.path)}"]} for c in rows]}))
        elif not rows:
            self.stdout.write("没有候选 no candidates")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
