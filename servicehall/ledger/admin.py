from django.contrib import admin

from .models import Checkpoint, ExportRequest, LedgerEntry, PersonalDataAccess


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger rows are evidence: the admin shows them and never edits them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "unit",
        "seq",
        "at",
        "actor_staff_no",
        "event_type",
        "subject_type",
        "subject_id",
    ]
    list_filter = ["event_type", "channel"]
    search_fields = ["subject_id", "actor_staff_no"]


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["unit", "size", "root_hash", "created_at"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "unit", "subject_type", "subject_id", "field", "purpose"]


@admin.register(ExportRequest)
class ExportRequestAdmin(ReadOnlyAdmin):
    """Requests are made and decided on their pages, through the ledgered actions."""

    list_display = ["requested_at", "unit", "requested_by", "description", "status", "used_at"]
    list_filter = ["status"]
