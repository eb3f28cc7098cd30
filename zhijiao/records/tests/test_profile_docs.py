"""The documented xAPI profile stays in step with the vocabulary the code uses."""

import json
from pathlib import Path

from zhijiao.records.profile import VERB_LABELS, render
from zhijiao.records.vocabulary import ACTIVITY_TYPES, VERBS

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_jsonld_matches_vocabulary():
    assert (DOCS / "xapi-profile.jsonld").read_text() == render(), \
        "regenerate: uv run python -m zhijiao.records.profile > docs/xapi-profile.jsonld"
    data = json.loads(render())
    assert data["type"] == "Profile"
    assert all(c["id"].startswith("https://zhijiao.example.org/xapi/") for c in data["concepts"])


def test_markdown_lists_every_verb_and_type():
    md = (DOCS / "xapi-profile.md").read_text()
    assert set(VERB_LABELS) == set(VERBS)
    for iri in list(VERBS.values()) + list(ACTIVITY_TYPES.values()):
        assert f"`{iri}`" in md, iri
