"""Use of published items: views, downloads, favourites, ratings, moderated comments, points, history."""

import pytest

from zhijiao.core.models import Notification
from zhijiao.records.models import Statement
from zhijiao.records.trail import trail_drain
from zhijiao.resources import actions
from zhijiao.resources.models import (
    Comment,
    CommentStatus,
    PointsLedger,
    PointsRule,
    Resource,
    Status,
    ViewHistory,
)
from zhijiao.resources.selectors import points_balance


def fresh(r):
    return Resource.objects.get(pk=r.pk)


def test_viewing_counts_records_history_and_event(lib, client_as):
    r = lib.make(title="时、分、秒 微课：认识秒针", file=("a.pdf", lib.samples.pdf()))
    client = client_as(lib.users["xuesheng"])
    for _ in range(3):
        assert client.get(f"/resources/{r.pk}/").status_code == 200
    assert fresh(r).view_count == 0  # opening a page writes nothing on the request path
    assert trail_drain() == 3
    assert fresh(r).view_count == 3
    h = ViewHistory.objects.get(user=lib.users["xuesheng"], resource=r)
    assert h.times == 3
    assert "认识秒针" in client.get("/resources/favourites/?tab=history").content.decode()
    st = Statement.objects.filter(verb__endswith="/viewed", object_id__endswith=f"/resource/{r.pk}")
    assert st.count() == 3
    body = st.first().statement
    assert body["actor"]["account"]["name"] == str(lib.users["xuesheng"].pk)  # an id, never a name
    assert "extensions" in body["context"]  # school and class context


def test_previews_of_unpublished_items_are_not_counted(lib, client_as):
    r = lib.make(status=Status.PENDING_SCHOOL)
    client_as(lib.users["xiao_admin"]).get(f"/resources/{r.pk}/")
    assert trail_drain() == 0
    assert fresh(r).view_count == 0


def test_favourite_twice_counts_once_and_lists(lib, client_as):
    r = lib.make(title="Unit 1 Hello! 课件")
    client = client_as(lib.users["laoshi2"])
    client.post(f"/resources/{r.pk}/favourite/")
    client.post(f"/resources/{r.pk}/favourite/")
    assert fresh(r).favourite_count == 1
    assert "Unit 1 Hello! 课件" in client.get("/resources/favourites/").content.decode()
    client.post(f"/resources/{r.pk}/favourite/", {"remove": "1"})
    assert fresh(r).favourite_count == 0
    assert "Unit 1 Hello! 课件" not in client.get("/resources/favourites/").content.decode()


def test_rating_is_one_per_person_and_changeable(lib, client_as):
    r = lib.make()
    client = client_as(lib.users["laoshi2"])
    client.post(f"/resources/{r.pk}/rate/", {"score": "4"})
    client.post(f"/resources/{r.pk}/rate/", {"score": "2"})
    r = fresh(r)
    assert (r.rating_sum, r.rating_count, r.rating_average) == (2, 1, 2.0)
    resp = client.post(f"/resources/{r.pk}/rate/", {"score": "6"}, follow=True)
    assert "评分须是 1 到 5 之间的整数" in resp.content.decode()
    assert fresh(r).rating_sum == 2


def test_cannot_use_unpublished_items(lib):
    r = lib.make(status=Status.PENDING_SCHOOL)
    with pytest.raises(actions.ResourceError):
        actions.favourite_add(user=lib.users["xiao_admin"], resource=r)


def test_comments_wait_for_moderation(lib, client_as):
    r = lib.make(title="评论测试")
    client = client_as(lib.users["xuesheng"])
    resp = client.post(f"/resources/{r.pk}/comment/", {"body": "老师讲得真清楚！"}, follow=True)
    assert "审核后显示" in resp.content.decode()
    assert "老师讲得真清楚！" in resp.content.decode()  # the author sees their pending comment
    assert "老师讲得真清楚！" not in client_as(lib.users["s0000002"]).get(f"/resources/{r.pk}/").content.decode()
    assert fresh(r).comment_count == 0
    # empty comment
    client = client_as(lib.users["xuesheng"])
    resp = client.post(f"/resources/{r.pk}/comment/", {"body": "   "}, follow=True)
    assert "评论内容不能为空" in resp.content.decode()

    c = Comment.objects.get(resource=r)
    mod = client_as(lib.users["xiao_admin"])
    assert "老师讲得真清楚！" in mod.get("/resources/review/?tab=comments").content.decode()
    mod.post(f"/resources/comments/{c.pk}/moderate/", {"status": "visible"})
    assert fresh(r).comment_count == 1
    assert "老师讲得真清楚！" in client_as(lib.users["s0000002"]).get(f"/resources/{r.pk}/").content.decode()
    client_as(lib.users["xiao_admin"]).post(f"/resources/comments/{c.pk}/moderate/", {"status": "hidden"})
    assert fresh(r).comment_count == 0
    assert Comment.objects.get(pk=c.pk).status == CommentStatus.HIDDEN
    assert Notification.objects.filter(user=lib.users["xuesheng"], kind="comment_hidden").exists()


def test_other_schools_reviewer_cannot_moderate(lib, client_as):
    r = lib.make()
    c = actions.comment_add(user=lib.users["xuesheng"], resource=r, body="hi")
    from zhijiao.accounts.models import Role, RoleKind

    other_admin = Role.objects.filter(kind=RoleKind.SCHOOL_ADMIN, node=lib.demo.schools[1]).first().user
    resp = client_as(other_admin).post(f"/resources/comments/{c.pk}/moderate/", {"status": "visible"})
    assert resp.status_code == 404
    assert Comment.objects.get(pk=c.pk).status == CommentStatus.PENDING


def test_points_for_use_respect_the_daily_cap(lib):
    PointsRule.objects.create(event="viewed", points=1, daily_cap=2)
    r = lib.make()
    for name in ("xuesheng", "s0000002", "laoshi2", "jiazhang"):
        actions.resource_view(user=lib.users[name], resource=r)
    actions.resource_view(user=lib.users["laoshi"], resource=r)  # one's own views earn nothing
    trail_drain()
    assert PointsLedger.objects.filter(user=lib.users["laoshi"], event="viewed").count() == 2
    assert points_balance(lib.users["laoshi"]) == 2
    actions.rating_set(user=lib.users["laoshi2"], resource=r, score=5)
    assert points_balance(lib.users["laoshi"]) == 5  # default rule: +3 per rating
    ledger = list(PointsLedger.objects.filter(user=lib.users["laoshi"]).order_by("pk"))
    assert [e.balance_after for e in ledger] == [1, 2, 5]


def test_disabled_rule_grants_nothing(lib):
    PointsRule.objects.create(event="favourited", points=5, is_active=False)
    r = lib.make()
    actions.favourite_add(user=lib.users["laoshi2"], resource=r)
    assert points_balance(lib.users["laoshi"]) == 0


def test_points_page_shows_ledger(lib, client_as):
    r = lib.make(title="积分测试资源")
    actions.rating_set(user=lib.users["laoshi2"], resource=r, score=4)
    html = client_as(lib.users["laoshi"]).get("/resources/points/").content.decode()
    assert "积分测试资源" in html and "资源被评分" in html


def test_subscription_feed_shows_new_items(lib, client_as):
    client = client_as(lib.users["laoshi2"])
    client.post("/resources/subscriptions/", {"kind": "chapter", "chapter": lib.chapter.pk})
    client.post("/resources/subscriptions/", {"kind": "query", "query": "秒针"})
    lib.make(title="新的章节资源")
    lib.make(title="认识秒针 微课", chapter_=lib.leaves[-1])
    lib.make(title="未通过的不出现", status=Status.PENDING_SCHOOL)
    html = client.get("/resources/subscriptions/").content.decode()
    assert "新的章节资源" in html and "认识秒针 微课" in html and "未通过的不出现" not in html
    assert "2 条新资源" in html
    assert "条新资源" not in client.get("/resources/subscriptions/").content.decode()  # seen now
    resp = client.post("/resources/subscriptions/", {"kind": "query", "query": ""}, follow=True)
    assert "请输入搜索词" in resp.content.decode()


def test_subscribe_to_an_author_from_the_resource_page(lib, client_as):
    r = lib.make(title="作者的第一份")
    client = client_as(lib.users["laoshi2"])
    assert "订阅作者" in client.get(f"/resources/{r.pk}/").content.decode()
    client.post("/resources/subscriptions/", {"kind": "author", "author": lib.users["laoshi"].pk,
                                              "next": f"/resources/{r.pk}/"})
    lib.make(title="作者的新作品")
    assert "作者的新作品" in client.get("/resources/subscriptions/").content.decode()


def test_national_item_without_contributor_renders(lib, client_as):
    from zhijiao.resources.models import Resource as R

    r = lib.make(contributor=None, level="national", sharing="public", title="国家平台同步课程")
    R.objects.filter(pk=r.pk).update(authors="国家中小学智慧教育平台")
    html = client_as(lib.users["xuesheng"]).get(f"/resources/{r.pk}/").content.decode()
    assert "国家中小学智慧教育平台" in html and "订阅作者" not in html
