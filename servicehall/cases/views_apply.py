"""Applying online on the portal (网上申请, N-1.2), without logging in.

The index lists the service items whose version in force lists the online channel; an
item's page takes the office, the applicant, the materials the client has (and the
conditional ones that do not apply), and a note. No scans are uploaded: the originals are
checked when a clerk of the office takes the application (N-5.3), within one working day
(不积压, N-5.4). The result page shows the application number once the action has run;
the client follows it with the progress lookup (number plus the last four characters of
the ID number or of the phone number).

Submissions are counted per client address, as the complaint form does: after
``MAX_SUBMISSIONS`` within ``SUBMIT_WINDOW`` seconds the address must wait. The counts
live in Django's cache (per process with the local-memory cache; point ``CACHES`` at a
shared cache when several processes serve the portal).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from servicehall.catalogue.models import ServiceItemVersion
from servicehall.lib.ratelimit import AddressLimit, client_address

from . import actions
from .forms import attach_error
from .forms_apply import ApplyForm
from .online import offered_online, online_versions

MAX_SUBMISSIONS = 5
SUBMIT_WINDOW = 60 * 60  # seconds

TOO_MANY_SUBMISSIONS = _(
    "Many applications came from this connection in the last hour. Please try again later, "
    "or apply at the office."
)


SUBMISSIONS = AddressLimit("cases-apply", MAX_SUBMISSIONS, SUBMIT_WINDOW)


def apply_index(request):
    """The items that can be applied for online, by category."""
    return render(request, "cases/apply_index.html", {"versions": online_versions()})


def _version(code: str) -> ServiceItemVersion:
    """The item's version in force, if it can be applied for online; 404 otherwise."""
    version = (
        ServiceItemVersion.objects.filter(item__code=code, item__current=F("pk"))
        .select_related("item__unit", "category")
        .first()
    )
    if version is None or not offered_online(version):
        raise Http404
    return version


@never_cache
@require_http_methods(["GET", "POST"])
def apply_item(request, code: str):
    """One item's application form; on success, the page with the application number."""
    version = _version(code)
    context = {"version": version}
    if request.method == "GET":
        form = ApplyForm(version=version, initial={"office": request.GET.get("office")})
        return render(request, "cases/apply.html", context | {"form": form})
    form = ApplyForm(request.POST, version=version)
    client = client_address(request)
    if SUBMISSIONS.refused(client):
        form.add_error(None, TOO_MANY_SUBMISSIONS)
        return render(request, "cases/apply.html", context | {"form": form}, status=429)
    if form.is_valid():
        application = actions.OnlineApplication(
            office=form.cleaned_data["office"], version=version, applicant=form.applicant(),
            declared=form.declared_materials(), not_applicable=form.spared(),
            note=form.cleaned_data["note"],
        )  # fmt: skip
        try:
            case = actions.submit_online(application)
        except ValidationError as error:
            attach_error(form, error)
        else:
            SUBMISSIONS.count(client)
            return render(request, "cases/applied.html", {"case": case, "version": version})
    return render(request, "cases/apply.html", context | {"form": form})
