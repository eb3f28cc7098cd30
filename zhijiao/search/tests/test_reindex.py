"""Rebuilding the index from the database: a fresh directory swapped in, nothing lost meanwhile."""

from django.core.management import call_command

from zhijiao.search.base import ScopeFilter, SearchQuery
from zhijiao.search.models import IndexOutbox
from zhijiao.search.selectors import get_backend


def test_demo_is_indexed_and_bulk_documents_match_the_library(demo_full):
    """The demo extension indexed every resource; the bulk reader builds exactly the documents
    `resource_search_document` describes."""
    from zhijiao.resources.models import Resource
    from zhijiao.search.documents import all_resource_documents, resource_documents

    backend = get_backend()
    assert backend.count() == Resource.objects.count() > 100
    bulk = {d.id: d for d in all_resource_documents(batch=50)}
    one_by_one = resource_documents(list(bulk)[:80])
    assert one_by_one and all(bulk[pk] == doc for pk, doc in one_by_one.items())
    assert any(d.chapters for d in bulk.values()) and any(d.keywords for d in bulk.values())
    # a real lesson title of the demo library is found
    title = Resource.objects.filter(status="approved", level="district").values_list("title", flat=True).first()
    hits = backend.search(SearchQuery(text=title, scope=ScopeFilter(everything=True)))
    assert hits.total >= 1


def test_reindex_swaps_in_a_fresh_index(make_resource, capsys):
    a = make_resource(title="勾股定理 甲", level="district")
    make_resource(title="勾股定理 乙", level="district")
    backend = get_backend()
    backend.index([])  # an index exists, holding nothing yet (the outbox was not drained)
    old = backend.current_link.resolve()
    backend.write([], delete_ids=[])
    call_command("reindex", "--no-progress")
    assert "indexed 2 resources" in capsys.readouterr().out
    new = backend.current_link.resolve()
    assert new != old and not old.exists()  # built beside, swapped in, old one removed
    assert backend.count() == 2
    assert IndexOutbox.objects.count() == 0  # rows written meanwhile were drained into the new index
    a.delete()
    call_command("reindex", "--no-progress")
    assert backend.count() == 1
    r = backend.search(SearchQuery(text="勾股定理", scope=ScopeFilter(everything=True)))
    assert [h.id for h in r.hits] != [a.pk] and r.total == 1


def test_search_drain_command(make_resource, capsys):
    make_resource(title="静夜思", level="district")
    call_command("search-drain")
    assert "applied 1 outbox rows; 0 pending" in capsys.readouterr().out
    assert get_backend().count() == 1


def test_celery_task_drains(make_resource):
    from zhijiao.search.tasks import drain_outbox

    make_resource(title="春晓", level="district")
    assert drain_outbox.apply().get() == 1
    assert IndexOutbox.objects.count() == 0


def test_an_index_built_by_an_older_version_is_reported_until_rebuilt(make_resource):
    """An operator upgrading is told (system check) that the index needs `zhijiao reindex`; search keeps
    answering from the old index meanwhile, and the warning goes once the rebuild is done."""
    from zhijiao.search.checks import search_index_is_current
    from zhijiao.search.tantivy_backend import FORMAT_FILE

    make_resource(title="静夜思", level="district")
    call_command("search-drain")
    backend = get_backend()
    assert search_index_is_current() == []
    (backend.current_link / FORMAT_FILE).unlink()  # as an index written before formats were recorded
    warnings = search_index_is_current()
    assert [w.id for w in warnings] == ["zhijiao.search.W001"] and "zhijiao reindex" in warnings[0].hint
    assert backend.search(SearchQuery(text="静夜思", scope=ScopeFilter(everything=True))).total == 1
    call_command("reindex", "--no-progress")
    assert search_index_is_current() == []
