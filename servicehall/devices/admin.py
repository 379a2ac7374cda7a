"""Administration of devices: issuing (the token is shown once, in a message) and revoking
go through the devices' actions, so each is recorded in the ledger. Devices are never
edited or deleted: a device that changes is revoked and a new one issued.

The system administrator manages every unit's devices, a unit administrator their own.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from servicehall.org.choices import Role
from servicehall.org.models import Unit, Window

from . import actions
from .models import Device

ADMINISTRATORS = (Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)
ISSUE_FIELDS = ["unit", "kind", "name", "window"]
RECORD_FIELDS = ["created_by", "created_at", "revoked_at", "revoked_by", "last_seen_at"]


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("active")), ("revoked", _("revoked"))]

    def queryset(self, request, queryset):
        if self.value() in ("active", "revoked"):
            return queryset.filter(revoked_at__isnull=self.value() == "active")
        return queryset


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "unit", "window", "state", "created_at", "last_seen_at"]
    list_filter = [
        "kind",
        StateFilter,
        ("unit", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name"]
    actions = ["revoke"]

    # --- who may do what --------------------------------------------------------------------

    def _administrator(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.role in ADMINISTRATORS

    def _unit_admin(self, request) -> bool:
        return request.user.role == Role.UNIT_ADMIN

    def has_module_permission(self, request):
        return self._administrator(request)

    def has_view_permission(self, request, obj=None):
        return self._administrator(request)

    def has_add_permission(self, request):
        return self._administrator(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return self._administrator(request)

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("unit", "window")
        if self._unit_admin(request):
            return rows.filter(unit_id=request.user.unit_id)
        return rows

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if self._unit_admin(request):
            if db_field.related_model is Unit:
                kwargs["queryset"] = Unit.objects.filter(pk=request.user.unit_id)
            elif db_field.related_model is Window:
                kwargs["queryset"] = Window.objects.filter(unit_id=request.user.unit_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        return ISSUE_FIELDS if obj is None else ISSUE_FIELDS + RECORD_FIELDS

    @admin.display(description=_("state"))
    def state(self, obj: Device):
        return _("revoked") if obj.revoked_at else _("active")

    # --- issuing and revoking ---------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        device, token = actions.issue_device(
            request.user, unit=obj.unit, kind=obj.kind, name=obj.name, window=obj.window
        )
        # The admin goes on (history, redirect) with the row the action created.
        for model_field in Device._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(device, model_field.attname))
        obj._state.adding = False
        # The token travels once, in this message, and is stored nowhere but as its hash.
        notice = _("Enter this token in the device {device} now; it is shown only this once:")
        self.message_user(
            request,
            format_html(
                "{} <code class='device-token'>{}</code>", notice.format(device=device), token
            ),
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected devices' tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        for device in queryset:
            try:
                actions.revoke_device(request.user, device)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request,
                    f"{device}: {' '.join(getattr(error, 'messages', [str(error)]))}",
                    messages.ERROR,
                )
            else:
                self.message_user(request, _("{device} is revoked.").format(device=device))
