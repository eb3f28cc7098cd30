"""Cockpit pages (thin): pick the scope and period, read the figures, render or export a table."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from zhijiao.cockpit import actions, charts, selectors
from zhijiao.cockpit.exports import Table, xlsx_response
from zhijiao.cockpit.forms import IndexRulesForm, IndicatorForm, initial_of
from zhijiao.cockpit.indicators import DIMENSION_LABELS, DIMENSIONS, MEASURES
from zhijiao.cockpit.rollup import checkpoint
from zhijiao.core.models import Ownership, SchoolType


@dataclass
class Link:
    text: str
    href: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Badge:
    text: str
    kind: str = ""

    def __str__(self) -> str:
        return self.text


def _pct(v: float) -> str:
    return f"{v:.1f}%"


def _tables_response(request, tables: list[Table], prefix: str):
    key = request.GET.get("export")
    if not key:
        return None
    for t in tables:
        if t.key == key:
            return xlsx_response(t, f"{prefix}-{t.key}")
    raise Http404("no such table")


def _trend_tables(daily, weekly) -> list[Table]:
    return [
        Table("daily", _("每日趋势"), [_("日期"), _("访问量"), _("活跃用户")],
              [[d["day"].isoformat(), d["visits"], d["active"]] for d in daily]),
        Table("weekly", _("每周趋势"), [_("周（周一）"), _("访问量"), _("活跃用户")],
              [[w["week"].isoformat(), w["visits"], w["active"]] for w in weekly]),
    ]


def _trend_charts(daily, weekly, hourly) -> list[dict]:
    return [
        charts.lines("chart-daily", _("每日访问量与活跃用户"), [d["day"].strftime("%m-%d") for d in daily],
                     (_("访问量"), [d["visits"] for d in daily]), (_("活跃用户"), [d["active"] for d in daily])),
        charts.bars("chart-weekly", _("每周访问量"), [w["week"].strftime("%m-%d") for w in weekly],
                    [w["visits"] for w in weekly], name=_("访问量")),
        charts.bars("chart-hourly", _("一天中各时段访问量"), [_("%(h)s时") % {"h": h} for h in range(24)], hourly,
                    name=_("访问量")),
    ]


def _dims_chart(dims: dict[str, float], chart_id: str = "chart-dims") -> dict:
    return charts.radar(chart_id, _("五个维度得分"), [label for _d, label in DIMENSIONS],
                        [round(dims.get(d, 0), 1) for d, _l in DIMENSIONS], name=_("平均得分"))


def _indicator_table(ind_figs) -> Table:
    measures = dict(MEASURES)
    return Table("indicators", _("各项指标"),
                 [_("代码"), _("指标"), _("维度"), _("计量"), _("本期阈值"), _("权重"), _("合计"), _("达标教师"),
                  _("达标率")],
                 [[f.indicator.code, f.indicator.name, str(DIMENSION_LABELS.get(f.indicator.dimension, "")),
                   str(measures.get(f.indicator.measure, "")), f.threshold, f.indicator.weight, int(f.total),
                   f.reached, _pct(f.share)] for f in ind_figs])


@login_required
def district(request):
    district_node = selectors.cockpit_district(request.user)
    period, error = selectors.period_from(request.GET)
    figures = selectors.district_page_figures(district_node, period, checkpoint=checkpoint())
    figs, ind_figs, daily, weekly, hourly = figures.value
    totals = selectors.district_totals(figs)
    rules = selectors.index_rules()
    ranked = sorted(figs, key=lambda f: (-f.share, -f.avg_score, f.school.path))
    types = dict(SchoolType.choices)
    owners = dict(Ownership.choices)

    def school_link(f):
        return Link(f.school.name, reverse("cockpit:school", args=[f.school.pk]) + f"?{period.query()}")

    ranking = Table("ranking", _("学校排名（深度应用指数）"),
                    [_("名次"), _("学校"), _("类型"), _("性质"), _("教师"), _("深度应用教师"), _("深度应用指数"),
                     _("教师平均得分"), _("访问量"), _("每百名学生访问量"), _("每百名教师访问量"), _("活跃用户"),
                     _("状态")],
                    [[i, school_link(f), str(types.get(f.school.school_type, "")),
                      str(owners.get(f.school.ownership, "")), f.teachers, f.deep, _pct(f.share), f.avg_score,
                      f.visits, f.per100_students, f.per100_teachers, f.active_users,
                      Badge(_("预警"), "badge-error") if f.warn else Badge(_("正常"), "badge-ok")]
                     for i, f in enumerate(ranked, start=1)])
    warned = [f for f in ranked if f.warn]
    warnings = Table("warnings", _("预警名单"),
                     [_("学校"), _("深度应用指数"), _("预警线"), _("教师平均得分"), _("教师"), _("深度应用教师")],
                     [[school_link(f), _pct(f.share), _pct(rules.warning_share), f.avg_score, f.teachers, f.deep]
                      for f in sorted(warned, key=lambda f: (f.share, f.school.path))])
    group_headers = [_("分组"), _("学校数"), _("教师"), _("深度应用教师"), _("深度应用指数"), _("学校指数平均"),
                     _("每百名学生访问量"), _("每百名教师访问量")]

    def group_rows(key):
        return [[g.label, g.schools, g.teachers, g.deep, _pct(g.share), _pct(g.avg_share), g.per100_students,
                 g.per100_teachers] for g in selectors.group_figures(figs, key)]

    by_type = Table("by-type", _("按学校类型"), group_headers, group_rows("school_type"))
    by_owner = Table("by-ownership", _("按办学性质"), group_headers, group_rows("ownership"))
    ind_table = _indicator_table(ind_figs)
    tables = [ranking, warnings, by_type, by_owner, ind_table, *_trend_tables(daily, weekly)]
    if (resp := _tables_response(request, tables, "district")) is not None:
        return resp

    teachers = totals["teachers"] or 1
    dims = {d: sum(f.dims.get(d, 0) * f.teachers for f in figs) / teachers for d, _l in DIMENSIONS}
    top = ranked[:20]
    page_charts = [
        charts.bars("chart-ranking", _("学校深度应用指数排名（前20，预警线 %(line)s）") % {"line": _pct(rules.warning_share)},
                    [f.school.name for f in top], [f.share for f in top], name=_("深度应用指数"), horizontal=True,
                    max_value=100, tall=True),
        _dims_chart(dims),
        charts.bars("chart-types", _("按学校类型的深度应用指数"), [r[0] for r in by_type.rows],
                    [g.share for g in selectors.group_figures(figs, "school_type")], name=_("深度应用指数"),
                    max_value=100),
        *_trend_charts(daily, weekly, hourly),
    ]
    return render(request, "cockpit/district.html", {
        "district": district_node, "period": period, "error": error, "totals": totals, "rules": rules,
        "ranking": ranking, "warnings": warnings, "groups": [by_type, by_owner], "indicators": ind_table,
        "trends": _trend_tables(daily, weekly), "charts": page_charts, "as_of": figures.as_of,
        "periods": selectors.PERIOD_CHOICES, "can_configure": selectors.can_configure(request.user),
    })


@login_required
def school(request, school_id: int):
    school_node = selectors.access_cockpit_school(request.user, school_id)
    period, error = selectors.period_from(request.GET)
    figures = selectors.school_page_figures(school_node, period, checkpoint=checkpoint())
    f, scores, daily, weekly, hourly = figures.value
    rules = selectors.index_rules()
    ranked = sorted(scores.values(), key=lambda t: (-t.score, t.name))
    teachers = Table("teachers", _("教师深度应用情况"),
                     [_("教师"), _("得分"), _("深度应用"), *[str(label) for _d, label in DIMENSIONS]],
                     [[Link(t.name or f"#{t.teacher_id}",
                            reverse("cockpit:teacher", args=[t.teacher_id]) + f"?{period.query()}"),
                       t.score, Badge(_("是"), "badge-ok") if t.deep else Badge(_("否"), ""),
                       *[round(t.dims.get(d, 0), 1) for d, _l in DIMENSIONS]] for t in ranked])
    ind_table = _indicator_table(selectors.indicator_figures(scores, period))
    tables = [teachers, ind_table, *_trend_tables(daily, weekly)]
    if (resp := _tables_response(request, tables, f"school-{school_node.pk}")) is not None:
        return resp
    bins = [0] * 10
    for t in scores.values():
        bins[min(9, int(t.score // 10))] += 1
    page_charts = [
        charts.bars("chart-scores", _("教师得分分布"), [f"{i * 10}–{i * 10 + 9 if i < 9 else 100}" for i in range(10)],
                    bins, name=_("教师数"), whole_numbers=True),
        _dims_chart(f.dims),
        *_trend_charts(daily, weekly, hourly),
    ]
    return render(request, "cockpit/school.html", {
        "school": school_node, "figures": f, "period": period, "error": error, "rules": rules,
        "teachers": teachers, "indicators": ind_table, "trends": _trend_tables(daily, weekly), "charts": page_charts,
        "as_of": figures.as_of, "periods": selectors.PERIOD_CHOICES,
        "can_district": selectors.can_read_district(request.user),
    })


@login_required
def teacher(request, teacher_id: int):
    person, school_node = selectors.access_cockpit_teacher(request.user, teacher_id)
    period, error = selectors.period_from(request.GET)
    cp = checkpoint()  # the rollup the figures come from; opening a page runs none (the clock does)
    all_inds, rules = selectors.indicators(), selectors.index_rules()
    scores = selectors.teacher_scores({person.pk: school_node.pk}, period, all_inds, rules)
    t = scores[person.pk]
    inds = [i for i in all_inds if i.enabled and i.weight > 0]
    measures = dict(MEASURES)
    table = Table("indicators", _("各项指标"),
                  [_("代码"), _("指标"), _("维度"), _("计量"), _("数值"), _("本期阈值"), _("完成度"), _("权重")],
                  [[i.code, i.name, str(DIMENSION_LABELS.get(i.dimension, "")), str(measures.get(i.measure, "")),
                    int(t.values.get(i.code, 0)), i.threshold_for(period.days), _pct(100 * t.parts.get(i.code, 0)),
                    i.weight] for i in inds])
    daily = selectors.daily_trend(period, actor_id=person.pk)
    trend = Table("daily", _("每日操作数"), [_("日期"), _("操作数")],
                  [[d["day"].isoformat(), d["visits"]] for d in daily])
    if (resp := _tables_response(request, [table, trend], f"teacher-{person.pk}")) is not None:
        return resp
    page_charts = [
        _dims_chart(t.dims),
        charts.bars("chart-activity", _("每日操作数"), [d["day"].strftime("%m-%d") for d in daily],
                    [d["visits"] for d in daily], name=_("操作数"), whole_numbers=True),
    ]
    return render(request, "cockpit/teacher.html", {
        "person": person, "school": school_node, "score": t, "period": period, "error": error,
        "rules": rules, "indicators": table, "trend": trend, "charts": page_charts,
        "as_of": cp.updated_at if cp else None, "periods": selectors.PERIOD_CHOICES,
    })


@login_required
def config(request):
    if not selectors.can_configure(request.user):
        raise PermissionDenied(_("指标配置仅向区县管理员开放。"))
    inds = selectors.indicators()
    rules = selectors.index_rules()
    if request.method == "POST" and request.POST.get("reset"):
        actions.indicator_configs_reset(actor=request.user)
        messages.success(request, _("已恢复默认指标。"))
        return redirect("cockpit:config")
    if request.method == "POST":
        forms = [(i, IndicatorForm(request.POST, prefix=i.code)) for i in inds]
        rules_form = IndexRulesForm(request.POST, prefix="rules")
        valid = rules_form.is_valid() & all([f.is_valid() for _i, f in forms])
        if valid and sum(f.cleaned_data["weight"] for _i, f in forms if f.cleaned_data["enabled"]) <= 0:
            rules_form.add_error(None, _("至少要有一项启用且权重大于 0 的指标。"))
            valid = False
        if valid:
            actions.indicator_configs_save(actor=request.user, indicators=[f.indicator(i.code) for i, f in forms],
                                           deep_score=rules_form.cleaned_data["deep_score"],
                                           warning_share=rules_form.cleaned_data["warning_share"])
            messages.success(request, _("指标配置已保存，驾驶舱立即按新配置计算。"))
            return redirect("cockpit:config")
        messages.error(request, _("有填写错误，请按提示修改；其余内容已保留，尚未保存。"))
        status = 400
    else:
        forms = [(i, IndicatorForm(initial=initial_of(i), prefix=i.code)) for i in inds]
        rules_form = IndexRulesForm(initial={"deep_score": rules.deep_score, "warning_share": rules.warning_share},
                                    prefix="rules")
        status = 200
    return render(request, "cockpit/config.html", {"forms": forms, "rules_form": rules_form}, status=status)


@login_required
def my_school(request):
    """Home entry for school admins and CIOs: their own school's cockpit (district users: the district)."""
    # Rendered here, not redirected: on a thin link a redirect costs a phone one more round trip (0.4 s).
    own = selectors.own_cockpit_school(request.user)
    if own is not None:
        return school(request, school_id=own.pk)
    if selectors.can_read_district(request.user):
        return district(request)
    raise PermissionDenied(_("数据驾驶舱仅向学校管理员、首席信息官和区县用户开放。"))
