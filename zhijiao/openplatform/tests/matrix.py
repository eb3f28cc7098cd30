from tests.matrix import Case  # noqa: F401  (no per-role endpoints here)

CASES: list = []

EXEMPT = {
    "openplatform:oai": "OAI-PMH is public by design: it shows only published national/district items",
}
