"""Pages rendered once and shared between people (`web.shared_pages`): the browse listing and search results
are cached for everyone who sees the same rows, yet nobody is ever shown another person's page — another
school's items, another role's links, another person's name, unread count or CSRF token — and every edit
shows on the next visit."""

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

from zhijiao.accounts.models import Role, RoleKind
from zhijiao.catalog.selectors import catalog_changed
from zhijiao.core.actions import notify
from zhijiao.resources import actions
from zhijiao.resources.models import Level, Sharing


@pytest.fixture
def other_school(lib):
    """A teacher and a student of the demo's second school (laoshi and xuesheng are of the first)."""
    school = lib.demo.schools[1]
    teacher = Role.objects.filter(kind=RoleKind.TEACHER, node=school).exclude(
        user__roles__kind__in=[RoleKind.SCHOOL_ADMIN, RoleKind.CIO]).first().user
    student = Role.objects.filter(kind=RoleKind.STUDENT, node__path__startswith=school.path).first().user
    return {"teacher": teacher, "student": student}


def _own_client(user) -> Client:
    """A client of its own (its own cookies: session, CSRF) logged in as `user`."""
    client = Client()
    client.force_login(user, backend="zhijiao.accounts.backends.AccountOrPhoneBackend")
    return client


def _browse(client, lib) -> str:
    resp = client.get(f"/resources/?chapter={lib.chapter.key}")
    assert resp.status_code == 200
    return resp.content.decode()


def _tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def test_another_schools_page_is_never_served(lib, client_as, other_school):
    """A school-only item is listed for its own school's people only, whichever school opened the page first."""
    lib.make(title="全区共享 课件", level=Level.DISTRICT, sharing=Sharing.DISTRICT)
    lib.make(title="本校专用 课件", sharing=Sharing.SCHOOL)  # laoshi's school (the first)
    ours, theirs = lib.users["xuesheng"], other_school["student"]

    first = _browse(client_as(theirs), lib)  # the other school's student first: their page is cached
    assert "全区共享 课件" in first and "本校专用 课件" not in first
    page = _browse(client_as(ours), lib)
    assert "全区共享 课件" in page and "本校专用 课件" in page
    again = _browse(client_as(theirs), lib)  # and after: not the first school's page
    assert "本校专用 课件" not in again


def test_people_who_see_the_same_rows_get_their_own_personal_parts(lib, client_as, other_school):
    """Two students of different schools see the same listing, each with their own name, unread count and
    CSRF token; a teacher (who may upload) gets the teachers' links, a student after them does not."""
    lib.make(title="全区共享 课件", level=Level.DISTRICT, sharing=Sharing.DISTRICT)
    xuesheng, student, laoshi = lib.users["xuesheng"], other_school["student"], lib.users["laoshi"]
    notify(users=[student], kind="test", title="一条消息")

    client = _own_client(xuesheng)
    mine = _browse(client, lib)
    assert xuesheng.display_name in mine and 'data-testid="inbox-unread"' not in mine
    own_secret = client.cookies["csrftoken"].value
    assert {_unmask_cipher_token(t) for t in _tokens(mine)} == {own_secret}

    other = _own_client(student)
    assert other.get(f"/resources/?chapter={lib.chapter.key}").templates == []  # the same page, from the cache
    theirs = _browse(other, lib)
    assert "全区共享 课件" in theirs
    assert student.display_name in theirs and xuesheng.display_name not in theirs
    assert re.search(r'data-testid="inbox-unread">1<', theirs)
    assert {_unmask_cipher_token(t) for t in _tokens(theirs)} == {other.cookies["csrftoken"].value} != {own_secret}

    teacher_page = _browse(client_as(laoshi), lib)
    assert "上传到本章节" in teacher_page and "我的上传" in teacher_page
    assert "上传到本章节" not in _browse(client_as(xuesheng), lib)


def test_the_shared_page_works_like_the_page(lib, client_as):
    """The subscribe form of a cached page carries the viewer's own valid token: sending it works."""
    lib.make(title="全区共享 课件", level=Level.DISTRICT, sharing=Sharing.DISTRICT)
    _browse(client_as(lib.users["laoshi2"]), lib)  # cached by another person
    client = Client(enforce_csrf_checks=True)
    client.force_login(lib.users["xuesheng"], backend="zhijiao.accounts.backends.AccountOrPhoneBackend")
    page = _browse(client, lib)
    token = next(iter(_tokens(page)))
    resp = client.post("/resources/subscriptions/", {"csrfmiddlewaretoken": token, "kind": "chapter",
                                                     "chapter": lib.chapter.pk}, follow=True)
    assert resp.status_code == 200 and "订阅成功" in resp.content.decode()


def test_every_edit_shows_on_the_next_visit(lib, client_as):
    """Updated (back to draft: gone), approved again (back, with the new title), withdrawn (gone), a counted
    view, a catalog edit: each shows on the next visit of a page that was cached before it."""
    from django.db.models import F

    from zhijiao.resources.models import Resource

    laoshi, reviewer = lib.users["laoshi"], lib.users["xiao_admin"]
    viewer = client_as(lib.users["xuesheng"])
    r = lib.make(title="勾股定理 课件", sharing=Sharing.DISTRICT, file=("勾股定理.pdf", lib.samples.pdf()))
    lib.make(title="识字 微课", sharing=Sharing.DISTRICT)
    assert "勾股定理 课件" in _browse(viewer, lib)

    actions.resource_update(actor=laoshi, resource=r, title="勾股定理 课件（修订）", sharing=Sharing.DISTRICT)
    page = _browse(viewer, lib)
    assert "勾股定理 课件" not in page and "识字 微课" in page  # a changed item goes back through review
    actions.resource_submit(actor=laoshi, resource=r)
    actions.resource_review(reviewer=reviewer, resource=r, decision="approved")
    assert "勾股定理 课件（修订）" in _browse(viewer, lib)

    Resource.objects.filter(pk=r.pk).update(view_count=F("view_count") + 7)  # what the trail's drain does
    page = _browse(viewer, lib)
    card = page[page.index(f'data-resource="{r.pk}"'):]
    assert re.search(r'#i-eye"></use></svg> 7\b', card[:card.index("</article>")])

    actions.resource_withdraw(actor=laoshi, resource=r)
    assert "勾股定理 课件" not in _browse(viewer, lib)

    chapter = lib.chapter
    chapter.title = f"{chapter.title}（新版）"
    chapter.save()
    catalog_changed()  # what a catalog import or an edit in /ops/admin/ does
    assert "（新版）" in _browse(viewer, lib)


def test_a_counted_view_shows_in_the_list_without_rendering_it_again(lib, client_as, other_school):
    """The cards' counters are filled in per request: after a drain of the trail counts views, downloads,
    favourites and ratings, the next visit of a cached listing shows them, and the page (its template and
    its cards) is not rendered again."""
    from django.db.models import F

    from zhijiao.resources.models import Resource

    r = lib.make(title="勾股定理 课件", level=Level.DISTRICT, sharing=Sharing.DISTRICT)
    Resource.objects.filter(pk=r.pk).update(rating_count=1, rating_sum=4)  # (a first rating adds to the card)
    first = _own_client(lib.users["xuesheng"]).get(f"/resources/?chapter={lib.chapter.key}")
    assert "resources/browse.html" in [t.name for t in first.templates] and "4.0 分（1 人）" in first.content.decode()

    # what the trail's drain does (one UPDATE per resource for its counters)
    Resource.objects.filter(pk=r.pk).update(view_count=F("view_count") + 7, download_count=3, favourite_count=2,
                                            rating_count=2, rating_sum=9)
    other = _own_client(other_school["student"])
    resp = other.get(f"/resources/?chapter={lib.chapter.key}")
    assert resp.templates == []  # nothing rendered: the page, and its cards, from the cache
    page = resp.content.decode()
    card = page[page.index(f'data-resource="{r.pk}"'):]
    card = card[:card.index("</article>")]
    assert re.search(r'#i-eye"></use></svg> 7\b', card) and re.search(r'#i-download"></use></svg> 3\b', card)
    assert re.search(r'#i-star"></use></svg> 2\b', card) and "4.5 分（2 人）" in card
    assert "zjhole" not in page

    Resource.objects.filter(pk=r.pk).update(view_count=F("view_count") + 1)
    resp = other.get(f"/resources/?chapter={lib.chapter.key}")
    assert resp.templates == [] and re.search(r'#i-eye"></use></svg> 8\b', resp.content.decode())


def test_a_message_is_shown_once_and_not_cached(lib, client_as):
    lib.make(title="全区共享 课件", level=Level.DISTRICT, sharing=Sharing.DISTRICT)
    client = client_as(lib.users["xuesheng"])
    resp = client.post("/resources/subscriptions/", {"kind": "chapter", "chapter": lib.chapter.pk,
                                                     "next": f"/resources/?chapter={lib.chapter.key}"}, follow=True)
    assert "订阅成功" in resp.content.decode()
    assert "订阅成功" not in _browse(client, lib)
    assert "订阅成功" not in _browse(client_as(lib.users["laoshi2"]), lib)


def test_the_resource_page_is_shared_yet_personal(lib, client_as, other_school):
    """Two students of different schools share an item's page (the second from the cache), each with their
    own favourite; its counters are current although the page came from the cache; its contributor gets
    their own page (with their actions), never the shared one, and nobody gets the contributor's."""
    from django.db.models import F

    from zhijiao.resources.models import Resource

    r = lib.make(title="勾股定理 课件", level=Level.DISTRICT, sharing=Sharing.DISTRICT)
    url = f"/resources/{r.pk}/"
    first = _own_client(lib.users["xuesheng"]).get(url)
    assert "勾股定理 课件" in first.content.decode() and "resources/detail.html" in [t.name for t in first.templates]

    other = _own_client(other_school["student"])
    second = other.get(url)
    assert second.templates == []  # nothing rendered: the first student's page, from the cache
    page = second.content.decode()
    assert other_school["student"].display_name in page and lib.users["xuesheng"].display_name not in page
    assert "修改</a>" not in page and "撤回" not in page

    Resource.objects.filter(pk=r.pk).update(view_count=F("view_count") + 7)  # what the trail's drain does
    third = other.get(url)
    assert third.templates == [] and "浏览 7 ·" in third.content.decode()

    actions.favourite_add(user=other_school["student"], resource=r)
    assert "取消收藏" in other.get(url).content.decode()
    assert "取消收藏" not in _own_client(lib.users["xuesheng"]).get(url).content.decode()

    owner = _own_client(lib.users["laoshi"]).get(url).content.decode()
    assert "撤回" in owner
    assert "撤回" not in _own_client(lib.users["laoshi2"]).get(url).content.decode()
