from django.contrib import admin

from zhijiao.catalog.models import (
    Book,
    Chapter,
    ChapterLink,
    Edition,
    GradeEdition,
    KnowledgePoint,
    Section,
    Stage,
    Subject,
)
from zhijiao.catalog.selectors import catalog_changed


class CatalogAdmin(admin.ModelAdmin):
    """Edits here change what every browse page shows: the shared cached copy is recomputed."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        catalog_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        catalog_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        catalog_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        catalog_changed()


@admin.register(Section)
class SectionAdmin(CatalogAdmin):
    list_display = ("name", "code", "order", "is_active")
    list_editable = ("order", "is_active")


@admin.register(Stage)
class StageAdmin(CatalogAdmin):
    list_display = ("name", "code", "first_grade", "last_grade", "order")


@admin.register(Subject)
class SubjectAdmin(CatalogAdmin):
    list_display = ("name", "code", "order")
    filter_horizontal = ("stages",)


@admin.register(Edition)
class EditionAdmin(CatalogAdmin):
    list_display = ("name", "code", "publisher", "order")


@admin.register(Book)
class BookAdmin(CatalogAdmin):
    list_display = ("name", "code", "stage", "subject", "edition", "grade_level", "volume", "revision", "in_use_from")
    list_filter = ("stage", "subject", "edition", "revision")
    search_fields = ("name", "code")


@admin.register(Chapter)
class ChapterAdmin(CatalogAdmin):
    list_display = ("title_path", "kind", "key")
    list_filter = ("kind", "book__subject")
    search_fields = ("title", "key")
    raw_id_fields = ("book", "parent")
    readonly_fields = ("path", "depth", "key", "title_path")


@admin.register(KnowledgePoint)
class KnowledgePointAdmin(CatalogAdmin):
    list_display = ("name", "code", "stage", "subject")
    list_filter = ("stage", "subject")
    search_fields = ("name", "code")
    raw_id_fields = ("parent", "chapters")


@admin.register(ChapterLink)
class ChapterLinkAdmin(CatalogAdmin):
    """Same-lesson links between revisions (imports only add them: remove a wrong one here)."""

    list_display = ("old", "new")
    list_filter = ("new__book",)
    search_fields = ("old__title", "new__title", "old__key", "new__key")
    raw_id_fields = ("old", "new")


@admin.register(GradeEdition)
class GradeEditionAdmin(CatalogAdmin):
    """年级用书 rows (the page /catalog/editions/ is the everyday way to change them)."""

    list_display = ("node", "stage", "subject", "grade_level", "edition", "revision", "schools_may_choose")
    list_filter = ("stage", "subject", "edition")
    raw_id_fields = ("node",)
