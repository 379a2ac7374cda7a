from django.urls import path

from . import views_apply, views_case, views_counter, views_documents, views_lookup, views_work

app_name = "cases"

urlpatterns = [
    path("lookup/", views_lookup.lookup, name="lookup"),
    path("lookup.json", views_lookup.lookup_json, name="lookup-json"),
    # Applying online on the portal (N-1.2), without logging in.
    path("apply/", views_apply.apply_index, name="apply"),
    path("apply/<str:code>/", views_apply.apply_item, name="apply-item"),
    path("<str:number>/receipt.pdf", views_documents.receipt_pdf, name="receipt-pdf"),
    path("<str:number>/refusal.pdf", views_documents.refusal_pdf, name="refusal-pdf"),
    path("<str:number>/completion.pdf", views_documents.completion_pdf, name="completion-pdf"),
    path("<str:number>/notices/<str:notice>.pdf", views_documents.notice_pdf, name="notice-pdf"),
    # Staff pages of case work (before the case page's catch-all number).
    path("open/", views_counter.open_case, name="open"),
    path("open/escalate/", views_counter.open_escalate, name="open-escalate"),
    path("work/", views_work.work, name="work"),
    path("work/<slug:tab>/", views_work.work, name="work-tab"),
    path("escalations/<int:pk>/", views_case.escalation, name="escalation"),
    path("<str:number>/", views_case.case_page, name="case"),
    path("<str:number>/full-view/", views_case.full_view, name="full-view"),
    path("<str:number>/<slug:action>/", views_case.case_action, name="case-action"),
]
