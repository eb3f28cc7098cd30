from django.urls import path

from zhijiao.openplatform import views

app_name = "openplatform"
urlpatterns = [
    path("", views.oai, name="oai"),
]
