"""A test urlconf: the site plus the receipt PDF, until the cases app wires it in."""

from django.urls import path

from servicehall.cases import views_documents
from servicehall.urls import urlpatterns as base

urlpatterns = base + [
    path("cases/<str:number>/receipt.pdf", views_documents.receipt_pdf, name="case-receipt-pdf")
]
