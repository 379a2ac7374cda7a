"""The production server's worker takes new connections only while a thread is free
(lib.balanced_worker): a kiosk connecting while one worker is busy is served by another
at once, instead of waiting behind the busy worker's request."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from servicehall.bench.http import Connection, free_port, get
from servicehall.lib.balanced_worker import BalancedThreadWorker

WORKER_CLASS = "servicehall.lib.balanced_worker.BalancedThreadWorker"


@pytest.fixture
def two_workers(tmp_path):
    """gunicorn with two one-thread workers of the balanced class, serving pid_app; the
    port and the file that releases a ``/busy`` request."""
    port = free_port()
    release = tmp_path / "release"
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "servicehall.lib.tests.pid_app:app",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "1",
            "--worker-class",
            WORKER_CLASS,
        ],  # fmt: skip
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PID_APP_RELEASE": str(release)},
    )
    try:
        pids = set()
        deadline = time.monotonic() + 30
        # Both workers up: fresh connections until each has answered one.
        while len(pids) < 2:
            assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            try:
                pids.add(_pid(port))
            except OSError:
                time.sleep(0.1)
        yield port, release
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _pid(port: int) -> bytes:
    """The id of the worker that answers a fresh connection."""
    connection = Connection(port)
    try:
        status, body = connection.request(get("/pid", port))
        assert status == 200
        return body
    finally:
        connection.close()


def test_a_new_connection_goes_to_the_worker_that_is_free(two_workers):
    port, release = two_workers
    busy = Connection(port)
    try:
        busy_pid = busy.request(get("/pid", port))[1]
        # The same kept-alive connection now keeps its worker's one thread busy until the
        # file is made.
        busy.sock.sendall(get("/busy", port))
        time.sleep(0.2)
        answered_by = [_pid(port) for _ in range(8)]
        release.touch()
        assert busy._read() == (200, busy_pid)
    finally:
        release.touch()
        busy.close()
    # Each was answered, by the other worker, while the busy one was still busy.
    assert busy_pid not in answered_by


class _Config:
    threads = 1


def test_the_worker_stops_listening_while_its_threads_are_all_busy(monkeypatch):
    """Without a server: the listening socket leaves the poller when the last free thread
    takes a request and comes back when it is done."""
    import selectors
    from concurrent import futures

    worker = BalancedThreadWorker.__new__(BalancedThreadWorker)
    worker.cfg = _Config()
    worker.requests_in_hand = 0
    worker._accepting = False
    worker.poller = selectors.DefaultSelector()
    worker.tpool = futures.ThreadPoolExecutor(max_workers=1)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    worker.sockets = [listener]
    finished = []
    monkeypatch.setattr(
        "gunicorn.workers.gthread.ThreadWorker.enqueue_req", lambda self, conn: None
    )
    monkeypatch.setattr(
        "gunicorn.workers.gthread.ThreadWorker.finish_request",
        lambda self, conn, fs: finished.append(conn),
    )

    def listening() -> bool:
        return listener in [key.fileobj for key in worker.poller.get_map().values()]

    try:
        worker.set_accept_enabled(True)
        assert listening()
        worker.enqueue_req("a connection")
        assert not listening()
        # The loop asks again on each turn; the worker keeps out while busy.
        worker.set_accept_enabled(True)
        assert not listening()
        worker.finish_request("a connection", None)
        assert finished == ["a connection"]
        worker.set_accept_enabled(True)
        assert listening()
    finally:
        worker.tpool.shutdown()
        listener.close()
