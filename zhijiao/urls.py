from django.contrib import admin
from django.urls import include, path

from zhijiao.api import api
from zhijiao.core.views import healthz
from zhijiao.web import api_docs, pwa

urlpatterns = [
    # First: tools POST learning records here hundreds of times a second; each pattern before it is tried.
    path("xapi/", include("zhijiao.records.xapi.urls")),
    path("healthz", healthz, name="healthz"),
    # The installable app: at the root, so the service worker's scope is the whole site.
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("api/v1/docs/assets/<str:name>", api_docs.asset, name="api_docs_asset"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("ops/admin/", admin.site.urls),
    path("accounts/", include("zhijiao.accounts.urls")),
    path("catalog/", include("zhijiao.catalog.urls")),
    path("resources/", include("zhijiao.resources.urls")),
    path("search/", include("zhijiao.search.urls")),
    path("questions/", include("zhijiao.questions.urls")),
    path("homework/", include("zhijiao.homework.urls")),
    path("learning/", include("zhijiao.learning.urls")),
    path("records/", include("zhijiao.records.urls")),
    path("cockpit/", include("zhijiao.cockpit.urls")),
    path("oai", include("zhijiao.openplatform.urls")),
    path("", include("zhijiao.web.urls")),
]

handler400 = "zhijiao.core.views.bad_request"
