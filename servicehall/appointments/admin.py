"""Administration: slots are configured here; bookings are only viewed (masked), since
every change of a booking goes through the actions and into the ledger."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from servicehall.lib.idnumbers import is_valid_id_number
from servicehall.org.choices import Role

from .models import Appointment, Slot


def _own_unit(request, rows, field: str = "unit_id"):
    if request.user.role == Role.UNIT_ADMIN:
        return rows.filter(**{field: request.user.unit_id})
    return rows


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["day", "start", "end", "unit", "item", "capacity", "booked"]
    list_filter = ["day", "unit"]
    date_hierarchy = "day"
    list_select_related = ["unit", "item__current"]

    def get_queryset(self, request):
        return _own_unit(request, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit" and request.user.role == Role.UNIT_ADMIN:
            kwargs["queryset"] = db_field.related_model.objects.filter(pk=request.user.unit_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # Bookings copy their slot's item and day: once booked, only the places change.
        if obj is not None and obj.appointments.exists():
            return ["unit", "item", "day", "start", "end", "booked"]
        return ["booked"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.save()
            return
        # Only what the form changed: ``booked`` moves under concurrent bookings and must
        # never be written back from the form's stale copy.
        fields = [name for name in form.changed_data if name != "booked"]
        if fields:
            obj.save(update_fields=fields)

    def has_delete_permission(self, request, obj=None):
        # A slot with bookings stays (the bookings point at it); an empty one may go.
        if obj is not None and obj.appointments.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = [
        "code", "unit", "day", "slot_time", "item", "client_name", "id_number_masked",
        "mobile_masked", "status",
    ]  # fmt: skip
    list_filter = ["status", "day"]
    search_fields = ["code"]
    search_help_text = _("A booking code, or a whole ID number (found by its blind index).")
    fields = [
        "code", "unit", "slot", "item", "day", "client_name", "client_type", "id_number_masked",
        "mobile_masked", "status", "booked_at", "closed_at", "ticket",
    ]  # fmt: skip
    readonly_fields = fields
    list_select_related = ["unit", "slot", "item__current"]

    def get_queryset(self, request):
        return _own_unit(request, super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if is_valid_id_number(term):
            return queryset.with_id_number(term), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("time"))
    def slot_time(self, obj):
        return f"{obj.slot.start:%H:%M}–{obj.slot.end:%H:%M}"

    @admin.display(description=_("ID number"))
    def id_number_masked(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("mobile number"))
    def mobile_masked(self, obj):
        return obj.masked_mobile

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
