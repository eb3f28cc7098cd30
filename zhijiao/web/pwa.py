"""zhijiao as an app on the phone's home screen: the web app manifest, the service worker and the page it
shows when the network is gone.

The service worker keeps the shell — the stylesheet, scripts and icons, all under content-hashed names —
and the offline page. Pages themselves always come from the network (never from its cache), so nobody sees
stale figures after a deploy; when the network fails a page opens the offline page instead of the
browser's error. A deploy that changes a shell file changes the cache's name, and the old cache is
deleted when the new worker starts.
"""

import hashlib
import json

from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from zhijiao import __version__

THEME = "#1f6feb"  # the app icon's blue (web/app-icon.svg)
SHELL_FILES = ["web/zhijiao.css", "web/vendor/htmx-2.0.11.min.js", "web/icons.svg", "web/pwa.js",
               "web/app-icon.svg"]


def _shell_urls() -> list[str]:
    return [static(name) for name in SHELL_FILES] + [reverse("web:offline")]


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request):
    body = {
        "name": _("智教 · 区域智慧教育云平台"), "short_name": _("智教"), "lang": "zh-CN", "dir": "ltr",
        "description": _("全区学校、教师、学生和家长的一个账号、一个应用"),
        "start_url": reverse("web:home"), "scope": "/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": THEME,
        "icons": [
            {"src": static("web/app-icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("web/app-icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("web/app-icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
            {"src": static("web/app-icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    shell = _shell_urls()
    version = hashlib.sha1("\n".join([__version__, *shell]).encode()).hexdigest()[:12]
    return render(request, "web/sw.js", {"cache_name": f"zhijiao-{version}", "shell": json.dumps(shell),
                                         "offline": json.dumps(reverse("web:offline")),
                                         "static_prefix": json.dumps(static(""))},
                  content_type="application/javascript")


@require_GET
def offline(request):
    """Shown by the service worker when a page cannot be loaded; nothing personal (it is cached)."""
    return render(request, "web/offline.html")
