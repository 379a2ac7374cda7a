"""Administration views of cases, escalations and deadline cards: read only, since every
change goes through the cases' actions and into the ledger. Personal data is masked."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from servicehall.lib.idnumbers import InvalidIDNumber, normalize_id_number
from servicehall.org.choices import Role

from . import personal
from .models import Case, DeadlineCard, Escalation


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewed by the system administrator, and by a unit's administrator for that unit."""

    def _administrator(self, request) -> bool:
        user = request.user
        return (
            user.is_active and user.is_staff and user.role in (Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)
        )

    def has_module_permission(self, request):
        return self._administrator(request)

    def has_view_permission(self, request, obj=None):
        return self._administrator(request)

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.role == Role.UNIT_ADMIN:
            return rows.filter(unit_id=request.user.unit_id)
        return rows

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _id_index(term: str) -> str | None:
    """The blind index of a whole ID number or credit code typed in the search box."""
    for normalize in (normalize_id_number, personal.normalize_credit_code):
        try:
            return personal.id_number_index(normalize(term))
        except (InvalidIDNumber, personal.InvalidCreditCode):
            continue
    return None


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = [
        "number", "unit", "item_name", "applicant_name", "applicant_id", "stage", "owner",
        "handler", "due_at", "deadline_provisional",
    ]  # fmt: skip
    list_filter = ["stage", "channel", "green_reason", "deadline_provisional"]
    search_fields = ["number"]
    search_help_text = _("A receipt number, or a whole ID number or credit code.")
    date_hierarchy = "received_at"
    list_select_related = ["unit", "version", "applicant", "owner", "handler"]
    fields = [
        "number", "unit", "version", "channel", "ticket", "applicant_name", "applicant_id",
        "applicant_phone", "stage", "owner", "agent", "handler", "green_reason", "materials",
        "materials_not_applicable", "notices", "received_at", "accepted_by", "accepted_at",
        "first_reviewed_by", "first_reviewed_at", "first_review_note", "second_reviewed_by",
        "second_reviewed_at", "second_review_note", "completed_by", "completed_at",
        "decision_rule", "decision_reason", "limit_days", "due_at", "yellow_at", "stage_due_at",
        "stage_yellow_at", "deadline_provisional", "provisional_years", "suspended_at",
        "suspended_days",
    ]  # fmt: skip
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        index = _id_index(search_term.strip())
        if index is not None:
            return queryset.filter(applicant__id_index=index), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("service item"))
    def item_name(self, obj):
        return obj.version.name

    @admin.display(description=_("applicant"))
    def applicant_name(self, obj):
        return obj.applicant.name

    @admin.display(description=_("ID number or credit code"))
    def applicant_id(self, obj):
        return obj.applicant.masked_id_number

    @admin.display(description=_("phone number"))
    def applicant_phone(self, obj):
        return obj.applicant.masked_phone


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = [
        "requested_at", "unit", "case", "item", "stage", "requested_by", "status", "decided_by",
        "used_at",
    ]  # fmt: skip
    list_filter = ["status", "stage"]
    list_select_related = ["unit", "case", "item", "requested_by", "decided_by"]


@admin.register(DeadlineCard)
class DeadlineCardAdmin(ReadOnlyAdmin):
    list_display = ["issued_at", "unit", "case", "stage", "level", "due_at", "clerk", "head"]
    list_filter = ["level", "stage"]
    date_hierarchy = "issued_at"
    list_select_related = ["unit", "case", "clerk", "head"]
