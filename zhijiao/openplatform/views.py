from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from zhijiao.openplatform.oai import handle


@csrf_exempt  # OAI-PMH harvesters POST form-encoded requests without a session or CSRF token
@require_http_methods(["GET", "POST"])
def oai(request):
    """The OAI-PMH 2.0 endpoint (/oai): public by design; only published national/district items appear."""
    args = request.POST if request.method == "POST" else request.GET
    base_url = request.build_absolute_uri(request.path)
    body = handle(args, base_url=base_url, site_url=request.build_absolute_uri("/"))
    return HttpResponse(body, content_type="text/xml; charset=utf-8")
