"""Celery wrapper: schedule `cockpit.rollup` every few minutes (celery beat) on a deployment with a broker."""

from celery import shared_task

from zhijiao.cockpit.actions import figures_warm, rollup_run


@shared_task(name="cockpit.rollup")
def rollup(full: bool = False) -> dict:
    r = rollup_run(full=full)
    if r.statements or r.voids or full:
        figures_warm()  # with a shared (Redis) cache, the next visitor finds the district figures ready
    return {"batches": r.batches, "statements": r.statements, "voids": r.voids, "seconds": round(r.seconds, 3),
            "skipped": r.skipped}
