"""Contribution and review end to end: upload, send back, resubmit, approve; notifications and points."""

from zhijiao.core.models import Notification
from zhijiao.records.models import Statement
from zhijiao.resources import samples
from zhijiao.resources.models import PointsLedger, Resource, Status
from zhijiao.search.models import IndexOutbox


def _upload(client, lib, title, level="school"):
    resp = client.post("/resources/upload/", {
        "type": "lesson_plan", "title": title, "level": level, "sharing": "district", "licence": "CC-BY-NC-4.0",
        "description": "第一课时", "file": lib.upload("教学设计.docx", samples.docx()), "submit_now": "on",
    })
    assert resp.status_code == 302, resp.content.decode()[:3000]
    return Resource.objects.get(title=title)


def test_school_review_end_to_end(lib, client_as):
    users = lib.users
    teacher = client_as(users["laoshi"])
    r = _upload(teacher, lib, "《花的学校》第一课时 教学设计")
    assert r.status == Status.PENDING_SCHOOL
    assert IndexOutbox.objects.filter(kind="resource", pk_value=str(r.pk)).exists()

    # Not visible to a student or a colleague yet.
    assert client_as(users["xuesheng"]).get(f"/resources/{r.pk}/").status_code == 404
    assert client_as(users["laoshi2"]).get(f"/resources/{r.pk}/").status_code == 404

    # The school admin finds it in the queue; sending it back needs a reason.
    admin = client_as(users["xiao_admin"])
    assert r.title in admin.get("/resources/review/").content.decode()
    resp = admin.post(f"/resources/{r.pk}/review/", {"decision": "changes_requested", "reason": ""}, follow=True)
    assert "请写明理由" in resp.content.decode()
    r.refresh_from_db()
    assert r.status == Status.PENDING_SCHOOL
    admin.post(f"/resources/{r.pk}/review/", {"decision": "changes_requested", "reason": "请补充板书设计。"})
    r.refresh_from_db()
    assert r.status == Status.CHANGES_REQUESTED

    # The contributor is told why, edits and resubmits.
    teacher = client_as(users["laoshi"])
    note = Notification.objects.get(user=users["laoshi"], url=f"/resources/{r.pk}/")
    assert "需要修改" in note.title and note.body == "请补充板书设计。" and note.kind == "review_changes_requested"
    # The resource centre's old "通知" address leads to the one inbox.
    resp = teacher.get("/resources/notifications/", follow=True)
    assert resp.redirect_chain == [("/inbox/", 302)]
    page = resp.content.decode()
    assert "需要修改" in page and "请补充板书设计。" in page
    assert "需修改" in teacher.get("/resources/mine/").content.decode()
    resp = teacher.post(f"/resources/{r.pk}/edit/", {"title": r.title, "description": "第一课时，含板书设计",
                                                      "sharing": "district", "licence": "CC-BY-NC-4.0",
                                                      "resubmit": "1"})
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.status == Status.PENDING_SCHOOL and "板书" in r.description

    # The CIO approves; now students see it and the contributor earned points.
    cio = client_as(users["xiao_cio"])
    cio.post(f"/resources/{r.pk}/review/", {"decision": "approved"})
    r.refresh_from_db()
    assert r.status == Status.APPROVED and r.published_at is not None
    assert Notification.objects.filter(user=users["laoshi"], url=f"/resources/{r.pk}/", kind="review_approved").exists()
    assert PointsLedger.objects.get(user=users["laoshi"], event="approved", resource=r).points == 10
    assert client_as(users["xuesheng"]).get(f"/resources/{r.pk}/").status_code == 200
    verbs = set(Statement.objects.filter(object_id__endswith=f"/resource/{r.pk}").values_list("verb", flat=True))
    assert any(v.endswith("/created") for v in verbs) and any(v.endswith("/approved") for v in verbs)
    assert any(v.endswith("/rejected") for v in verbs)


def test_reviewers_cannot_review_outside_their_queue(lib, client_as):
    users = lib.users
    own = lib.make(contributor="xiao_admin", status=Status.PENDING_SCHOOL, title="管理员自己的")
    district = lib.make(status=Status.PENDING_DISTRICT, level="district", title="区级待审")
    admin = client_as(users["xiao_admin"])
    resp = admin.post(f"/resources/{own.pk}/review/", {"decision": "approved"}, follow=True)
    assert "您不是此资源的审核人" in resp.content.decode()
    admin.post(f"/resources/{district.pk}/review/", {"decision": "approved"})
    own.refresh_from_db(), district.refresh_from_db()
    assert own.status == Status.PENDING_SCHOOL and district.status == Status.PENDING_DISTRICT
    # a teacher is no reviewer at all
    assert client_as(users["laoshi2"]).post(f"/resources/{own.pk}/review/", {"decision": "approved"}).status_code == 403
    # the district admin reviews district-level items
    client_as(users["qu_admin"]).post(f"/resources/{district.pk}/review/", {"decision": "rejected",
                                                                            "reason": "与章节不符"})
    district.refresh_from_db()
    assert district.status == Status.REJECTED


def test_district_level_upload_goes_to_the_district_queue(lib, client_as):
    r = _upload(client_as(lib.users["laoshi"]), lib, "区级：时、分、秒 单元教学分析", level="district")
    assert r.status == Status.PENDING_DISTRICT
    assert r.title not in client_as(lib.users["xiao_admin"]).get("/resources/review/").content.decode()
    assert r.title in client_as(lib.users["qu_admin"]).get("/resources/review/").content.decode()


def test_withdraw_and_resubmit(lib, client_as):
    teacher = client_as(lib.users["laoshi"])
    r = _upload(teacher, lib, "撤回测试")
    teacher.post(f"/resources/{r.pk}/withdraw/")
    r.refresh_from_db()
    assert r.status == Status.WITHDRAWN
    assert r.title not in client_as(lib.users["xiao_admin"]).get("/resources/review/").content.decode()
    teacher = client_as(lib.users["laoshi"])  # client_as shares one client: log back in
    teacher.post(f"/resources/{r.pk}/submit/")
    r.refresh_from_db()
    assert r.status == Status.PENDING_SCHOOL


def test_students_cannot_set_national_level(lib):
    import pytest

    from zhijiao.resources.actions import ResourceError, resource_create

    with pytest.raises(ResourceError, match="国家级"):
        resource_create(contributor=lib.users["laoshi"], type="link", title="x", level="national",
                        sharing="public", external_url="https://example.org/")
