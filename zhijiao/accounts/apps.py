from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "zhijiao.accounts"

    def ready(self):
        from zhijiao.accounts import checks  # noqa: F401  (registers the system check)
        from zhijiao.web.registry import register_app

        admins = {"school_admin", "cio", "district_admin"}
        register_app(key="org", label=_("学校与班级"), category="management", url_name="accounts:manage_org",
                     roles=admins, icon="building", description=_("学校、校点、年级、班级"), order=10)
        register_app(key="people", label=_("师生家长账号"), category="management", url_name="accounts:manage_people",
                     roles=admins, icon="users", description=_("账号、角色、重置密码"), order=20)
        register_app(key="roster", label=_("花名册导入"), category="management", url_name="accounts:roster_import",
                     roles=admins, icon="file-import", description=_("CSV / Excel 批量导入"), order=30)
        register_app(key="audit", label=_("审计日志"), category="management", url_name="accounts:audit_log",
                     roles={"district_admin", "school_admin", "cio"}, icon="history", description=_("登录、变更、导入与敏感信息查看"),
                     order=40)
