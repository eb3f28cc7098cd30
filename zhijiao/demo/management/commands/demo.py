import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from zhijiao.demo.builder import SIZES, build_demo
from zhijiao.demo.logins import print_logins


class Command(BaseCommand):
    help = "生成示范区县数据 Build the demo district (deterministic)."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-logins", action="store_true", help="do not print the demo logins")

    def handle(self, *args, size, seed, no_logins=False, **options):
        started = time.perf_counter()
        try:
            ctx = build_demo(size=size, seed=seed, progress=lambda m: self.stdout.write(f"  {m}"),
                             tqdm_factory=lambda it, **kw: tqdm(it, **kw))
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        took = time.perf_counter() - started
        # Seconds per phase (bench/demo_build.py reads these lines); "commit" is the rest of the wall time.
        phases = [*ctx.timings, ("commit", max(0.0, took - sum(s for _p, s in ctx.timings)))]
        for phase, seconds in phases:
            self.stdout.write(f"  phase {phase:<22} {seconds:7.1f} s")
        self.stdout.write(self.style.SUCCESS(f"示范区县已生成 demo district built ({size}) in {took:.1f}s"))
        if not no_logins:
            print_logins(self.stdout, "http://127.0.0.1:8000/", running=False)
