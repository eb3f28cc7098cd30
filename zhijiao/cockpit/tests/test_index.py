"""The deep-application index: per-teacher score, school = share of deep-using teachers, config applies."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from zhijiao.accounts.models import Role, RoleKind
from zhijiao.cockpit import rollup, selectors
from zhijiao.cockpit.actions import indicator_configs_reset, indicator_configs_save
from zhijiao.cockpit.indicators import DEFAULTS, Indicator
from zhijiao.core.models import NodeKind, OrgNode
from zhijiao.records.actions import record_event

pytestmark = pytest.mark.django_db


def _at(days_ago: int) -> datetime:
    d = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime(d.year, d.month, d.day, 10, 0))


def _two_indicators(users, *, g1_threshold=4.0, deep_score=60.0, warning_share=30.0):
    inds = [d.with_(enabled=False) for d in DEFAULTS]
    inds = [i.with_(enabled=True, threshold=g1_threshold, weight=1) if i.code == "G1" else
            i.with_(enabled=True, threshold=5, weight=1) if i.code == "I1" else i for i in inds]
    indicator_configs_save(actor=users["qu_admin"], indicators=inds, deep_score=deep_score,
                           warning_share=warning_share)


def _school_teachers(school):
    return list(Role.objects.filter(kind=RoleKind.TEACHER, node=school).order_by("user_id")
                .select_related("user").values_list("user", flat=True))


def _act(user, school, verb, kind, n):
    for i in range(n):
        record_event(actor=user, verb=verb, object_kind=kind, object_key=i, school=school, actor_role="teacher",
                     timestamp=_at(3))


def test_school_index_is_the_share_of_deep_teachers_not_the_best_teacher(demo, users):
    school = demo.schools[0]
    _two_indicators(users)
    teachers = _school_teachers(school)
    star, half = users["laoshi"], users["laoshi2"]
    _act(star, school, "assigned", "homework", 4)
    _act(star, school, "responded", "question", 5)
    _act(half, school, "assigned", "homework", 2)  # 2/4 of G1, nothing of I1 → 25
    rollup.run_incremental(lag=0)

    period, _ = selectors.period_from({"period": "30"})
    [fig], scores = selectors.school_figures([school], period, with_teachers=True)
    assert scores[star.pk].score == 100.0 and scores[star.pk].deep
    assert scores[half.pk].score == 25.0 and not scores[half.pk].deep
    assert fig.teachers == len(teachers) == 16
    assert fig.deep == 1
    assert fig.share == round(100 / 16, 1)  # 6.2 %: one deep teacher among 16, not the star's 100
    assert fig.avg_score == round(125 / 16, 1)
    assert fig.warn  # below the 30 % warning line

    # District: share of all the district's teachers.
    figs = selectors.school_figures(selectors.district_schools(demo.district), period)
    totals = selectors.district_totals(figs)
    assert totals["deep"] == 1 and totals["teachers"] == 16 * len(demo.schools)


def test_class_attribution_counts_students_work_in_the_teachers_classes(demo, users):
    school = demo.schools[0]
    inds = [d.with_(enabled=d.code == "I2", weight=1) for d in DEFAULTS]
    indicator_configs_save(actor=users["qu_admin"], indicators=inds, deep_score=60, warning_share=30)
    klass = Role.objects.get(user=users["xuesheng"], kind=RoleKind.STUDENT).node
    for i in range(15):
        record_event(actor=users["xuesheng"], verb="submitted", object_kind="homework", object_key=i, school=school,
                     klass=klass, actor_role="student", timestamp=_at(2))
    rollup.run_incremental(lag=0)
    period, _ = selectors.period_from({"period": "30"})
    _, scores = selectors.school_figures([school], period, with_teachers=True)
    assert scores[users["laoshi"].pk].values["I2"] == 15  # teaches that class
    assert scores[users["laoshi"].pk].score == 50.0  # 15 of the 30 threshold
    other = Role.objects.filter(kind=RoleKind.TEACHER, node=school).exclude(
        user__roles__node=klass).first().user
    assert scores[other.pk].values["I2"] == 0


def test_config_changes_take_effect_without_recomputing(demo, users):
    school = demo.schools[0]
    _two_indicators(users)
    half = users["laoshi2"]
    _act(half, school, "assigned", "homework", 2)
    rollup.run_incremental(lag=0)
    period, _ = selectors.period_from({"period": "30"})
    _, scores = selectors.school_figures([school], period, with_teachers=True)
    assert scores[half.pk].score == 25.0

    _two_indicators(users, g1_threshold=2.0)  # bureau lowers the threshold: G1 complete → 50
    _, scores = selectors.school_figures([school], period, with_teachers=True)
    assert scores[half.pk].score == 50.0 and not scores[half.pk].deep

    _two_indicators(users, g1_threshold=2.0, deep_score=50.0)  # and the deep-use line
    [fig], scores = selectors.school_figures([school], period, with_teachers=True)
    assert scores[half.pk].deep and fig.deep == 1

    indicator_configs_reset(actor=users["qu_admin"])
    assert [i.code for i in selectors.indicators()] == [d.code for d in DEFAULTS]
    assert selectors.index_rules().deep_score == 60.0


def test_thresholds_scale_with_the_period():
    ind = Indicator("X", "x", "space", ("assigned",), threshold=4)
    assert ind.threshold_for(30) == 4
    assert ind.threshold_for(7) == 1
    assert ind.threshold_for(90) == 12
    assert Indicator("F", "f", "space", (), measure="flag", threshold=1).threshold_for(90) == 1
    assert Indicator("D", "d", "space", (), measure="days", threshold=8).threshold_for(7) == 2


def test_groups_by_school_type_and_ownership(demo, users):
    period, _ = selectors.period_from({"period": "30"})
    figs = selectors.school_figures(selectors.district_schools(demo.district), period)
    by_type = selectors.group_figures(figs, "school_type")
    assert sum(g.schools for g in by_type) == len(demo.schools)
    assert {g.label for g in by_type} >= {"小学", "初中"}
    by_owner = selectors.group_figures(figs, "ownership")
    assert sum(g.teachers for g in by_owner) == sum(f.teachers for f in figs)
    assert OrgNode.objects.filter(kind=NodeKind.SCHOOL).count() == len(figs)
