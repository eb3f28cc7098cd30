from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from zhijiao.accounts.models import ApiToken, AuditLog, Role, User


class RoleInline(admin.TabularInline):
    model = Role
    fk_name = "user"
    extra = 0
    raw_id_fields = ("node", "child")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "name", "is_active", "must_change_password", "last_login")
    search_fields = ("username", "name", "student_number")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("zhijiao", {"fields": ("name", "phone", "gender", "student_number", "staff_number", "must_change_password")}),
    )
    inlines = [RoleInline]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "actor", "target_type", "target_id", "ip")
    list_filter = ("action",)
    raw_id_fields = ("actor", "school")


admin.site.register(ApiToken)
