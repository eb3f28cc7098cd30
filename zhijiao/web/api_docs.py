"""/api/v1/docs: Ninja's Swagger UI served from the files Ninja ships, not from a CDN (a bureau's intranet
may have no way out) and without an inline script (the site's Content-Security-Policy allows none).

The three files are read from the installed ninja package on request, not collected: collectstatic would
brotli-compress the 1.5 MB bundle again at every service start (about 4 s) for a page few people open.
Responses are gzip-compressed by the middleware and cached by the browser for a day."""

import json
from pathlib import Path

import ninja
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import Swagger, _csrf_needed

ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui-init.js": "text/javascript",
          "swagger-ui.css": "text/css", "favicon.svg": "image/svg+xml"}
ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"


class LocalSwagger(Swagger):
    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        return render(request, "web/api_docs.html", {
            "swagger_settings": json.dumps(self.settings), "api": api, "add_csrf": _csrf_needed(api),
            "asset": {name.split(".")[0].replace("-", "_"): reverse("api_docs_asset", args=[name]) for name in ASSETS},
        })


def asset(request, name: str):
    if name not in ASSETS:
        raise Http404
    resp = FileResponse(open(ASSET_DIR / name, "rb"), content_type=ASSETS[name])
    resp["Cache-Control"] = "public, max-age=86400"
    return resp
