from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("", views.entries, name="entries"),
    path("export.xlsx", views.export_entries, name="export"),
    path("verify/", views.verify, name="verify"),
    path("personal-data-access/", views.access_log, name="access-log"),
    path("exports/", views.export_requests, name="export-requests"),
    path("exports/approvals/", views.export_approvals, name="export-approvals"),
]
