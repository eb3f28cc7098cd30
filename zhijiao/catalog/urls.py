from django.urls import path

from zhijiao.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("manage/", views.manage, name="manage"),
    path("manage/export", views.export, name="export"),
    path("manage/links/", views.links, name="links"),
    path("editions/", views.editions, name="editions"),
]
