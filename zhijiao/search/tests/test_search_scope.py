"""Through the project search function with real resources: nobody finds what they may not see."""

from django.db import transaction

from zhijiao.search.base import SearchQuery
from zhijiao.search.selectors import search_resources
from zhijiao.search.tests.conftest import other_school_teacher


def found(user, text, **kw):
    return [h.id for h in search_resources(user, SearchQuery(text=text, page_size=50, **kw)).hits]


def test_review_flow_through_the_library_actions(demo, users, django_capture_on_commit_callbacks):
    """A teacher uploads (pending): only they find it; once the school approves, classmates find it;
    shared with the school only, another school's teacher never does."""
    from zhijiao.resources.actions import resource_create, resource_review

    laoshi, student, admin = users["laoshi"], users["xuesheng"], users["xiao_admin"]
    other_teacher, _school = other_school_teacher()
    with django_capture_on_commit_callbacks(execute=True):
        r = resource_create(contributor=laoshi, type="link", title="勾股定理的证明 校本课件",
                            description="用拼图证明勾股定理", authors="张伟", level="school", sharing="school",
                            external_url="https://example.org/x")
    assert r.status.startswith("pending")
    assert found(laoshi, "勾股定理") == [r.pk]  # their own item, any state
    assert found(student, "勾股定理") == []  # unapproved: nobody else
    assert found(admin, "勾股定理") == []  # reviewers review from the queue, not from search
    with django_capture_on_commit_callbacks(execute=True):
        resource_review(reviewer=admin, resource=r, decision="approved")
    assert found(student, "勾股定理") == [r.pk]
    assert found(student, "勾股") == [r.pk]  # partial word
    assert found(student, "张伟") == [r.pk]  # author
    assert found(other_teacher, "勾股定理") == []  # school-only sharing, another school
    assert found(users["jiazhang"], "勾股定理") == [r.pk]  # parent of a child in that school


def test_levels_sharing_and_other_schools(make_resource, users, django_capture_on_commit_callbacks):
    other_teacher, other_school = other_school_teacher()
    student = users["xuesheng"]
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            national = make_resource(title="一元二次方程 国家级", level="national", sharing="public")
            district = make_resource(title="一元二次方程 区级", level="district")
            shared = make_resource(title="一元二次方程 他校共享", contributor=None, school=other_school,
                                   sharing="district")
            own_only = make_resource(title="一元二次方程 他校自用", contributor=None, school=other_school,
                                     sharing="school")
            mine = make_resource(title="一元二次方程 本校自用", sharing="school")
            rejected = make_resource(title="一元二次方程 未通过", status="rejected", level="district")
            draft = make_resource(title="一元二次方程 草稿", contributor=other_teacher.username, status="draft",
                                  school=other_school)
    assert sorted(found(student, "一元二次方程")) == sorted([national.pk, district.pk, shared.pk, mine.pk])
    assert sorted(found(other_teacher, "一元二次方程")) == sorted(
        [national.pk, district.pk, shared.pk, own_only.pk, draft.pk])
    assert rejected.pk not in found(student, "未通过")
    assert rejected.pk in found(users["laoshi"], "未通过")  # laoshi contributed it: own items in any state
    # totals and facet counts obey the scope too
    result = search_resources(student, SearchQuery(text="一元二次方程", facets=("level",)))
    assert result.total == 4
    assert dict(result.facets["level"]) == {"national": 1, "district": 1, "school": 2}


def test_anonymous_sees_only_public_items(make_resource, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import AnonymousUser

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            public = make_resource(title="分数的初步认识 公开课", level="national", sharing="public")
            make_resource(title="分数的初步认识 区内", level="district", sharing="district")
    assert found(AnonymousUser(), "分数的初步认识") == [public.pk]


def test_stale_index_never_shows_an_item_just_withdrawn(make_resource, users, django_capture_on_commit_callbacks):
    from zhijiao.resources.models import Resource

    with django_capture_on_commit_callbacks(execute=True):
        r = make_resource(title="勾股定理 即将撤回", level="district")
    assert found(users["xuesheng"], "勾股定理") == [r.pk]
    Resource.objects.filter(pk=r.pk).update(status="withdrawn")  # the outbox row has not been drained yet
    result = search_resources(users["xuesheng"], SearchQuery(text="勾股定理"))
    assert result.hits == () and result.total == 0


def test_facet_labels_and_keywords_from_catalog(make_resource, users, django_capture_on_commit_callbacks):
    from zhijiao.catalog.models import Subject

    math = Subject.objects.filter(name="数学").first()
    if math is None:  # the catalog demo did not run: make one
        math = Subject.objects.create(code="sx-test", name="数学")
    with django_capture_on_commit_callbacks(execute=True):
        r = make_resource(title="认识钟表 微课", type="micro", level="district", subject=math, grade=1)
    result = search_resources(users["xuesheng"], SearchQuery(text="一年级 数学 微课", facets=("subject", "grade")))
    assert [h.id for h in result.hits] == [r.pk]
    assert dict(result.facets["subject"]) == {math.code: 1}
    assert dict(result.facets["grade"]) == {"1": 1}
