"""Permission matrix of the resource centre: one allowed and one denied demo account per endpoint."""

from tests.matrix import ANONYMOUS, Case


def _res(**filters):
    from zhijiao.resources.models import Resource

    return Resource.objects.filter(**filters).order_by("pk").first()


def approved(w):
    return _res(status="approved", level="district")


def other_school_only(w):
    """Approved, shared with its own school only, in a school xuesheng does not belong to."""
    from zhijiao.resources.models import Resource

    return (Resource.objects.filter(status="approved", level="school", sharing="school")
            .exclude(school=w.school(0)).order_by("pk").first())


def laoshi_item(w, status):
    return _res(contributor__username="laoshi", status=status)


def pending_comment(w):
    from zhijiao.resources.models import Comment

    return Comment.objects.filter(status="pending", resource__school=w.school(0)).order_by("pk").first()


def file_url(r):
    return f"/resources/{r.pk}/files/{r.files.first().pk}/"


def with_file(w, **filters):
    from zhijiao.resources.models import Resource

    return Resource.objects.filter(files__isnull=False, **filters).order_by("pk").first()


SAVED = frozenset({302})  # the form pages answer 200 when they show errors: only the redirect means saved
NEW_LINK = {"type": "link", "title": "矩阵：外部链接资源", "level": "school", "sharing": "school",
            "licence": "CC-BY-NC-4.0", "external_url": "https://example.org/matrix"}


def _edit_data(w):
    return {"title": "矩阵：改过的标题", "sharing": "district", "licence": "CC-BY-4.0"}


def _own_subscription(username):
    def url(w):
        from zhijiao.resources.models import Subscription

        sub = Subscription.objects.filter(user=w.user(username)).first() or Subscription.objects.create(
            user=w.user(username), kind="query", query="矩阵")
        return f"/resources/subscriptions/{sub.pk}/delete/"

    return url


CASES = [
    Case("resources:browse", lambda w: "/resources/", allowed="xuesheng", denied=None, note="any signed-in user"),
    Case("resources:detail", lambda w: f"/resources/{approved(w).pk}/", allowed="xuesheng", denied=None,
         note="approved district item"),
    Case("resources:detail", lambda w: f"/resources/{laoshi_item(w, 'pending_school').pk}/", allowed="xiao_admin",
         denied="xuesheng", note="pending: reviewer yes, student no"),
    Case("resources:detail", lambda w: f"/resources/{other_school_only(w).pk}/", allowed="qu_admin",
         denied="xuesheng", note="another school's school-only item"),
    Case("resources:detail", lambda w: f"/resources/{laoshi_item(w, 'draft').pk}/", allowed="laoshi",
         denied="xiao_admin", note="a draft is its author's alone"),
    Case("resources:file", lambda w: file_url(with_file(w, status="approved", level="national")), allowed="xuesheng",
         denied=None, note="approved file"),
    Case("resources:file", lambda w: file_url(laoshi_item(w, "pending_school")), allowed="xiao_cio",
         denied="xuesheng", note="pending item's file"),
    Case("resources:upload", lambda w: "/resources/upload/", allowed="laoshi", denied="xuesheng"),
    Case("resources:upload", lambda w: "/resources/upload/", method="POST", data=lambda w: NEW_LINK,
         allowed="laoshi", denied="xuesheng", allowed_status=SAVED, note="students and parents contribute nothing"),
    Case("resources:upload", lambda w: "/resources/upload/", method="POST", data=lambda w: NEW_LINK,
         allowed="xiao_admin", denied="jiazhang", allowed_status=SAVED),
    Case("resources:mine", lambda w: "/resources/mine/", allowed="laoshi", denied="jiazhang"),
    Case("resources:points", lambda w: "/resources/points/", allowed="laoshi", denied="xuesheng"),
    Case("resources:favourites", lambda w: "/resources/favourites/", allowed="xuesheng", denied=None,
         note="one's own favourites"),
    Case("resources:subscriptions", lambda w: "/resources/subscriptions/", allowed="jiazhang", denied=None,
         note="one's own subscriptions"),
    Case("resources:subscriptions", lambda w: "/resources/subscriptions/", method="POST",
         data=lambda w: {"kind": "query", "query": "矩阵"}, allowed="jiazhang", denied=ANONYMOUS,
         note="subscribes the caller only"),
    Case("resources:subscription_delete", lambda w: "/resources/subscriptions/999999/delete/", method="POST",
         allowed="laoshi", denied=None, note="deletes only the caller's own subscription"),
    Case("resources:subscription_delete", _own_subscription("laoshi"), method="POST", allowed="laoshi",
         denied=ANONYMOUS, note="another's id deletes nothing (resources/actions.py: filtered by the caller)"),
    Case("resources:notifications", lambda w: "/resources/notifications/", allowed="xuesheng", denied=ANONYMOUS,
         allowed_status=frozenset({302}), note="old address: redirects to the one inbox (web:inbox)"),
    Case("resources:review_queue", lambda w: "/resources/review/", allowed="xiao_admin", denied="laoshi"),
    Case("resources:review_queue", lambda w: "/resources/review/", allowed="qu_admin", denied="xuesheng"),
    Case("resources:review", lambda w: f"/resources/{laoshi_item(w, 'pending_school').pk}/review/", method="POST",
         data=lambda w: {"decision": "approved"}, allowed="xiao_admin", denied="laoshi2"),
    Case("resources:comment_moderate", lambda w: f"/resources/comments/{pending_comment(w).pk}/moderate/",
         method="POST", data=lambda w: {"status": "visible"}, allowed="xiao_admin", denied="laoshi"),
    Case("resources:edit", lambda w: f"/resources/{laoshi_item(w, 'changes_requested').pk}/edit/", allowed="laoshi",
         denied="laoshi2"),
    Case("resources:edit", lambda w: f"/resources/{laoshi_item(w, 'changes_requested').pk}/edit/", method="POST",
         data=_edit_data, allowed="laoshi", denied="laoshi2", allowed_status=SAVED, note="a colleague changes nothing of laoshi's"),
    Case("resources:edit", lambda w: f"/resources/{laoshi_item(w, 'changes_requested').pk}/edit/", method="POST",
         data=lambda w: {**_edit_data(w), "resubmit": "1"}, allowed="laoshi", denied="xiao_admin", allowed_status=SAVED,
         note="the reviewer judges, but does not edit, a contributor's item"),
    Case("resources:submit", lambda w: f"/resources/{laoshi_item(w, 'draft').pk}/submit/", method="POST",
         allowed="laoshi", denied="laoshi2"),
    Case("resources:withdraw", lambda w: f"/resources/{laoshi_item(w, 'pending_school').pk}/withdraw/",
         method="POST", allowed="laoshi", denied="laoshi2"),
    Case("resources:favourite", lambda w: f"/resources/{other_school_only(w).pk}/favourite/", method="POST",
         allowed="qu_admin", denied="xuesheng"),
    Case("resources:rate", lambda w: f"/resources/{other_school_only(w).pk}/rate/", method="POST",
         data=lambda w: {"score": "4"}, allowed="qu_admin", denied="xuesheng"),
    Case("resources:comment", lambda w: f"/resources/{other_school_only(w).pk}/comment/", method="POST",
         data=lambda w: {"body": "很好"}, allowed="qu_admin", denied="xuesheng"),
    # API
    Case("GET /api/v1/resources/", lambda w: "/api/v1/resources/", allowed="xuesheng", denied=None, api=True,
         note="scoped list for any signed-in user"),
    Case("GET /api/v1/resources/{resource_id}", lambda w: f"/api/v1/resources/{laoshi_item(w, 'pending_school').pk}",
         allowed="xiao_admin", denied="xuesheng", api=True, note="pending item"),
    Case("POST /api/v1/resources/{resource_id}/favourite",
         lambda w: f"/api/v1/resources/{other_school_only(w).pk}/favourite", method="POST", allowed="qu_admin",
         denied="xuesheng", api=True),
    Case("DELETE /api/v1/resources/{resource_id}/favourite",
         lambda w: f"/api/v1/resources/{other_school_only(w).pk}/favourite", method="DELETE", allowed="qu_admin",
         denied="xuesheng", api=True),
    Case("POST /api/v1/resources/{resource_id}/rating",
         lambda w: f"/api/v1/resources/{other_school_only(w).pk}/rating", method="POST",
         data=lambda w: {"score": 5}, json=True, allowed="qu_admin", denied="xuesheng", api=True),
    Case("POST /api/v1/resources/{resource_id}/comments",
         lambda w: f"/api/v1/resources/{other_school_only(w).pk}/comments", method="POST",
         data=lambda w: {"text": "好"}, json=True, allowed="qu_admin", denied="xuesheng", api=True,
         allowed_status=frozenset({201})),
]

EXEMPT: dict[str, str] = {}

# Writes on the caller's own data only: no one else's to deny (a visitor is refused: ANONYMOUS write cases).
EXEMPT_WRITES = {
    "resources:subscriptions": "subscribes the signed-in user only; there is no one else's subscription to add",
    "resources:subscription_delete": "deletes only the signed-in user's own subscription (the action filters by "
                                     "the caller, so another's id deletes nothing and still redirects)",
}
