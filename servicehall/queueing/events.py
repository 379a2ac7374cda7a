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
from django.utils import timezone

from servicehall.lib import rows

from .models import HallEvent

log = logging.getLogger(__name__)
REDIS_CHANNEL = "servicehall:hall"

_redis = None


def _redis_client():
    global _redis
    if _redis is None and settings.REDIS_URL:
        import redis

        _redis = redis.Redis.from_url(settings.REDIS_URL)
    return _redis


# Every issue, call, no-show, finish and transfer sends the waiting counts, read in its
# transaction from the counters the actions keep (TicketCounter.waiting): one row per
# queue, however long the line. Counting the waiting tickets instead took a step per
# ticket inside every writer's lock. One query with no ORM on the way: the ORM's two
# queries cost a third of issuing a ticket.
_WAITING_SQL = (
    "SELECT q.prefix, COALESCE(c.waiting, 0) FROM queueing_queue q "
    "LEFT JOIN queueing_ticketcounter c ON c.unit_id = q.unit_id AND c.queue_id = q.id "
    "AND c.service_day = %s WHERE q.unit_id = %s AND q.active = %s ORDER BY q.prefix"
)


def waiting_counts(unit_id: int, service_day, conn=None) -> dict[str, int]:
    """Waiting tickets of the day per active queue of the unit, by the queue's letter."""
    conn = conn or rows.connection()
    day = conn.ops.adapt_datefield_value(service_day)
    return dict(rows.fetchall(_WAITING_SQL, [day, unit_id, True], conn))


def emit(unit_id: int, kind: str, data: dict, conn=None) -> int:
    """Record the event with the change; announce it once the change commits. Its id."""
    # Every issue, call and finish emits: one INSERT written once (lib.rows), and no
    # model instance built on the way in.
    conn = conn or rows.connection()
    event_id = rows.insert_values(HallEvent, [unit_id, timezone.now(), kind, data], conn)
    conn.on_commit(lambda: _announce(event_id, unit_id, kind, data))
    return event_id


def _announce(event_id: int, unit_id: int, kind: str, data: dict) -> None:
    client = _redis_client()
    if client is None:
        return
    message = json.dumps({"id": event_id, "unit": unit_id, "kind": kind, "data": data})
    try:
        client.publish(REDIS_CHANNEL, message)
    except Exception:  # noqa: BLE001 - the outbox still holds it; pollers catch up
        log.warning("could not publish hall event %s to Redis", event_id, exc_info=True)
