from django.urls import path

from zhijiao.records import views

app_name = "records"
urlpatterns = [
    path("clients/", views.clients, name="clients"),
    path("clients/<int:client_id>/revoke", views.client_revoke, name="client_revoke"),
]
