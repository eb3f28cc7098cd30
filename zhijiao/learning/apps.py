from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "zhijiao.learning"
    verbose_name = _("学情")

    def ready(self):
        from zhijiao.web.registry import register_app

        teachers = {"head_teacher", "subject_teacher"}
        register_app(key="learning_report", label=_("学情分析"), category="evaluation", url_name="learning:index",
                     roles=teachers | {"school_admin", "district_admin", "supervisor"}, icon="report-analytics",
                     description=_("掌握图、薄弱点、针对性练习"), order=10)
        register_app(key="notebook", label=_("错题本"), category="learning", url_name="learning:notebook",
                     roles={"student"}, icon="notebook", description=_("错题重练"), order=11)
        register_app(key="learning_my", label=_("我的学情"), category="learning", url_name="learning:my",
                     roles={"student"}, icon="trending-up", description=_("知识点掌握与推荐"), order=12)
        register_app(key="qa", label=_("答疑"), category="learning", url_name="learning:qa_list",
                     roles={"student", "head_teacher", "subject_teacher"}, icon="messages",
                     description=_("向任课老师提问"), order=13)
