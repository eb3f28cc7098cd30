"""Cockpit pages as their users see them: figures, drill-down, export, scope, bad input, config."""

import io

import pytest
from openpyxl import load_workbook

from zhijiao.cockpit import demo as cockpit_demo
from zhijiao.cockpit.models import IndicatorConfig, RollupCheckpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(demo):
    cockpit_demo.build(demo)
    return demo


def test_district_page_shows_index_ranking_and_warnings(activity, users, client_as):
    resp = client_as(users["qu_admin"]).get("/cockpit/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "深度应用指数" in html and "学校排名" in html and "预警名单" in html
    for school in activity.schools:
        assert school.name in html
    assert f"/cockpit/school/{activity.schools[0].pk}/" in html  # drill-down link
    assert 'data-chart="chart-ranking"' in html and "chart-4.6.2.umd.min.js" in html
    assert "按学校类型" in html and "按办学性质" in html and "每百名学生访问量" in html


def test_the_small_demo_has_deep_users_and_warned_schools(activity, users, client_as):
    from zhijiao.cockpit import selectors

    period, _ = selectors.period_from({"period": "30"})
    figs = selectors.school_figures(selectors.district_schools(activity.district), period)
    shares = [f.share for f in figs]
    assert max(shares) >= 50 and min(shares) < 30  # interesting rankings and a warning list
    assert any(f.warn for f in figs) and not all(f.warn for f in figs)


def test_exports_are_real_xlsx_with_the_page_rows(activity, users, client_as):
    client = client_as(users["qu_admin"])
    resp = client.get("/cockpit/?period=30&export=ranking")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("名次", "学校", "类型")
    assert {r[1] for r in rows[1:]} == {s.name for s in activity.schools}
    for key in ("warnings", "by-type", "by-ownership", "indicators", "daily", "weekly"):
        assert client.get(f"/cockpit/?export={key}").status_code == 200, key
    assert client.get("/cockpit/?export=nonsense").status_code == 404

    school_client = client_as(users["xiao_cio"])
    resp = school_client.get(f"/cockpit/school/{activity.schools[0].pk}/?export=teachers")
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert len(list(ws.iter_rows())) == 1 + 16  # header + the school's 16 teachers


def test_school_page_for_its_cio_and_404_for_another_school(activity, users, client_as):
    client = client_as(users["xiao_cio"])
    resp = client.get(f"/cockpit/school/{activity.schools[0].pk}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert users["laoshi"].name in html and "教师深度应用情况" in html
    assert f"/cockpit/teacher/{users['laoshi'].pk}/" in html
    assert client.get(f"/cockpit/school/{activity.schools[1].pk}/").status_code == 404
    assert client.get("/cockpit/").status_code == 403
    # the home's entry shows the own school's page itself, without a redirect's round trip
    own = client.get("/cockpit/my-school/")
    assert own.status_code == 200 and users["laoshi"].name in own.content.decode()
    assert own.context["school"] == activity.schools[0]


def test_teacher_drill_down(activity, users, client_as):
    resp = client_as(users["xiao_admin"]).get(f"/cockpit/teacher/{users['laoshi'].pk}/?period=semester")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "布置作业次数" in html and "加权得分" in html
    other_school_teacher = __import__("zhijiao.accounts.models", fromlist=["Role"]).Role.objects.filter(
        kind="teacher", node=activity.schools[1]).first().user
    assert client_as(users["xiao_admin"]).get(f"/cockpit/teacher/{other_school_teacher.pk}/").status_code == 404
    assert client_as(users["xiao_admin"]).get(f"/cockpit/teacher/{users['xuesheng'].pk}/").status_code == 404


def test_bad_period_input_gets_a_chinese_message_and_the_default(activity, users, client_as):
    client = client_as(users["qu_admin"])
    resp = client.get("/cockpit/?start=2026-13-40")
    assert resp.status_code == 200 and "日期格式应为" in resp.content.decode()
    resp = client.get("/cockpit/?start=2026-10-10&end=2026-09-01")
    assert "开始日期不能晚于结束日期" in resp.content.decode()
    resp = client.get("/cockpit/?period=year")
    assert "未知的时间段" in resp.content.decode()


def test_opening_a_page_writes_nothing_and_the_clock_brings_the_rollups_up_to_date(activity, users, client_as):
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from zhijiao.core.clock import run_scheduled
    from zhijiao.records.actions import record_event

    before = RollupCheckpoint.objects.get().statements
    RollupCheckpoint.objects.update(updated_at=None)  # long stale
    record_event(actor=users["laoshi"], verb="assigned", object_kind="homework", object_key=1,
                 school=activity.schools[0], actor_role="teacher")
    client = client_as(users["qu_admin"])
    with override_settings(ZHIJIAO_COCKPIT_LAG_SECONDS=0):
        for url in ("/cockpit/", "/cockpit/?period=semester"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            writes = [q["sql"] for q in ctx.captured_queries
                      if q["sql"].lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")
                      and "django_session" not in q["sql"]]
            assert writes == []
        assert RollupCheckpoint.objects.get().statements == before
        assert run_scheduled("cockpit.rollup")  # what beat (or the server's own clock) runs every 5 minutes
    assert RollupCheckpoint.objects.get().statements == before + 1


def test_config_page_saves_and_refuses_bad_input(activity, users, client_as):
    client = client_as(users["qu_admin"])
    resp = client.get("/cockpit/config/")
    assert resp.status_code == 200 and "个人空间开通率" in resp.content.decode()
    # Build the full form from the page's initial values.
    form = resp.context["forms"]
    data = {"rules-deep_score": "60", "rules-warning_share": "30"}
    for ind, f in form:
        for name in f.fields:
            value = f.initial.get(name, "")
            if name == "enabled":
                if value:
                    data[f"{ind.code}-{name}"] = "on"
                continue
            data[f"{ind.code}-{name}"] = str(value)
    bad = dict(data, **{"G1-threshold": "-3", "G2-verbs": "graded, teleported", "rules-deep_score": "130"})
    resp = client.post("/cockpit/config/", bad)
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "阈值须大于 0" in html and "未知的动词：teleported" in html and "请填写 0–100 的数字" in html
    assert 'value="graded, teleported"' in html  # nothing the user typed is lost
    assert IndicatorConfig.objects.get(code="G2").verbs == "graded"  # nothing saved

    good = dict(data, **{"G1-threshold": "9", "rules-warning_share": "45"})
    resp = client.post("/cockpit/config/", good)
    assert resp.status_code == 302
    assert IndicatorConfig.objects.get(code="G1").threshold == 9
    assert "预警学校（指数低于 45.0%）" in client.get("/cockpit/").content.decode()
