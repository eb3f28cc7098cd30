"""Resource cards come from the cache, yet a card always shows the item as it is now: after an edit, a
counted view, a renamed subject or a renamed school."""

import re

from django.db.models import F

from zhijiao.catalog.selectors import catalog_changed
from zhijiao.core.actions import node_update
from zhijiao.resources.models import Resource


def _views(card: str) -> str:
    """The view count a card shows (the number after the eye icon)."""
    return re.search(r'#i-eye"></use></svg> (\d+)', card).group(1)


def _card_of(client, lib, r) -> str:
    html = client.get(f"/resources/?chapter={lib.chapter.key}").content.decode()
    start = html.index(f'data-resource="{r.pk}"')
    return html[start:html.index("</article>", start)]


def test_a_cached_card_follows_every_change_it_shows(lib, client_as):
    r = lib.make(title="勾股定理 课件", contributor="laoshi")
    client = client_as(lib.users["laoshi2"])
    first = _card_of(client, lib, r)
    assert "勾股定理 课件" in first and _views(first) == "0"
    assert _card_of(client, lib, r) == first  # the second visit: the same card, from the cache

    r.title = "勾股定理 课件（修订版）"
    r.save()
    assert "（修订版）" in _card_of(client, lib, r)

    Resource.objects.filter(pk=r.pk).update(view_count=F("view_count") + 7)  # what the trail's drain does
    assert _views(_card_of(client, lib, r)) == "7"

    subject = r.subject
    subject.name = f"{subject.name}（新）"
    subject.save()
    catalog_changed()
    assert f"{subject.name}" in _card_of(client, lib, r)

    node_update(node=r.school, name="成华区第一实验小学（更名）")
    assert "成华区第一实验小学（更名）" in _card_of(client, lib, r)


def test_cards_follow_the_language(lib, client_as):
    r = lib.make(title="识字 课件", contributor="laoshi", level="national")
    client = client_as(lib.users["laoshi2"])
    assert "国家级" in _card_of(client, lib, r)
    client.cookies["django_language"] = "en"  # the top bar's language switch
    english = _card_of(client, lib, r)
    assert "National level" in english and "国家级" not in english
    client.cookies["django_language"] = "zh-hans"
    assert "国家级" in _card_of(client, lib, r)


def test_the_resource_page_follows_its_files_chapters_and_comments(lib, client_as):
    """Its files, chapters and knowledge points come from the cache per version of the item, and its comments
    are only read when there is one the viewer may see: neither hides a change."""
    from zhijiao.resources import actions
    from zhijiao.resources.models import Comment

    laoshi, laoshi2 = lib.users["laoshi"], lib.users["laoshi2"]
    r = lib.make(title="勾股定理 课件", contributor="laoshi", status="draft")
    owner = client_as(laoshi)
    url = f"/resources/{r.pk}/"
    first, second = lib.leaves[0], lib.leaves[-1]
    assert f"?chapter={first.key}" in owner.get(url).content.decode()

    actions.resource_update(actor=laoshi, resource=r, title="勾股定理 课件", chapters=[second],
                            upload=lib.upload("勾股定理.pdf", lib.samples.pdf()), upload_name="勾股定理.pdf")
    page = owner.get(url).content.decode()
    assert f"?chapter={second.key}" in page and f"?chapter={first.key}" not in page
    assert "勾股定理.pdf" in page

    actions.resource_submit(actor=laoshi, resource=r)
    reviewer = lib.users["xiao_admin"]
    r = actions.resource_review(reviewer=reviewer, resource=r, decision="approved")
    reader = client_as(laoshi2)
    assert "还没有评论" in reader.get(url).content.decode()
    actions.comment_add(user=laoshi2, resource=r, body="讲得很清楚")  # waits for moderation
    assert "讲得很清楚" in reader.get(url).content.decode()  # its author sees it, marked as waiting
    assert "讲得很清楚" not in client_as(lib.users["xuesheng"]).get(url).content.decode()
    actions.comment_moderate(moderator=reviewer, comment=Comment.objects.get(body="讲得很清楚"), status="visible")
    assert "讲得很清楚" in client_as(lib.users["xuesheng"]).get(url).content.decode()
