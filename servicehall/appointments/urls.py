from django.urls import path

from . import views

app_name = "appointments"

urlpatterns = [
    path("", views.index, name="index"),
    path("lookup/", views.lookup, name="lookup"),
    path("book/<int:slot_id>/", views.book, name="book"),
    path("booked/<str:code>/", views.booked, name="booked"),
    path("check-in/<str:unit_code>/", views.check_in, name="check-in"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/<str:code>/full/", views.full_view, name="full-view"),
    path("<str:unit_code>/<str:item_code>/", views.item_slots, name="item"),
]
