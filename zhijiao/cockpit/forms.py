"""The bureau's indicator form: one row per indicator, plus the two index lines."""

from django import forms
from django.utils.translation import gettext_lazy as _

from zhijiao.cockpit.indicators import ATTRIBUTIONS, DIMENSIONS, MEASURES, ROLE_GROUPS, Indicator
from zhijiao.records.vocabulary import VERBS


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").replace("，", ",").split(",") if p.strip())


class IndicatorForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=40)
    dimension = forms.ChoiceField(label=_("维度"), choices=DIMENSIONS)
    verbs = forms.CharField(label=_("动词"), max_length=300, required=False)
    object_types = forms.CharField(label=_("对象类型"), max_length=300, required=False)
    roles = forms.CharField(label=_("角色"), max_length=100, required=False)
    attribution = forms.ChoiceField(label=_("归属"), choices=ATTRIBUTIONS)
    measure = forms.ChoiceField(label=_("计量"), choices=MEASURES)
    threshold = forms.FloatField(label=_("阈值/30天"), min_value=0.1, max_value=100000,
                                 error_messages={"min_value": _("阈值须大于 0。"), "invalid": _("阈值须是数字。"),
                                                 "required": _("请填写阈值。")})
    weight = forms.FloatField(label=_("权重"), min_value=0, max_value=1000,
                              error_messages={"min_value": _("权重不能为负数。"), "invalid": _("权重须是数字。"),
                                              "required": _("请填写权重。")})
    enabled = forms.BooleanField(label=_("启用"), required=False)

    def clean_verbs(self):
        verbs = _split(self.cleaned_data["verbs"])
        unknown = [v for v in verbs if v not in VERBS and "://" not in v]
        if unknown:
            raise forms.ValidationError(_("未知的动词：%(v)s（可用：%(known)s，或完整 IRI）")
                                        % {"v": "、".join(unknown), "known": ", ".join(VERBS)})
        return verbs

    def clean_object_types(self):
        kinds = _split(self.cleaned_data["object_types"])
        bad = [k for k in kinds if not all(c.isalnum() or c in "-_:/." for c in k)]
        if bad:
            raise forms.ValidationError(_("对象类型只能含字母、数字和 - _ : / .：%(v)s") % {"v": "、".join(bad)})
        return kinds

    def clean_roles(self):
        roles = _split(self.cleaned_data["roles"])
        unknown = [r for r in roles if r not in ROLE_GROUPS and r != "other"]
        if unknown:
            raise forms.ValidationError(_("未知的角色：%(v)s（可用：teacher, student, parent, district, other）")
                                        % {"v": "、".join(unknown)})
        return roles

    def indicator(self, code: str) -> Indicator:
        d = self.cleaned_data
        return Indicator(code=code, name=d["name"], dimension=d["dimension"], verbs=d["verbs"],
                         object_types=d["object_types"], roles=d["roles"], attribution=d["attribution"],
                         measure=d["measure"], threshold=d["threshold"], weight=d["weight"], enabled=d["enabled"])


def initial_of(ind: Indicator) -> dict:
    return {"name": ind.name, "dimension": ind.dimension, "verbs": ", ".join(ind.verbs),
            "object_types": ", ".join(ind.object_types), "roles": ", ".join(ind.roles),
            "attribution": ind.attribution, "measure": ind.measure, "threshold": ind.threshold,
            "weight": ind.weight, "enabled": ind.enabled}


class IndexRulesForm(forms.Form):
    deep_score = forms.FloatField(label=_("深度应用教师得分线（0–100）"), min_value=0, max_value=100,
                                  error_messages={"invalid": _("请填写 0–100 的数字。"),
                                                  "min_value": _("请填写 0–100 的数字。"),
                                                  "max_value": _("请填写 0–100 的数字。"),
                                                  "required": _("请填写得分线。")})
    warning_share = forms.FloatField(label=_("学校预警线：深度应用教师占比低于（%）"), min_value=0, max_value=100,
                                     error_messages={"invalid": _("请填写 0–100 的数字。"),
                                                     "min_value": _("请填写 0–100 的数字。"),
                                                     "max_value": _("请填写 0–100 的数字。"),
                                                     "required": _("请填写预警线。")})
