from django.urls import path

from zhijiao.homework import views

app_name = "homework"
urlpatterns = [
    path("", views.teacher_list, name="teacher"),
    path("assign/", views.assign, name="assign"),
    path("groups/", views.groups, name="groups"),
    path("a/<int:assignment_id>/", views.detail, name="detail"),
    path("a/<int:assignment_id>/q/<int:question_id>/", views.grade_question, name="grade_question"),
    path("grade/<int:submission_id>/", views.grade_submission, name="grade_submission"),
    path("my/", views.my, name="my"),
    path("children/", views.children, name="children"),
    path("s/<int:submission_id>/", views.do, name="do"),
    path("s/<int:submission_id>/autosave/", views.autosave, name="autosave"),
    path("s/<int:submission_id>/result/", views.result, name="result"),
]
