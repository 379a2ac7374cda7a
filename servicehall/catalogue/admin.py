"""Administration of service items: drafts are edited here; publishing and new drafts go
through the catalogue's actions, so each is recorded in the ledger."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from servicehall.org.choices import Role

from . import actions
from .choices import VersionStatus
from .models import Category, Material, PolicyBasis, ServiceItem, ServiceItemVersion


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]


class FrozenWhenPublished:
    """Inlines and forms of a published version are read-only."""

    def _frozen(self, obj) -> bool:
        version = obj if isinstance(obj, ServiceItemVersion) else None
        return version is not None and version.status != VersionStatus.DRAFT

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        if self._frozen(obj):
            return False
        return (
            super().has_add_permission(request, obj)
            if obj is not None
            else super().has_add_permission(request)
        )


class PolicyInline(FrozenWhenPublished, admin.TabularInline):
    model = PolicyBasis
    extra = 0


class MaterialInline(FrozenWhenPublished, admin.TabularInline):
    model = Material
    extra = 0
    fields = [
        "order", "name", "form", "copies", "when_needed", "need", "notes", "has_sample", "sample",
    ]  # fmt: skip


@admin.register(ServiceItemVersion)
class ServiceItemVersionAdmin(FrozenWhenPublished, admin.ModelAdmin):
    list_display = ["item", "number", "name", "status", "published_at", "preview"]
    list_filter = ["status", "category"]
    search_fields = ["name", "item__code"]
    inlines = [PolicyInline, MaterialInline]
    readonly_fields = ["status", "published_at", "published_by"]
    actions = ["publish_drafts", "start_new_drafts"]

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("item")
        if request.user.role == Role.UNIT_ADMIN:
            return rows.filter(item__unit_id=request.user.unit_id)
        return rows

    @admin.display(description=_("preview"))
    def preview(self, obj):
        url = reverse("catalogue:guide-preview", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("preview the guide"))

    @admin.action(description=_("Publish the selected drafts"))
    def publish_drafts(self, request, queryset):
        for version in queryset:
            try:
                actions.publish(request.user, version)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request,
                    f"{version}: {' '.join(getattr(error, 'messages', [str(error)]))}",
                    messages.ERROR,
                )
            else:
                self.message_user(request, _("{v} is published.").format(v=version))

    @admin.action(description=_("Start a new draft from the version in force"))
    def start_new_drafts(self, request, queryset):
        for item in {version.item for version in queryset}:
            try:
                draft = actions.new_draft(request.user, item)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request,
                    f"{item}: {' '.join(getattr(error, 'messages', [str(error)]))}",
                    messages.ERROR,
                )
            else:
                self.message_user(request, _("{v} is ready to edit.").format(v=draft))


class VersionInline(admin.TabularInline):
    model = ServiceItemVersion
    fields = ["number", "name", "status", "published_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["code", "current", "unit"]
    search_fields = ["code", "current__name"]
    readonly_fields = ["current"]
    inlines = [VersionInline]

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("current", "unit")
        if request.user.role == Role.UNIT_ADMIN:
            return rows.filter(unit_id=request.user.unit_id)
        return rows
