from django.urls import path

from zhijiao.learning import views

app_name = "learning"
urlpatterns = [
    path("", views.index, name="index"),
    path("class/<int:class_id>/", views.class_map, name="class_map"),
    path("class/<int:class_id>/push/", views.push, name="push"),
    path("student/<int:student_id>/", views.student, name="student"),
    path("me/", views.my, name="my"),
    path("notebook/", views.notebook, name="notebook"),
    path("notebook/<int:item_id>/", views.practise, name="practise"),
    path("qa/", views.qa_list, name="qa_list"),
    path("qa/ask/", views.qa_ask, name="qa_ask"),
    path("qa/<int:thread_id>/", views.qa_detail, name="qa_detail"),
    path("qa/<int:thread_id>/reply/", views.qa_reply, name="qa_reply"),
    path("qa/<int:thread_id>/resolve/", views.qa_resolve, name="qa_resolve"),
    path("qa/reply/<int:reply_id>/publish/", views.qa_publish, name="qa_publish"),
    path("qa/image/<str:kind>/<int:pk>/", views.qa_image, name="qa_image"),
    path("notifications/", views.notifications, name="notifications"),  # old address: redirects to web:inbox
]
