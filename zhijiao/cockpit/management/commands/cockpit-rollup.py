"""zhijiao cockpit-rollup [--full] [--batch N] [--lag SECONDS]: bring the cockpit's rollups up to date."""

from django.core.management.base import BaseCommand

from zhijiao.cockpit.actions import rollup_run


class Command(BaseCommand):
    help = "Roll the event trail up into the cockpit's hourly/daily tables (incremental; --full recomputes)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="forget the rollups and recompute from raw statements")
        parser.add_argument("--batch", type=int, default=100_000, help="statements per transaction (incremental)")
        parser.add_argument("--lag", type=int, default=None,
                            help="safety lag in seconds: statements stored more recently wait for the next run")

    def handle(self, *args, full=False, batch=100_000, lag=None, **options):
        r = rollup_run(full=full, batch_size=batch, lag=lag)
        kind = "full" if full else "incremental"
        self.stdout.write(f"cockpit rollup ({kind}): {r.statements} statements, {r.voids} voided, "
                          f"{r.batches} batches, {r.seconds:.2f} s")
