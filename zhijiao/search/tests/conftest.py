import pytest


@pytest.fixture(autouse=True)
def search_index_dir(settings, tmp_path):
    """Each test gets its own empty search index (the database is rolled back; the index must be too)."""
    settings.ZHIJIAO_SEARCH_INDEX_DIR = tmp_path / "search-index"
    settings.ZHIJIAO_SEARCH_BACKEND = "zhijiao.search.tantivy_backend.TantivyBackend"
    return settings.ZHIJIAO_SEARCH_INDEX_DIR


@pytest.fixture
def make_resource(demo, users):
    """make_resource(title=..., contributor='laoshi', status='approved', level='school', sharing='district', ...)
    creates a Resource row directly (not through the library's actions) and enqueues it for indexing."""
    from django.utils import timezone

    from zhijiao.resources.models import Resource
    from zhijiao.resources.selectors import contributor_school
    from zhijiao.search.actions import index_enqueue

    def make(*, title, contributor="laoshi", status="approved", level="school", sharing="district", school=None,
             type="courseware", authors="", description="", view_count=0, tags=(), subject=None, grade=None):
        user = users[contributor] if contributor else None
        if school is None and user is not None:
            school = contributor_school(user)
        r = Resource.objects.create(
            title=title, contributor=user, school=school, status=status, level=level, sharing=sharing, type=type,
            authors=authors, description=description, view_count=view_count, tags=list(tags), subject=subject,
            grade_level=grade, published_at=timezone.now() if status == "approved" else None)
        index_enqueue(kind="resource", pk=r.pk)
        return r

    return make


def other_school_teacher():
    """A teacher of the second demo school (who shares no school with xuesheng)."""
    from zhijiao.accounts.models import Role, RoleKind
    from zhijiao.core.models import NodeKind, OrgNode

    schools = list(OrgNode.objects.filter(kind=NodeKind.SCHOOL).order_by("path")[:2])
    role = (Role.objects.filter(kind__in=[RoleKind.TEACHER, RoleKind.SUBJECT_TEACHER, RoleKind.HEAD_TEACHER],
                                node__path__startswith=schools[1].path).select_related("user").order_by("pk").first())
    return role.user, schools[1]
