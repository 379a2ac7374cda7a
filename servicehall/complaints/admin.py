"""Administration of the complaints (N-6.1): the complaints read only, since every change
goes through the actions and into the ledger; each unit's time limits of the steps, set
through ``actions.set_limits`` (so recorded in the ledger) by the unit's administrator.

The system administrator sees every unit, a unit administrator their own. Nothing of the
complainant is shown here but whether the complaint is named or anonymous: the identity is
for the complaint handlers only (``access.py``), and so are the free texts (the content,
the findings, the measures, the reply, the reasons), which may carry it; administrators
are not handlers.
"""

from django import forms
from django.contrib import admin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.org.choices import Role
from servicehall.org.models import Unit

from . import actions
from .models import Complaint, ComplaintSettings

ADMINISTRATORS = (Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)


def _administrator(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.role in ADMINISTRATORS


class _UnitScoped(admin.ModelAdmin):
    """Administrators only; a unit administrator sees the rows of their own unit."""

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


class DeadlineFilter(admin.SimpleListFilter):
    """Open complaints past their step's deadline, or within its warning time (a query on
    the indexed ``step_due_at``, as the sweep's)."""

    title = _("step deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("due_soon", _("Due soon"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.overdue(now)
        if self.value() == "due_soon":
            return queryset.due_soon(now)
        return queryset


RECORD_FIELDS = [
    "number", "unit", "kind", "channel", "complainant", "clause", "staff_concerned", "handler",
    "step", "step_due_at", "deadline_provisional", "received_at", "received_by",
    "accepted_at", "investigated_at", "finding", "handled_at", "replied_at", "reply_method",
    "archived_at", "referred_to_unit", "referred_from", "last_actor",
]  # fmt: skip


@admin.register(Complaint)
class ComplaintAdmin(_UnitScoped):
    list_display = [
        "number", "received_at", "unit", "kind", "channel", "complainant", "step",
        "step_due_at", "overdue", "handler",
    ]  # fmt: skip
    list_filter = [
        ("unit", admin.RelatedOnlyFieldListFilter), "step", "channel", "kind", DeadlineFilter,
    ]  # fmt: skip
    list_select_related = ["unit", "handler"]
    search_fields = ["number"]
    fields = RECORD_FIELDS
    readonly_fields = RECORD_FIELDS

    @admin.display(description=_("Complainant"))
    def complainant(self, obj: Complaint):
        return _("Anonymous") if obj.anonymous else _("Named")

    @admin.display(description=_("Overdue"), boolean=True)
    def overdue(self, obj: Complaint):
        return obj.is_overdue()


LIMITS = list(ComplaintSettings.DEFAULTS)


def may_set_limits(user, unit_id: int) -> bool:
    """The rule of ``actions.set_limits``: the unit's own administrator."""
    return user.role == Role.UNIT_ADMIN and user.unit_id == unit_id


class LimitsForm(forms.ModelForm):
    """The limits with the range ``actions.set_limits`` accepts, so the form says what is
    wrong before the action refuses it: 1 to 60 working days, archiving 0 to 60."""

    class Meta:
        model = ComplaintSettings
        fields = ["unit", *LIMITS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in LIMITS:
            if name in self.fields:
                low = 0 if name == "archive_days" else 1
                self.fields[name].validators += [MinValueValidator(low), MaxValueValidator(60)]
                self.fields[name].widget.attrs.update(min=low, max=60)


@admin.register(ComplaintSettings)
class ComplaintSettingsAdmin(_UnitScoped):
    """A unit administrator sets their unit's limits (a new row or a change) through
    ``actions.set_limits``, which writes the ledger entry; everyone else reads them."""

    form = LimitsForm
    list_display = ["unit", *LIMITS]

    def has_add_permission(self, request):
        return _administrator(request) and request.user.role == Role.UNIT_ADMIN

    def has_change_permission(self, request, obj=None):
        return (
            _administrator(request)
            and request.user.role == Role.UNIT_ADMIN
            and (obj is None or may_set_limits(request.user, obj.unit_id))
        )

    def get_readonly_fields(self, request, obj=None):
        return ["unit"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = Unit.objects.filter(pk=request.user.unit_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        row = actions.set_limits(
            request.user, obj.unit, **{name: form.cleaned_data[name] for name in LIMITS}
        )
        # The admin goes on (its history, the redirect) with the row the action saved.
        obj.pk = row.pk
        obj._state.adding = False
