from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("guides/", views.guide_list, name="guides"),
    path("guides/preview/<int:version_id>/", views.guide_preview, name="guide-preview"),
    path("guides/<str:code>/", views.guide, name="guide"),
    path("guides/<str:code>/print/", views.guide_print, name="guide-print"),
    path("guides/<str:code>/guide.pdf", views.guide_pdf, name="guide-pdf"),
    path("guides/<str:code>/forms/<int:material_id>/", views.sample_form, name="sample-form"),
    path("counter/consultations/new/", views.consultation_new, name="consultation-new"),
    path("counter/consultations/<str:number>/", views.consultation, name="consultation"),
    path(
        "counter/consultations/<str:number>/notice.pdf",
        views.consultation_pdf,
        name="consultation-pdf",
    ),
    path("counter/notices/new/<int:version_id>/", views.notice_new, name="notice-new"),
    path("counter/notices/<str:number>/", views.notice, name="notice"),
    path("counter/notices/<str:number>/notice.pdf", views.notice_pdf, name="notice-pdf"),
]
