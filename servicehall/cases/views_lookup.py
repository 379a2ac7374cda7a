"""The public progress lookup (N-5.6a/d): a client types the receipt number and the last
four characters of the ID number or of the phone number and sees where the case stands.

It shows only the item, the stage, the dates and the handling clerk's 工号: no name, no
masked number, nothing else of the applicant. An application submitted online and not
taken yet shows as such, without acceptance date or clerk (N-1.2, N-5.4). A wrong number
and a wrong last four give the same answer, so the page does not tell which receipt
numbers exist.

Guessing four characters is cheap, so failed lookups are counted per client address: after
``MAX_FAILURES`` within ``WINDOW`` seconds the address is refused for ``BLOCK`` seconds.
The counts live in Django's cache; with the default local-memory cache they are per
process, which holds for the single WSGI process we run. With several processes or
servers, point ``CACHES`` at a shared cache (Redis, the database) for the limit to hold.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from servicehall.lib.ratelimit import AddressLimit, client_address

from .choices import Stage
from .forms_lookup import LookupForm
from .models import Case

MAX_FAILURES = 10
WINDOW = 10 * 60  # seconds in which MAX_FAILURES failed lookups block an address
BLOCK = 10 * 60  # seconds an address is then refused

NOT_FOUND = _(
    "No case matches this receipt number and these four characters. Please check both "
    "and try again."
)
TOO_MANY = _(
    "Too many lookups failed from this connection. Please try again in 10 minutes, or ask "
    "at any window."
)


LOOKUP_FAILURES = AddressLimit("cases-lookup", MAX_FAILURES, WINDOW, block=BLOCK)


def progress(case: Case) -> dict:
    """Everything the client may see of a case, and nothing more."""
    local = timezone.localdate
    return {
        "item": case.version.name,
        "stage": case.stage,
        "stage_label": case.get_stage_display(),
        "accepted_on": local(case.accepted_at) if case.accepted_at else None,
        "promised_on": case.promised_date,
        "deadline_warning": case.deadline_warning,
        "completed_on": local(case.completed_at) if case.completed_at else None,
        "completed": case.stage in (Stage.COMPLETED_APPROVED, Stage.COMPLETED_REFUSED),
        # An application submitted online has no handling clerk until one takes it.
        "staff_no": (case.handler.staff_no or "") if case.handler else "",
    }


def _look_up(request, form: LookupForm) -> tuple[dict | None, str | None, int]:
    """(progress, error, status) for a bound form; counts the failures."""
    client = client_address(request)
    if LOOKUP_FAILURES.refused(client):
        return None, str(TOO_MANY), 429
    if not form.is_valid():
        return None, None, 400
    case = Case.objects.for_lookup(form.cleaned_data["number"], form.cleaned_data["last4"])
    if case is None:
        LOOKUP_FAILURES.count(client)
        return None, str(NOT_FOUND), 404
    return progress(case), None, 200


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    """The portal page. A GET may carry ``?number=`` (the receipt's QR code) to fill it in."""
    if request.method == "GET":
        form = LookupForm(initial={"number": request.GET.get("number", "")[:40]})
        return render(request, "cases/lookup.html", {"form": form})
    form = LookupForm(request.POST)
    found, error, status = _look_up(request, form)
    if error:
        form.add_error(None, error)
    return render(
        request,
        "cases/lookup.html",
        {"form": form, "progress": found},
        status=429 if status == 429 else 200,
    )


@csrf_exempt  # no session or cookie is used: the two values are the credential
@never_cache
@require_POST
def lookup_json(request):
    """The same lookup for the telephone system: form-encoded ``number`` and ``last4``
    in, the same fields as the page out (dates as ISO strings, the stage as its code and
    its label in the request's language); the same failure count as the page."""
    found, error, status = _look_up(request, LookupForm(request.POST))
    if found is None:
        errors = {400: "invalid", 404: "not_found", 429: "too_many"}
        return JsonResponse({"error": errors[status], "message": error or ""}, status=status)
    return JsonResponse(found)  # DjangoJSONEncoder: ISO dates, labels as text
