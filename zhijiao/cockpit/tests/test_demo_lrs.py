from zhijiao.records.models import Statement, StatementTerm


def test_demo_activity_is_findable_through_the_lrs_filters(demo_full, client):
    """The demo's bulk-inserted activity gets the same filter index as statements written by record_event."""
    st = Statement.objects.filter(verb__endswith="logged-in", actor__isnull=False).order_by("timestamp").last()
    assert st is not None
    assert StatementTerm.objects.filter(statement_id=st.id).exists()
