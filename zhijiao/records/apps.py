from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "zhijiao.records"

    def ready(self):
        from zhijiao.web.registry import register_app

        register_app(key="xapi_clients", label=_("学习记录接口"), category="management", url_name="records:clients",
                     roles={"district_admin"}, icon="key", description=_("xAPI 客户端凭据：登记与吊销"), order=80)
