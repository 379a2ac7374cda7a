from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

admin.site.site_header = _("ServiceHall administration")
admin.site.site_title = _("ServiceHall")

urlpatterns = [
    # Browsers ask for /favicon.ico on pages without an icon link (error pages, PDFs).
    path("favicon.ico", RedirectView.as_view(url=static("servicehall/favicon.svg"))),
    path("", include("servicehall.portal.urls")),
    path("accounts/", include("servicehall.accounts.urls")),
    path("ledger/", include("servicehall.ledger.urls")),
    path("", include("servicehall.catalogue.urls")),
    path("hall/", include("servicehall.queueing.urls")),
    path("api/", include("servicehall.devices.urls")),
    path("appointments/", include("servicehall.appointments.urls")),
    path("supervision/", include("servicehall.supervision.urls")),
    path("cases/", include("servicehall.cases.urls")),
    path("feedback/", include("servicehall.feedback.urls")),
    path("complaints/", include("servicehall.complaints.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
