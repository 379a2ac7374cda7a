"""``servicehall eventstream``: serve the hall's live events to the displays (SSE)."""

from __future__ import annotations

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from servicehall.queueing.eventstream import KEEPALIVE_SECONDS, EventStream


class Command(BaseCommand):
    help = (
        "Serve the hall's live events as Server-Sent Events at /hall/events/<unit code>, "
        "beside the WSGI server. With REDIS_URL set, events are pushed as they are published; "
        "without it, the outbox is polled."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument(
            "--poll-ms",
            type=int,
            default=None,
            help="how often the outbox is read (default 100 ms; 1000 ms with Redis)",
        )
        parser.add_argument(
            "--keepalive",
            type=float,
            default=KEEPALIVE_SECONDS,
            help=f"seconds between keep-alive comments (default {KEEPALIVE_SECONDS:.0f})",
        )

    def handle(self, *args, host, port, poll_ms, keepalive, **options):
        if poll_ms is not None and poll_ms < 10:
            self.stderr.write("--poll-ms must be at least 10")
            raise SystemExit(2)
        stream = EventStream(
            redis_url=settings.REDIS_URL,
            poll_seconds=poll_ms / 1000 if poll_ms else None,
            keepalive_seconds=keepalive,
        )
        asyncio.run(self._serve(stream, host, port))

    async def _serve(self, stream: EventStream, host: str, port: int) -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stopping.set)
        port = await stream.start(host, port)
        every = f"every {stream.poll_seconds * 1000:.0f} ms"
        if stream.redis_url:
            source = f"Redis channel {stream.channel}, and the outbox {every}"
        else:
            source = f"polling the outbox {every}"
        self.stdout.write(f"Hall events on http://{host}:{port}/hall/events/<unit code> ({source})")
        self.stdout.flush()
        await stopping.wait()
        await stream.stop()
