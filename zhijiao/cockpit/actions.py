"""Writers of the cockpit: the bureau's indicator configuration, and the rollup runs."""

from django.db import transaction

from zhijiao.accounts.models import User
from zhijiao.cockpit import rollup, selectors
from zhijiao.cockpit.indicators import DEFAULTS, Indicator
from zhijiao.cockpit.models import IndexSettings, IndicatorConfig
from zhijiao.core.models import NodeKind, OrgNode
from zhijiao.records.actions import record_event


def _row_values(ind: Indicator) -> dict:
    return {"name": ind.name, "dimension": ind.dimension, "verbs": ",".join(ind.verbs),
            "object_types": ",".join(ind.object_types), "roles": ",".join(ind.roles),
            "attribution": ind.attribution, "measure": ind.measure, "threshold": ind.threshold,
            "weight": ind.weight, "enabled": ind.enabled}


@transaction.atomic
def indicator_configs_seed() -> int:
    """Create the rows for any default indicator the bureau has not configured yet. Returns rows added."""
    have = set(IndicatorConfig.objects.values_list("code", flat=True))
    new = [IndicatorConfig(code=d.code, **_row_values(d)) for d in DEFAULTS if d.code not in have]
    IndicatorConfig.objects.bulk_create(new)
    IndexSettings.objects.get_or_create(pk=1)
    return len(new)


@transaction.atomic
def indicator_configs_save(*, actor: User, indicators: list[Indicator], deep_score: float,
                           warning_share: float) -> None:
    """Save the bureau's indicators and index lines (validated by the form before)."""
    indicator_configs_seed()
    for ind in indicators:
        IndicatorConfig.objects.update_or_create(code=ind.code, defaults=_row_values(ind))
    IndexSettings.objects.update_or_create(pk=1, defaults={"deep_score": deep_score, "warning_share": warning_share})
    record_event(actor=actor, verb="updated", object_kind="platform", object_key="cockpit-indicators",
                 object_name="深度应用指数指标", actor_role="district_admin",
                 result={"extensions": {"https://zhijiao.example.org/xapi/cockpit/indicators": len(indicators)}})


@transaction.atomic
def indicator_configs_reset(*, actor: User) -> None:
    """Back to the default indicators and lines."""
    IndicatorConfig.objects.all().delete()
    IndexSettings.objects.all().delete()
    indicator_configs_seed()
    record_event(actor=actor, verb="updated", object_kind="platform", object_key="cockpit-indicators",
                 object_name="深度应用指数指标（恢复默认）", actor_role="district_admin")


def rollup_run(*, full: bool = False, batch_size: int | None = 100_000, max_batches: int | None = None,
               lag: int | None = None) -> rollup.RollupResult:
    """Bring the rollups up to date (incremental), or recompute them from raw statements (full).
    Each batch commits its counts and checkpoint together (see rollup.py)."""
    if full:
        return rollup.run_full(lag=lag)
    return rollup.run_incremental(batch_size=batch_size, max_batches=max_batches, lag=lag)


def figures_warm(*, schools: bool = False) -> int:
    """Compute the district pages' figures (and with `schools`, every school's) for the tab periods into
    the cache, so the first visitor after a rollup does not wait for them. Useful where the cache is shared
    between processes (Redis); returns the number of pages computed."""
    n = 0
    for district in OrgNode.objects.filter(kind=NodeKind.DISTRICT, is_active=True):
        for period in selectors.default_periods():
            selectors.district_page_figures(district, period, refresh=True)
            n += 1
            if schools:
                for school in selectors.district_schools(district):
                    selectors.school_page_figures(school, period, refresh=True)
                    n += 1
    return n
