"""Gunicorn's threaded worker, taking a new connection only while one of its threads is free.

Every worker of ``servicehall serve`` waits on the one listening socket; when a client
connects, the kernel wakes them all and the quickest takes it, which is often the worker
that has just answered a request and so is busy again at once. A kiosk's or a counter
terminal's connection is kept alive and stays with the worker that took it. Four clients
connecting together to four workers of gunicorn's own gthread, 12 tries (``ss`` after
twenty requests each): one connection each in 1 try, all four on one worker in 1, three on
one in 3, two and two in 3, two on one in 4. A worker with several answered them in turn,
on one CPU, while another had nothing to do. With this worker: one each in 10 of 12.

This worker stops listening while all its threads have a request in hand and listens
again when one is free, so a connection opened while it is busy goes to a worker that is
not. Connections already kept alive are left where they are.
"""

from __future__ import annotations

from gunicorn.workers.gthread import ThreadWorker


class BalancedThreadWorker(ThreadWorker):
    """``gthread`` that listens for new connections only while a thread is free."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Requests handed to the thread pool and not yet finished (main thread only).
        self.requests_in_hand = 0

    def has_free_thread(self) -> bool:
        return self.requests_in_hand < self.cfg.threads

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled and self.has_free_thread())

    def enqueue_req(self, conn) -> None:
        self.requests_in_hand += 1
        super().enqueue_req(conn)
        if not self.has_free_thread():
            super().set_accept_enabled(False)

    def finish_request(self, conn, fs) -> None:
        # Called on the main thread once per enqueued request (it may enqueue the
        # connection's next request itself, which counts anew).
        self.requests_in_hand -= 1
        super().finish_request(conn, fs)
