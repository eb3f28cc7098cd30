from django.urls import path

from zhijiao.questions import views

app_name = "questions"
urlpatterns = [
    path("", views.bank, name="bank"),
    path("new/", views.create, name="create"),
    path("import/", views.import_view, name="import"),
    path("export/", views.export, name="export"),
    path("<int:question_id>/", views.detail, name="detail"),
    path("<int:question_id>/edit/", views.edit, name="edit"),
    path("<int:question_id>/image/<str:which>/", views.image, name="image"),
    path("figure/<int:image_id>/", views.figure, name="figure"),
    path("papers/", views.papers, name="papers"),
    path("papers/new/", views.paper_new, name="paper_new"),
    path("basket/", views.basket, name="basket"),
    path("papers/rules/", views.paper_rules, name="paper_rules"),
    path("papers/<int:paper_id>/", views.paper_detail, name="paper_detail"),
]
