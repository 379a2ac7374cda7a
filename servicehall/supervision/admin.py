from django.contrib import admin

from servicehall.org.choices import Role

from .models import Accountability, Detection, Violation


@admin.register(Detection)
class DetectionAdmin(admin.ModelAdmin):
    list_display = ["at", "unit", "clause", "staff", "subject_type", "subject_id", "status"]
    list_filter = ["clause", "status", "unit"]
    readonly_fields = [
        "unit",
        "clause",
        "at",
        "staff",
        "subject_type",
        "subject_id",
        "detail",
        "key",
    ]


# --- violations and accountability (N-5.6e): read only, recorded through supervision.actions


def _administrator(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.role in (Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)


class _Record(admin.ModelAdmin):
    """A record of the ledger's actions: administrators read it (a unit administrator
    their own unit's rows); nobody adds, changes or deletes it here."""

    def has_module_permission(self, request):
        return _administrator(request)

    def has_view_permission(self, request, obj=None):
        return _administrator(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.role == Role.UNIT_ADMIN:
            return rows.filter(unit_id=request.user.unit_id)
        return rows


@admin.register(Violation)
class ViolationAdmin(_Record):
    list_display = ["recorded_at", "unit", "clause", "staff", "source_ref", "recorded_by"]
    list_filter = [
        ("unit", admin.RelatedOnlyFieldListFilter),
        ("clause", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["unit", "clause", "staff", "recorded_by"]
    search_fields = ["source_ref", "clause__code"]
    fields = readonly_fields = [
        "unit", "clause", "staff", "description", "source_type", "source_ref",
        "recorded_at", "recorded_by",
    ]  # fmt: skip


@admin.register(Accountability)
class AccountabilityAdmin(_Record):
    list_display = ["decided_at", "unit", "violation", "staff", "measure", "decided_by"]
    list_filter = [("unit", admin.RelatedOnlyFieldListFilter), "measure"]
    list_select_related = ["unit", "violation", "staff", "decided_by"]
    fields = readonly_fields = [
        "unit", "violation", "staff", "measure", "reason", "decided_by", "decision_body",
        "decided_at",
    ]  # fmt: skip
