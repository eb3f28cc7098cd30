from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenplatformConfig(AppConfig):
    name = "zhijiao.openplatform"
    verbose_name = _("开放平台")
