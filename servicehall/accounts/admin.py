from django.contrib import admin

from .models import LoginRecord


@admin.register(LoginRecord)
class LoginRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "ip_address", "outcome"]
    list_filter = ["outcome"]
    search_fields = ["username", "ip_address"]

    # The record is evidence: nobody edits or deletes it through the admin.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
