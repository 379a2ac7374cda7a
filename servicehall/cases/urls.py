from django.urls import path

from . import views_documents, views_lookup

app_name = "cases"

urlpatterns = [
    path("lookup/", views_lookup.lookup, name="lookup"),
    path("lookup.json", views_lookup.lookup_json, name="lookup-json"),
    path("<str:number>/receipt.pdf", views_documents.receipt_pdf, name="receipt-pdf"),
]
