"""zhijiao cockpit-rollup [--full] [--batch N] [--lag SECONDS] [--no-warm] [--warm-schools]: bring the cockpit's
rollups up to date, then compute the district pages' figures ahead into the cache."""

import time

from django.core.management.base import BaseCommand, CommandError

from zhijiao.cockpit import rollup
from zhijiao.cockpit.actions import figures_warm, rollup_run
from zhijiao.cockpit.rollup_clickhouse import MissingEngine


class Command(BaseCommand):
    help = "Roll the event trail up into the cockpit's hourly/daily tables (incremental; --full recomputes)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="forget the rollups and recompute from raw statements")
        parser.add_argument("--batch", type=int, default=100_000,
                            help="statements per transaction (incremental; 0: the whole backlog in one, fastest to catch up)")
        parser.add_argument("--lag", type=int, default=None,
                            help="safety lag in seconds: statements stored more recently wait for the next run")
        parser.add_argument("--no-warm", action="store_true", help="do not compute the district pages ahead")
        parser.add_argument("--warm-schools", action="store_true", help="also compute every school's page ahead")

    def handle(self, *args, full=False, batch=100_000, lag=None, no_warm=False, warm_schools=False, **options):
        if batch < 0 or (lag is not None and lag < 0):
            raise CommandError("--batch 和 --lag 不能为负数。--batch and --lag cannot be negative.")
        try:
            name = rollup.backend().name  # ZHIJIAO_COCKPIT_BACKEND
        except (ValueError, MissingEngine) as exc:
            raise CommandError(str(exc))
        r = rollup_run(full=full, batch_size=batch, lag=lag)
        kind = "full" if full else "incremental"
        self.stdout.write(f"cockpit rollup ({kind}, {name} backend): {r.statements} statements, {r.voids} voided, "
                          f"{r.batches} batches, {r.seconds:.2f} s")
        if not no_warm and (r.statements or r.voids or full or warm_schools):
            t0 = time.perf_counter()
            n = figures_warm(schools=warm_schools)
            self.stdout.write(f"cockpit pages computed ahead: {n}, {time.perf_counter() - t0:.2f} s")
