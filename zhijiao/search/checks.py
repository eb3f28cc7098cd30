"""System checks: an operator upgrading is told when the search index must be rebuilt."""

from django.core.checks import Warning, register


@register("zhijiao")
def search_index_is_current(app_configs=None, **kwargs):
    from zhijiao.search.selectors import get_backend

    why = get_backend().needs_rebuild()
    if not why:
        return []
    return [Warning(f"{why}.", hint="Run `zhijiao reindex` (search keeps answering meanwhile).",
                    id="zhijiao.search.W001")]
