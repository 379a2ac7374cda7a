from django.urls import path

from . import views_lookup

app_name = "cases"

urlpatterns = [
    path("lookup/", views_lookup.lookup, name="lookup"),
    path("lookup.json", views_lookup.lookup_json, name="lookup-json"),
]
