from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "zhijiao.web"

    def ready(self):
        from zhijiao.web.registry import register_app

        everyone = {"student", "teacher", "head_teacher", "subject_teacher", "parent", "school_admin", "cio",
                    "district_admin", "supervisor"}
        register_app(key="inbox", label=_("消息通知"), category="management", url_name="web:inbox",
                     roles=everyone, icon="bell", description=_("审核结果、答疑、作业退回等提醒"), order=890)
        register_app(key="password", label=_("修改密码"), category="management", url_name="accounts:password_change",
                     roles=everyone, icon="lock", description=_("定期更换密码，保护账号安全"), order=900)
