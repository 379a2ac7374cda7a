"""The counter desk, the opening checklist, the guidance desk, the kiosk and the ticket page."""

from django.urls import path

from . import views_desk as views

urlpatterns = [
    path("desk/guide/", views.guide_desk, name="guide-desk"),
    path("desk/<int:number>/", views.desk, name="desk"),
    path("desk/<int:number>/open/", views.opening, name="desk-open"),
    path("desk/<int:number>/<slug:action>/", views.desk_action, name="desk-action"),
    path("kiosk/<str:unit_code>/", views.kiosk, name="kiosk"),
    path("ticket/<slug:token>.json", views.ticket_json, name="ticket-json"),
    path("ticket/<slug:token>/", views.ticket, name="ticket"),
]
