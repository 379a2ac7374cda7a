"""What a rating is bound to: the visit, case or call, with its unit, window, clerk (工号)
and service item, read from the rows that recorded the service."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from servicehall.org.models import User

from .choices import Mode, SubjectKind


@dataclass(frozen=True)
class Rated:
    """The service a rating is for."""

    kind: str
    unit_id: int
    mode: str
    ticket: object = None
    case: object = None
    call_ref: str = ""
    window_id: int | None = None
    clerk: User | None = None
    staff_no: str = ""
    item_id: int | None = None
    #: Why it cannot be rated yet ("" when it can).
    not_ready: str = ""


def rated_visit(ticket) -> Rated:
    """A visit to the hall (一次一评): rated once its service has finished."""
    from servicehall.queueing.choices import TicketStatus

    clerk = ticket.clerk if ticket.clerk_id else None
    return Rated(
        kind=SubjectKind.VISIT,
        unit_id=ticket.unit_id,
        mode=Mode.ON_SITE,
        ticket=ticket,
        window_id=ticket.window_id,
        clerk=clerk,
        staff_no=(clerk.staff_no or "") if clerk else "",
        item_id=ticket.item_id,
        not_ready=""
        if ticket.status == TicketStatus.DONE
        else str(_("This visit can be rated once its service has finished.")),
    )


def rated_case(case) -> Rated:
    """A case (一事一评), rated once, on acceptance or on completion; the handling clerk's
    工号 is the one the client sees."""
    from servicehall.catalogue.choices import ServiceChannel

    handler = case.handler
    return Rated(
        kind=SubjectKind.CASE,
        unit_id=case.unit_id,
        mode=Mode.ONLINE if case.channel == ServiceChannel.ONLINE else Mode.ON_SITE,
        case=case,
        window_id=case.ticket.window_id if case.ticket_id else None,
        clerk=handler,
        staff_no=(handler.staff_no or "") if handler else "",
        item_id=case.version.item_id,
        # An application made online is rated once a clerk has taken it.
        not_ready=str(_("This case can be rated once it has been accepted."))
        if case.stage == "submitted"
        else "",
    )


def rated_call(unit, *, call_ref: str, staff_no: str, item=None) -> Rated:
    """A call answered by the telephone system (N-6.1 voice service), named by the phone
    system's own reference; the clerk is found by the 工号 within the unit."""
    staff_no = staff_no.strip()
    clerk = User.objects.filter(unit=unit, staff_no=staff_no).first() if staff_no else None
    return Rated(
        kind=SubjectKind.CALL,
        unit_id=unit.pk,
        mode=Mode.ON_SITE,
        call_ref=call_ref.strip(),
        clerk=clerk,
        staff_no=staff_no,
        item_id=item.pk if item is not None else None,
    )
