from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionsConfig(AppConfig):
    name = "zhijiao.questions"
    verbose_name = _("题库")

    def ready(self):
        from zhijiao.demo.builder import register_demo_extension
        from zhijiao.web.registry import register_app

        teachers = {"head_teacher", "subject_teacher", "teacher"}
        register_app(key="questions", label=_("题库"), category="teaching", url_name="questions:bank",
                     roles=teachers | {"school_admin", "district_admin"}, icon="pencil",
                     description=_("试题录入、导入、检索"), order=30)
        register_app(key="papers", label=_("组卷"), category="teaching", url_name="questions:paper_rules",
                     roles=teachers, icon="puzzle", description=_("手动选题或按规则抽题"), order=31)
        register_demo_extension("zhijiao.questions.demo.build", order=30)
