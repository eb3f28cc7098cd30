from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "zhijiao.search"
    verbose_name = _("搜索")

    def ready(self):
        from zhijiao.demo.builder import register_demo_extension
        from zhijiao.search import checks  # noqa: F401  (registers the system check)
        from zhijiao.web.registry import register_app

        staff = {"teacher", "head_teacher", "subject_teacher", "school_admin", "cio", "district_admin", "supervisor"}
        register_app(key="search", label=_("资源搜索"), category="teaching", url_name="search:results",
                     roles=staff, icon="search", description=_("按课题、知识点、作者搜全区资源"), order=5)
        register_app(key="search_learn", label=_("资源搜索"), category="learning", url_name="search:results",
                     roles={"student", "parent"}, icon="search", description=_("搜微课、学习任务单"), order=5)
        register_demo_extension("zhijiao.search.demo.build", order=25)

        from zhijiao.records.trail import register_trail_kind
        from zhijiao.search.actions import TRAIL_SEARCHED, searches_apply

        register_trail_kind(TRAIL_SEARCHED, searches_apply)
