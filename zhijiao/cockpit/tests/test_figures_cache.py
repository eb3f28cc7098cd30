"""District-wide figures are expensive at design size: pages may show figures up to
ZHIJIAO_COCKPIT_MAX_AGE_SECONDS behind the newest rollup (saying how old), and `cockpit-rollup`
computes them ahead, so the bureau does not wait for them on its first visit."""

import pytest
from django.core.management import call_command

from zhijiao.cockpit import demo as cockpit_demo
from zhijiao.records.actions import record_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(demo, settings):
    settings.ZHIJIAO_COCKPIT_LAG_SECONDS = 0
    settings.ZHIJIAO_COCKPIT_MAX_AGE_SECONDS = 3600
    cockpit_demo.build(demo)
    return demo


def _page(client, school):
    resp = client.get("/cockpit/")
    row = next(r for r in resp.context["ranking"].rows if str(r[1]) == school.name)
    return row[8], resp.context["as_of"]  # 访问量, 数据更新于


def _activity(users, school, n=1):
    for i in range(n):
        record_event(actor=users["laoshi"], verb="assigned", object_kind="homework", object_key=900 + i,
                     school=school, actor_role="teacher")


def test_new_rollups_within_the_max_age_show_the_cached_figures_with_their_time(district, users, client_as,
                                                                               settings):
    client, school = client_as(users["qu_admin"]), district.schools[0]
    visits, as_of = _page(client, school)
    _activity(users, school, 2)
    call_command("cockpit-rollup", "--no-warm", "--lag", "0")
    assert _page(client, school) == (visits, as_of)  # not recomputed, and says when its data is from
    settings.ZHIJIAO_COCKPIT_MAX_AGE_SECONDS = 0
    new_visits, new_as_of = _page(client, school)
    assert new_visits == visits + 2 and new_as_of > as_of


def test_the_rollup_command_computes_the_pages_ahead(district, users, client_as, capsys):
    client, school = client_as(users["qu_admin"]), district.schools[0]
    visits, _as_of = _page(client, school)
    _activity(users, school, 3)
    call_command("cockpit-rollup", "--lag", "0")
    assert "cockpit pages computed ahead: 3" in capsys.readouterr().out  # one district × three tab periods
    assert _page(client, school)[0] == visits + 3


def test_a_configuration_change_recomputes_at_once(district, users, client_as):
    from zhijiao.cockpit.models import IndexSettings

    client = client_as(users["qu_admin"])
    warned = len(client.get("/cockpit/").context["warnings"].rows)
    assert 0 < warned < len(district.schools)
    IndexSettings.objects.update_or_create(pk=1, defaults={"deep_score": 60, "warning_share": 100})
    assert len(client.get("/cockpit/").context["warnings"].rows) == len(district.schools)
