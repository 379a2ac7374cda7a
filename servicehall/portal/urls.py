from django.urls import path

from . import views, views_figures

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("norms/", views.norms, name="norms"),
    path("commitments/", views.commitments, name="commitments"),
    path("figures/", views_figures.figures, name="figures"),
    path("large-text/", views.toggle_large_text, name="large-text"),
    path("staff/", views.staff_home, name="staff-home"),
    path("staff/units/<int:unit_id>/", views.unit_detail, name="unit-detail"),
]
