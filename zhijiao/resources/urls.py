from django.urls import path

from zhijiao.resources import views

app_name = "resources"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("upload/", views.upload, name="upload"),
    path("mine/", views.mine, name="mine"),
    path("favourites/", views.favourites, name="favourites"),
    path("review/", views.review_queue, name="review_queue"),
    path("points/", views.points, name="points"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/<int:sub_id>/delete/", views.subscription_delete, name="subscription_delete"),
    path("notifications/", views.notifications, name="notifications"),  # old address: redirects to web:inbox
    path("comments/<int:comment_id>/moderate/", views.comment_moderate, name="comment_moderate"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/files/<int:file_id>/", views.file, name="file"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/favourite/", views.favourite, name="favourite"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/comment/", views.comment, name="comment"),
]
