"""The evaluation invitation shown on the hall's pages (P-W26): on the counter desk after
a service is finished, and on the client's ticket page once the service is done."""

from __future__ import annotations

import segno
from django import template
from django.urls import reverse

from servicehall.devices.choices import DeviceKind
from servicehall.devices.models import Device
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import Ticket

from ..models import Rating

register = template.Library()


@register.inclusion_tag("feedback/_desk_invite.html", takes_context=True)
def desk_rating_invite(context, window, ticket_id=""):
    """After finishing: whether the window's pad asks the client, and the QR code of the
    visit's rating page for a client who prefers their phone."""
    request = context["request"]
    ticket_id = str(ticket_id or "")
    ticket = None
    if ticket_id.isdigit():
        ticket = (
            Ticket.objects.filter(pk=int(ticket_id), window=window, status=TicketStatus.DONE)
            .only("pk", "code", "follow_token", "status")
            .first()
        )
    if ticket is None:
        return {"ticket": None}
    url = request.build_absolute_uri(reverse("feedback:rate-visit", args=[ticket.follow_token]))
    return {
        "ticket": ticket,
        "rated": Rating.objects.filter(ticket=ticket).exists(),
        "has_pad": Device.objects.filter(
            window=window, kind=DeviceKind.RATING_PAD, revoked_at__isnull=True
        ).exists(),
        "url": url,
        "qr_svg": segno.make(url, error="m").svg_inline(scale=3, title=url, omitsize=True),
    }


@register.inclusion_tag("feedback/_ticket_invite.html", takes_context=True)
def ticket_rating_invite(context, ticket):
    """On the client's ticket page: the link to rate, once the service is done (shown by
    the page's script when the status turns to done)."""
    return {
        "ticket": ticket,
        "url": reverse("feedback:rate-visit", args=[ticket.follow_token]),
        "rated": ticket.status == TicketStatus.DONE
        and Rating.objects.filter(ticket=ticket).exists(),
    }
