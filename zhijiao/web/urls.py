from django.urls import path

from zhijiao.web import pwa, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("offline/", pwa.offline, name="offline"),
]
