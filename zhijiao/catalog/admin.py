from django.contrib import admin

from zhijiao.catalog.models import Book, Chapter, Edition, KnowledgePoint, Section, Stage, Subject


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "order", "is_active")
    list_editable = ("order", "is_active")


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "first_grade", "last_grade", "order")


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "order")
    filter_horizontal = ("stages",)


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "publisher", "order")


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "stage", "subject", "edition", "grade_level", "volume")
    list_filter = ("stage", "subject", "edition")
    search_fields = ("name", "code")


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    list_display = ("title_path", "kind", "key")
    list_filter = ("kind", "book__subject")
    search_fields = ("title", "key")
    raw_id_fields = ("book", "parent")
    readonly_fields = ("path", "depth", "key", "title_path")


@admin.register(KnowledgePoint)
class KnowledgePointAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "stage", "subject")
    list_filter = ("stage", "subject")
    search_fields = ("name", "code")
    raw_id_fields = ("parent", "chapters")
