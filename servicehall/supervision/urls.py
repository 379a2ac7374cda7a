from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [path("detections/", views.detections, name="detections")]
