"""Who sees what (凡进必审): only approved items beyond their author and reviewers, within sharing scope."""

import pytest
from django.http import Http404

from zhijiao.resources.models import Level, Sharing, Status
from zhijiao.resources.selectors import access_resource, published_resources, visible_resources


@pytest.fixture
def items(lib):
    m = lib.make
    second_school = lib.demo.schools[1]
    # a teacher of the second school
    from zhijiao.accounts.models import Role, RoleKind

    other_teacher = Role.objects.filter(kind=RoleKind.TEACHER, node=second_school).exclude(
        user__roles__kind__in=[RoleKind.SCHOOL_ADMIN, RoleKind.CIO]).first().user.username
    return {
        "national": m(contributor=None, level=Level.NATIONAL, sharing=Sharing.PUBLIC, title="国家级"),
        "district": m(level=Level.DISTRICT, sharing=Sharing.DISTRICT, title="区级"),
        "own_school_only": m(sharing=Sharing.SCHOOL, title="本校专用"),
        "other_school_only": m(contributor=other_teacher, sharing=Sharing.SCHOOL, title="外校专用"),
        "other_school_shared": m(contributor=other_teacher, sharing=Sharing.DISTRICT, title="外校共享"),
        "pending": m(status=Status.PENDING_SCHOOL, title="待审"),
        "other_pending": m(contributor=other_teacher, status=Status.PENDING_SCHOOL, title="外校待审"),
        "pending_district": m(status=Status.PENDING_DISTRICT, level=Level.DISTRICT, title="待区审"),
        "draft": m(status=Status.DRAFT, title="草稿"),
        "rejected": m(status=Status.REJECTED, title="未通过"),
        "changes": m(status=Status.CHANGES_REQUESTED, title="需修改"),
    }


def titles(qs):
    return set(qs.values_list("title", flat=True))


def test_student_sees_only_approved_items_in_scope(lib, items):
    seen = titles(visible_resources(lib.users["xuesheng"]))
    assert seen == {"国家级", "区级", "本校专用", "外校共享"}
    for key in ("pending", "pending_district", "draft", "rejected", "changes", "other_school_only", "other_pending"):
        with pytest.raises(Http404):
            access_resource(lib.users["xuesheng"], items[key].pk)


def test_student_gets_404_pages_and_files_for_unapproved_items(lib, items, client_as):
    client = client_as(lib.users["xuesheng"])
    for key in ("pending", "draft", "other_school_only"):
        assert client.get(f"/resources/{items[key].pk}/").status_code == 404
    assert client.get(f"/resources/{items['district'].pk}/").status_code == 200
    listing = client.get("/resources/").content.decode()
    assert "区级" in listing and "待审" not in listing and "草稿" not in listing and "外校专用" not in listing


def test_contributor_sees_own_items_in_every_state(lib, items):
    seen = titles(visible_resources(lib.users["laoshi"]))
    assert {"待审", "待区审", "草稿", "未通过", "需修改", "本校专用"} <= seen
    assert "外校专用" not in seen and "外校待审" not in seen
    # but browsing shows only what is published
    assert "草稿" not in titles(published_resources(lib.users["laoshi"]))


def test_colleague_does_not_see_unapproved_items(lib, items):
    seen = titles(visible_resources(lib.users["laoshi2"]))
    assert "待审" not in seen and "草稿" not in seen and "本校专用" in seen


def test_school_reviewer_sees_own_school_queue_only(lib, items):
    seen = titles(visible_resources(lib.users["xiao_admin"]))
    assert {"待审", "待区审", "需修改"} <= seen
    assert "草稿" not in seen and "外校待审" not in seen and "外校专用" not in seen


def test_district_reviewer_sees_all_submitted_items(lib, items):
    seen = titles(visible_resources(lib.users["qu_admin"]))
    assert {"待审", "外校待审", "待区审", "外校专用"} <= seen
    assert "草稿" not in seen


def test_parent_sees_school_only_items_of_each_childs_school(lib, items):
    seen = titles(visible_resources(lib.users["jiazhang"]))
    assert {"本校专用", "外校专用"} <= seen  # jiazhang has a child in each of the two schools
    assert "待审" not in seen


def test_opening_one_item_follows_the_same_rules_as_every_list(lib, items):
    """access_resource decides row by row in Python; it must agree with visible_resources for everyone."""
    from django.contrib.auth.models import AnonymousUser

    from zhijiao.accounts.models import User

    named = [lib.users[n] for n in ("qu_admin", "duxue", "xiao_admin", "xiao_cio", "laoshi", "laoshi2", "xuesheng",
                                    "jiazhang")]
    people = named + list(User.objects.filter(roles__isnull=False).distinct()[:40]) + [AnonymousUser()]
    for user in people:
        listed = set(visible_resources(user).filter(pk__in=[r.pk for r in items.values()]).values_list("pk", flat=True))
        for r in items.values():
            try:
                access_resource(user, r.pk)
                opened = True
            except Http404:
                opened = False
            assert opened == (r.pk in listed), (getattr(user, "username", "anonymous"), r.title)
