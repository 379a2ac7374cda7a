"""Administration of units, windows, posts, staff, roster, commitments and calendar days.

The system administrator manages everything; a unit administrator sees and edits only
the rows of their own unit (the same rule as ``org.access``).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .choices import Role
from .models import CalendarDay, Commitment, DutyAssignment, Post, Unit, User, Window


class UnitScopedAdmin(admin.ModelAdmin):
    """Limits a unit administrator to the rows, and the choices, of their own unit."""

    unit_field = "unit"

    def _scoped(self, request) -> bool:
        return request.user.role == Role.UNIT_ADMIN

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if self._scoped(request):
            return rows.filter(**{self.unit_field: request.user.unit_id})
        return rows

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if self._scoped(request):
            model = db_field.related_model
            if model is Unit:
                kwargs["queryset"] = Unit.objects.filter(pk=request.user.unit_id)
            elif model in (Window, Post, User):
                kwargs["queryset"] = model.objects.filter(unit_id=request.user.unit_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.role == Role.UNIT_ADMIN:
            return rows.filter(pk=request.user.unit_id)
        return rows


@admin.register(Window)
class WindowAdmin(UnitScopedAdmin):
    list_display = ["unit", "number", "name", "location", "active"]
    list_filter = ["unit"]


@admin.register(Post)
class PostAdmin(UnitScopedAdmin):
    list_display = ["unit", "code", "name", "approves_escalations"]
    list_filter = ["unit"]


@admin.register(User)
class UserAdmin(UnitScopedAdmin, BaseUserAdmin):
    list_display = ["username", "full_name", "staff_no", "role", "unit", "is_active"]
    list_filter = ["role", "unit", "is_active"]
    search_fields = ["username", "full_name", "staff_no"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Service hall"), {"fields": ("full_name", "staff_no", "role", "unit", "post")}),
    )


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(UnitScopedAdmin):
    list_display = ["date", "unit", "window", "staff", "head_on_duty"]
    list_filter = ["unit", "head_on_duty"]
    date_hierarchy = "date"


@admin.register(Commitment)
class CommitmentAdmin(UnitScopedAdmin):
    list_display = ["unit", "level", "staff", "text", "active"]
    list_filter = ["level", "unit"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "unit", "is_working_day", "note"]
    list_filter = ["kind", "is_working_day"]
    date_hierarchy = "date"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.role == Role.UNIT_ADMIN:
            return rows.filter(unit_id=request.user.unit_id)
        return rows
