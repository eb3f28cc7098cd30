from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "zhijiao.resources"
    verbose_name = _("资源中心")

    def ready(self) -> None:
        from zhijiao.accounts.models import RoleKind
        from zhijiao.demo.builder import register_demo_extension
        from zhijiao.web.registry import register_app

        staff = {RoleKind.TEACHER, RoleKind.HEAD_TEACHER, RoleKind.SUBJECT_TEACHER, RoleKind.SCHOOL_ADMIN,
                 RoleKind.CIO, RoleKind.DISTRICT_ADMIN, RoleKind.SUPERVISOR}
        register_app(key="resources", label=_("资源中心"), category="teaching", url_name="resources:browse",
                     roles=staff, icon="books", description=_("按教材章节找课件、微课、教案"), order=10)
        register_app(key="resources_learn", label=_("资源中心"), category="learning", url_name="resources:browse",
                     roles={RoleKind.STUDENT, RoleKind.PARENT}, icon="books", description=_("按课本章节看微课、学习资源"),
                     order=10)
        register_app(key="resources_mine", label=_("我的资源"), category="teaching", url_name="resources:mine",
                     roles={RoleKind.TEACHER, RoleKind.HEAD_TEACHER, RoleKind.SUBJECT_TEACHER}, icon="upload",
                     description=_("上传、审核进度、积分"), order=11)
        register_app(key="resources_review", label=_("资源审核"), category="management",
                     url_name="resources:review_queue",
                     roles={RoleKind.SCHOOL_ADMIN, RoleKind.CIO, RoleKind.DISTRICT_ADMIN}, icon="shield-check",
                     description=_("凡进必审：审核资源和评论"), order=20)
        register_demo_extension("zhijiao.resources.demo.build", order=20)

        from zhijiao.records.trail import register_trail_kind
        from zhijiao.resources import actions

        register_trail_kind(actions.TRAIL_VIEWED, actions.resource_views_apply)
        register_trail_kind(actions.TRAIL_DOWNLOADED, actions.resource_downloads_apply)
