from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "zhijiao.cockpit"

    def ready(self):
        from zhijiao.demo.builder import register_demo_extension
        from zhijiao.web.registry import register_app

        register_app(key="cockpit", label=_("数据驾驶舱"), category="evaluation", url_name="cockpit:district",
                     roles={"district_admin", "supervisor"}, icon="chart-bar",
                     description=_("深度应用指数、访问量、学校排名与预警"), order=10)
        register_app(key="cockpit-school", label=_("数据驾驶舱"), category="evaluation", url_name="cockpit:my_school",
                     roles={"school_admin", "cio"}, icon="chart-bar", description=_("本校教师深度应用情况"), order=11)
        register_app(key="cockpit-config", label=_("应用指标配置"), category="management", url_name="cockpit:config",
                     roles={"district_admin"}, icon="settings", description=_("深度应用指数的指标、阈值与权重"), order=60)
        register_demo_extension("zhijiao.cockpit.demo.build", order=70)

        from django.db.models.signals import post_delete, post_save

        from zhijiao.accounts.models import Role
        from zhijiao.cockpit.selectors import bump_org_version
        from zhijiao.core.models import OrgNode

        for model in (Role, OrgNode):
            post_save.connect(bump_org_version, sender=model, dispatch_uid=f"cockpit-org-{model.__name__}")
            post_delete.connect(bump_org_version, sender=model, dispatch_uid=f"cockpit-org-{model.__name__}-del")
