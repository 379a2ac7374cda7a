"""Administration of the evaluations: each unit's settings (link validity, rectification
deadline, warnings, the optional default rating), edited by the system administrator or
the unit's administrator; ratings and rectifications read only, since every change goes
through the actions and into the ledger. The client's phone number is never shown here."""

from django.contrib import admin

from servicehall.org.choices import Role

from .models import (
    FeedbackSettings,
    Rating,
    Rectification,
    RectificationNotice,
    RectificationRound,
)


def _administrator(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.role in (Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)


class _UnitScoped(admin.ModelAdmin):
    def has_module_permission(self, request):
        return _administrator(request)

    def has_view_permission(self, request, obj=None):
        return _administrator(request)

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.role == Role.UNIT_ADMIN:
            return rows.filter(unit_id=request.user.unit_id)
        return rows


class _ReadOnly(_UnitScoped):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(_UnitScoped):
    list_display = [
        "unit", "link_valid_days", "rectification_days", "warning_days", "default_after_days",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return _administrator(request)

    def has_change_permission(self, request, obj=None):
        return _administrator(request) and (
            obj is None or request.user.role == Role.SYSTEM_ADMIN
            or obj.unit_id == request.user.unit_id
        )  # fmt: skip

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit" and request.user.role == Role.UNIT_ADMIN:
            from servicehall.org.models import Unit

            kwargs["queryset"] = Unit.objects.filter(pk=request.user.unit_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Rating)
class RatingAdmin(_ReadOnly):
    list_display = [
        "rated_at", "unit", "subject_kind", "level", "staff_no", "window", "channel", "status",
    ]  # fmt: skip
    list_filter = ["level", "channel", "status", "subject_kind"]
    exclude = ["contact_phone_token", "ref"]


@admin.register(Rectification)
class RectificationAdmin(_ReadOnly):
    list_display = ["pk", "unit", "assignee", "status", "round", "due_at"]
    list_filter = ["status"]


@admin.register(RectificationNotice)
class RectificationNoticeAdmin(_ReadOnly):
    list_display = ["issued_at", "unit", "rectification", "round", "level", "assignee", "head"]


@admin.register(RectificationRound)
class RectificationRoundAdmin(_ReadOnly):
    list_display = ["rectification", "round", "unit", "follow_up_at", "client_satisfied"]
    list_filter = ["client_satisfied"]
