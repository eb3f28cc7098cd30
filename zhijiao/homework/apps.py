from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeworkConfig(AppConfig):
    name = "zhijiao.homework"
    verbose_name = _("智慧作业")

    def ready(self):
        from zhijiao.demo.builder import register_demo_extension
        from zhijiao.web.registry import register_app

        teachers = {"head_teacher", "subject_teacher"}
        register_app(key="homework_assign", label=_("布置作业"), category="teaching", url_name="homework:assign",
                     roles=teachers, icon="send", description=_("分层作业、课前课中课后"), order=32)
        register_app(key="homework_grade", label=_("作业批改"), category="teaching", url_name="homework:teacher",
                     roles=teachers, icon="checkbox", description=_("逐题批改、退回订正"), order=33)
        register_app(key="homework_my", label=_("我的作业"), category="learning", url_name="homework:my",
                     roles={"student"}, icon="clipboard-list", description=_("在线作答，手机也能做"), order=10)
        register_app(key="homework_children", label=_("孩子的作业"), category="learning",
                     url_name="homework:children", roles={"parent"}, icon="users-group",
                     description=_("作业、截止时间与成绩"), order=10)
        register_demo_extension("zhijiao.homework.demo.build", order=40)
