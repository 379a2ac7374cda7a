"""Per-address limits of the public forms (case lookup, online application, complaint form
and tracking), kept in Django's cache.

Two kinds: a *quota* (at most ``limit`` events per ``window`` seconds, counted from the
first) and a *lockout* (``limit`` failures within ``window`` refuse the address for ``block``
seconds). The counts are in the "limits" cache (settings.CACHES), which every server
process shares: Redis, or a table of the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import caches


def client_address(request) -> str:
    # Behind a reverse proxy, REMOTE_ADDR must carry the client's address (see the README),
    # or every client shares one count.
    return request.META.get("REMOTE_ADDR", "")


@dataclass(frozen=True)
class AddressLimit:
    """``limit`` events per address in ``window`` seconds; with ``block``, reaching the
    limit refuses the address for ``block`` seconds and starts the count again."""

    name: str
    limit: int
    window: int
    block: int | None = None

    def _key(self, address: str) -> str:
        return f"limit:{self.name}:{address}"

    def refused(self, address: str) -> bool:
        cache = caches["limits"]
        if self.block is not None:
            return cache.get(f"{self._key(address)}:blocked") is not None
        return (cache.get(self._key(address)) or 0) >= self.limit

    def count(self, address: str) -> int:
        """Count one event; the window starts with the first."""
        cache = caches["limits"]
        key = self._key(address)
        cache.add(key, 0, timeout=self.window)
        try:
            events = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, events := 1, timeout=self.window)
        if self.block is not None and events >= self.limit:
            cache.set(f"{key}:blocked", True, timeout=self.block)
            cache.delete(key)
        return events
