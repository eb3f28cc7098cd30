from django.urls import path

from zhijiao.cockpit import views

app_name = "cockpit"
urlpatterns = [
    path("", views.district, name="district"),
    path("school/<int:school_id>/", views.school, name="school"),
    path("teacher/<int:teacher_id>/", views.teacher, name="teacher"),
    path("my-school/", views.my_school, name="my_school"),
    path("config/", views.config, name="config"),
]
