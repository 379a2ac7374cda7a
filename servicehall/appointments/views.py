"""Booking on the portal, looking up and cancelling, checking in at the kiosk, and the
staff's list of the day's bookings (masked; a full number only through the logged view).

Views stay thin: they parse, check access, call the actions and render.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from servicehall.ledger.personal import log_full_view
from servicehall.org.choices import Role
from servicehall.org.models import Unit

from . import actions
from .access import booking_for_client, booking_for_staff, require_unit_staff
from .choices import AppointmentStatus
from .forms import BookingForm, CheckInForm, FullViewForm, LookupForm
from .models import CODE_ALPHABET, Appointment, Slot

SESSION_KEY = "appointments_booked"


def _now_local() -> dt.datetime:
    return timezone.localtime(timezone.now(), timezone.get_default_timezone())


def _bookable(slots):
    """Slots that have not begun and still have a place."""
    now = _now_local()
    return slots.filter(
        Q(day__gt=now.date()) | Q(day=now.date(), start__gt=now.time()),
        booked__lt=F("capacity"),
    )


def _attach(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
    else:
        for problem in error.messages:
            form.add_error(None, problem)


def _qr_svg(text: str) -> str:
    import segno

    return segno.make(text, error="m").svg_inline(scale=4, title=text, omitsize=True)


# --- booking on the portal ----------------------------------------------------------------


def index(request):
    """Offices and the service items they take bookings for, with places left."""
    rows = (
        _bookable(Slot.objects.all())
        .values("unit_id", "item__code", "item__current__name")
        .annotate(slots=Count("id"))
        .order_by("unit__path", "item__code")
    )
    units = {u.pk: u for u in Unit.objects.filter(pk__in={r["unit_id"] for r in rows})}
    offices = [
        {"unit": units[unit_id], "items": list(items)}
        for unit_id, items in groupby(rows, key=lambda r: r["unit_id"])
    ]
    return render(request, "appointments/index.html", {"offices": offices})


def item_slots(request, unit_code: str, item_code: str):
    """The coming slots of one item at one office, by day, with places left."""
    unit = get_object_or_404(Unit, code=unit_code)
    now = _now_local()
    slots = list(
        Slot.objects.filter(unit=unit, item__code=item_code)
        .filter(Q(day__gt=now.date()) | Q(day=now.date(), start__gt=now.time()))
        .select_related("item__current")
        .order_by("day", "start")
    )
    if not slots:
        raise Http404
    days = [(day, list(group)) for day, group in groupby(slots, key=lambda s: s.day)]
    return render(
        request,
        "appointments/item.html",
        {"unit": unit, "item": slots[0].item, "version": slots[0].item.current, "days": days},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def book(request, slot_id: int):
    slot = get_object_or_404(Slot.objects.select_related("unit", "item__current"), pk=slot_id)
    version = slot.item.current
    form = BookingForm(request.POST or None, client_types=version.client_types if version else ())
    if request.method == "POST" and form.is_valid():
        try:
            row = actions.book(slot=slot, **form.cleaned_data)
        except ValidationError as error:
            _attach(form, error)
        else:
            request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-9:], row.code]
            return redirect("appointments:booked", code=row.code)
    slot.refresh_from_db(fields=["booked"])
    return render(
        request,
        "appointments/book.html",
        {
            "slot": slot,
            "version": version,
            "form": form,
            "started": slot.starts_at <= timezone.now(),
        },
    )


@never_cache
def booked(request, code: str):
    """The confirmation: shown to the browser that booked; anyone else looks it up with
    the last four characters of the ID number."""
    if code not in request.session.get(SESSION_KEY, []):
        return redirect("appointments:lookup")
    row = get_object_or_404(
        Appointment.objects.select_related("slot", "unit", "item__current"), code=code
    )
    return render(request, "appointments/booked.html", {"a": row, "qr_svg": _qr_svg(row.code)})


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    """Find a booking with its code and the last four characters of the ID number; cancel."""
    form = LookupForm(request.POST or None)
    row = None
    if request.method == "POST" and form.is_valid():
        code, last4 = form.cleaned_data["code"], form.cleaned_data["id_last4"]
        if request.POST.get("cancel"):
            try:
                row = actions.cancel(code=code, id_last4=last4)
            except ValidationError as error:
                _attach(form, error)
                row = booking_for_client(code, last4)
            else:
                messages.success(request, _("Your booking is cancelled; the place is free again."))
        else:
            row = booking_for_client(code, last4)
            if row is None:
                form.add_error(None, _("No booking matches this code and these four characters."))
    return render(
        request,
        "appointments/lookup.html",
        {"form": form, "a": row, "can_cancel": _can_cancel(row)},
    )


def _can_cancel(row: Appointment | None) -> bool:
    return (
        row is not None
        and row.status == AppointmentStatus.BOOKED
        and timezone.now() < row.slot.starts_at
    )


# --- the kiosk ----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def check_in(request, unit_code: str):
    unit = get_object_or_404(Unit, code=unit_code)
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = actions.check_in(unit=unit, code=form.cleaned_data["code"])
        except ValidationError as error:
            _attach(form, error)
        else:
            # The hall's ticket page (queueing), by the ticket's follow code.
            return redirect(f"/hall/ticket/{row.ticket.follow_token}/")
    return render(
        request,
        "appointments/check_in.html",
        {"unit": unit, "form": form, "alphabet": CODE_ALPHABET},
    )


# --- staff --------------------------------------------------------------------------------


@never_cache
@login_required
def staff_list(request):
    """The day's bookings of the user's unit, masked."""
    require_unit_staff(request.user)
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = _now_local().date()
    rows = list(
        Appointment.objects.filter(unit_id=request.user.unit_id, day=day)
        .select_related("slot", "item__current", "ticket")
        .order_by("slot__start", "item__code", "booked_at")
    )
    counts = {status: 0 for status in AppointmentStatus.values}
    for row in rows:
        counts[row.status] += 1
    return render(
        request,
        "appointments/staff_list.html",
        {
            "day": day,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "rows": rows,
            "counts": [(AppointmentStatus(s).label, n) for s, n in counts.items()],
            "may_view_full": request.user.role == Role.HEAD_ON_DUTY,
            "full_view_form": FullViewForm(),
        },
    )


@never_cache
@login_required
@require_POST
def full_view(request, code: str):
    """The head on duty sees one full number, with a purpose; logged before it is shown."""
    row = booking_for_staff(request.user, code)
    if request.user.role != Role.HEAD_ON_DUTY:
        raise PermissionDenied
    form = FullViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose why you need the full number."))
        return redirect(f"{reverse('appointments:staff')}?day={row.day.isoformat()}")
    field = form.cleaned_data["field"]
    log_full_view(
        user=request.user, unit=row.unit, subject_type="appointments.appointment",
        subject_id=row.pk, field=field, purpose=form.cleaned_data["purpose"],
        note=f"booking {row.code}",
    )  # fmt: skip
    value = row.id_number() if field == "id_number" else row.mobile()
    label = dict(form.fields["field"].choices)[field]
    return render(
        request, "appointments/full_view.html", {"a": row, "value": value, "label": label}
    )
