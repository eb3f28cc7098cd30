from django import forms
from django.utils.translation import gettext_lazy as _

SCOPE_CHOICES = [
    ("statements/write", _("写入语句 statements/write")),
    ("statements/read/mine", _("读取本客户端写入的语句 statements/read/mine")),
    ("statements/read", _("读取全部语句 statements/read")),
    ("state", _("状态文档 state")),
    ("profile", _("档案文档 profile")),
    ("define", _("更新活动定义 define")),
    ("all/read", _("全部只读 all/read")),
    ("all", _("全部权限 all")),
]


class ClientForm(forms.Form):
    name = forms.CharField(label=_("客户端名称"), max_length=80,
                           help_text=_("如：某某数字教材、某某测评系统"))
    scopes = forms.MultipleChoiceField(label=_("权限范围"), choices=SCOPE_CHOICES,
                                       widget=forms.CheckboxSelectMultiple,
                                       initial=["statements/write", "statements/read/mine", "state"],
                                       error_messages={"required": _("至少选择一个权限范围。")})
