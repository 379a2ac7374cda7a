"""The hall's pages: the counter desk and kiosk (urls_desk), the hall display and its live
events (urls_display)."""

from django.urls import include, path

app_name = "queueing"

urlpatterns = [
    path("", include("servicehall.queueing.urls_desk")),
    path("", include("servicehall.queueing.urls_display")),
]
