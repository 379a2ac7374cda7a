from django.contrib import admin

from .models import Detection


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
