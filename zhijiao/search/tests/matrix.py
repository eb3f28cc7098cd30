"""Permission matrix of search: every signed-in user may search; what they find is scoped to them
(tested with real documents in test_search_scope.py). Anonymous visitors go to the login page / get 401."""

from tests.matrix import Case

CASES = [
    Case("search:results", lambda w: "/search/?q=勾股定理", allowed="xuesheng", denied=None,
         note="any signed-in user; results scoped to them; anonymous goes to login"),
    Case("search:results", lambda w: "/search/?q=微课&type=micro", allowed="jiazhang", denied=None,
         note="parents search too"),
    Case("GET /api/v1/search/resources", lambda w: "/api/v1/search/resources?q=勾股定理", allowed="laoshi",
         denied=None, api=True, note="any signed-in user; anonymous 401"),
]

EXEMPT: dict[str, str] = {}
