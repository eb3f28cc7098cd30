from django.contrib import admin

from zhijiao.core.models import OrgNode


@admin.register(OrgNode)
class OrgNodeAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "code", "path", "school_type", "ownership")
    list_filter = ("kind", "school_type", "ownership")
    search_fields = ("name", "code", "path")
    readonly_fields = ("path", "depth")
    raw_id_fields = ("parent", "campus")
