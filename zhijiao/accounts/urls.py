from django.urls import path

from zhijiao.accounts import manage_views, roster_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change_view, name="password_change"),
    # management pages (manage_views.py)
    path("manage/org/", manage_views.manage_org, name="manage_org"),
    path("manage/org/<int:node_id>/", manage_views.manage_node, name="manage_node"),
    path("manage/org/<int:node_id>/add/", manage_views.manage_node_add, name="manage_node_add"),
    path("manage/org/<int:node_id>/edit/", manage_views.manage_node_edit, name="manage_node_edit"),
    path("manage/org/<int:node_id>/active/", manage_views.manage_node_active, name="manage_node_active"),
    path("manage/people/", manage_views.manage_people, name="manage_people"),
    path("manage/people/<int:person_id>/", manage_views.manage_person, name="manage_person"),
    path("manage/people/<int:person_id>/reveal/", manage_views.manage_person_reveal, name="manage_person_reveal"),
    path("manage/people/<int:person_id>/roles/", manage_views.manage_role_grant, name="manage_role_grant"),
    path("manage/people/<int:person_id>/roles/<int:role_id>/revoke/", manage_views.manage_role_revoke,
         name="manage_role_revoke"),
    path("manage/people/<int:person_id>/active/", manage_views.manage_person_active, name="manage_person_active"),
    path("manage/people/<int:person_id>/password/", manage_views.manage_password_reset,
         name="manage_password_reset"),
    path("audit/", manage_views.audit_log, name="audit_log"),
    path("audit/export.xlsx", manage_views.audit_export, name="audit_export"),
    # roster import (roster_views.py)
    path("roster/", roster_views.roster_import_view, name="roster_import"),
    path("roster/template.xlsx", roster_views.roster_template_view, name="roster_template"),
    path("roster/<str:token>/", roster_views.roster_preview_view, name="roster_preview"),
    path("roster/<str:token>/result/", roster_views.roster_result_view, name="roster_result"),
    path("roster/<str:token>/accounts.xlsx", roster_views.roster_passwords_view, name="roster_passwords"),
]
