"""Request guards that run before any view."""

from django.core.exceptions import SuspiciousOperation


class RejectNulBytes:
    """A NUL character in the path, the query or a form field is never real input, and PostgreSQL refuses it
    in any text column (a 500 where it reached a query): refuse the request as bad input (400; JSON on the
    APIs, through `core.views.bad_request`). Found by schemathesis on PostgreSQL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET) or (
                request.method == "POST" and request.content_type == "application/x-www-form-urlencoded"
                and _has_nul(request.POST)):
            raise SuspiciousOperation("NUL character in the request")
        return self.get_response(request)


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())
