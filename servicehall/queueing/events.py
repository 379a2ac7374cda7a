"""Live hall events: written to the outbox in the action's transaction, then announced.

The outbox (``HallEvent``) is the source of truth, so a display that reconnects replays
what it missed from its last event id. After commit, the event is also published on Redis
(when REDIS_URL is set) so that every event-stream process learns of it at once; without
Redis the event-stream process polls the outbox, which costs one indexed query a tick.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from .choices import TicketStatus
from .models import HallEvent, Queue, Ticket

log = logging.getLogger(__name__)
REDIS_CHANNEL = "servicehall:hall"

_redis = None


def _redis_client():
    global _redis
    if _redis is None and settings.REDIS_URL:
        import redis

        _redis = redis.Redis.from_url(settings.REDIS_URL)
    return _redis


def waiting_counts(unit_id: int, service_day) -> dict[str, int]:
    counts = dict(
        Ticket.objects.filter(unit_id=unit_id, service_day=service_day, status=TicketStatus.WAITING)
        .values_list("queue__prefix")
        .annotate(n=Count("id"))
        .values_list("queue__prefix", "n")
    )
    return {
        q: counts.get(q, 0)
        for q in Queue.objects.filter(unit_id=unit_id, active=True).values_list("prefix", flat=True)
    }


def emit(unit_id: int, kind: str, data: dict) -> HallEvent:
    """Record the event with the change; announce it once the change commits."""
    event = HallEvent.objects.create(unit_id=unit_id, kind=kind, data=data)
    transaction.on_commit(lambda: _announce(event))
    return event


def _announce(event: HallEvent) -> None:
    client = _redis_client()
    if client is None:
        return
    message = json.dumps(
        {"id": event.pk, "unit": event.unit_id, "kind": event.kind, "data": event.data}
    )
    try:
        client.publish(REDIS_CHANNEL, message)
    except Exception:  # noqa: BLE001 - the outbox still holds it; pollers catch up
        log.warning("could not publish hall event %s to Redis", event.pk, exc_info=True)
