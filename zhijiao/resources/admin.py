"""Operator views (/ops/admin/): the points rules are configured here; the ledger is read-only."""

from django.contrib import admin

from zhijiao.resources.models import PointsLedger, PointsRule, Resource, ResourceFile


@admin.register(PointsRule)
class PointsRuleAdmin(admin.ModelAdmin):
    list_display = ("event", "points", "daily_cap", "is_active")
    list_editable = ("points", "daily_cap", "is_active")


@admin.register(PointsLedger)
class PointsLedgerAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "event", "points", "balance_after", "resource")
    list_filter = ("event",)
    raw_id_fields = ("user", "resource")

    def has_change_permission(self, request, obj=None):
        return False  # append-only

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class ResourceFileInline(admin.TabularInline):
    model = ResourceFile
    extra = 0
    readonly_fields = ("original_name", "mime_type", "size", "sha256", "file")


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ("title", "type", "level", "status", "school", "published_at", "view_count")
    list_filter = ("status", "level", "type")
    search_fields = ("title",)
    raw_id_fields = ("contributor", "school", "section", "stage", "subject", "edition")
    filter_horizontal = ()
    readonly_fields = ("view_count", "download_count", "favourite_count", "rating_sum", "rating_count",
                       "comment_count")
    autocomplete_fields = ()
    exclude = ("chapters", "knowledge_points")
    inlines = [ResourceFileInline]
