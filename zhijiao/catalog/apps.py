from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "zhijiao.catalog"
    verbose_name = _("教材目录")

    def ready(self):
        from zhijiao.demo.builder import register_demo_extension
        from zhijiao.web.registry import register_app

        register_demo_extension("zhijiao.catalog.demo.build", order=10)
        staff = {"teacher", "head_teacher", "subject_teacher", "school_admin", "cio", "district_admin", "supervisor"}
        register_app(key="catalog", label=_("教材目录"), category="teaching", url_name="catalog:browse",
                     roles=staff | {"student", "parent"}, icon="list-tree",
                     description=_("学段、学科、版本、册次与章节"), order=60)
        register_app(key="catalog_manage", label=_("目录管理"), category="management", url_name="catalog:manage",
                     roles={"district_admin"}, icon="folders", description=_("板块、教材目录导入与导出"), order=50)
        register_app(key="catalog_editions", label=_("年级用书"), category="management", url_name="catalog:editions",
                     roles={"district_admin", "school_admin"}, icon="list-tree",
                     description=_("各年级使用的教材版本与版次"), order=51)
