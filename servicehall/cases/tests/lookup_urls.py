"""The project's URLs plus the cases' (until ``servicehall/urls.py`` includes them)."""

from django.urls import include, path

from servicehall.urls import urlpatterns as base

urlpatterns = [*base, path("cases/", include("servicehall.cases.urls"))]
