from django.contrib import admin

from servicehall.org.admin import UnitScopedAdmin

from .models import Clause, Refinement


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    """The catalogue's text is verbatim from the source document: read-only here."""

    list_display = ["code", "kind", "text_zh"]
    list_filter = ["kind"]
    search_fields = ["code", "text_zh", "gloss_en"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Refinement)
class RefinementAdmin(UnitScopedAdmin):
    list_display = ["unit", "kind", "clause", "text", "active"]
    list_filter = ["kind", "unit", "active"]
    autocomplete_fields = ["clause"]
