"""Run the production server: gunicorn over WSGI.

Measured on these machines, Django under WSGI serves about seven times the requests
of the same code under ASGI, so the application is served over WSGI; live events get
their own small async process (the hall issue).

By default two processes per CPU with one thread each: with SQLite's one write lock, threads
of one process hand the GIL to each other while one of them waits for the lock. Measured
here (``python -m servicehall.bench.http``, 2 CPUs), four workers of one thread served about
500 tickets or 490 visit requests a second where two workers of four threads served 300-420
and 340-390, and the trivial view faster too. The worker class is gthread's, whose
connections are kept alive and whose idle clients wait in its poller, not in the thread,
except that a worker takes a new connection only while its thread is free
(``lib.balanced_worker``, which says how often kept-alive connections had piled on one
worker while another idled; with it, the CPUs of the HTTP benchmark's issuing phase were
idle 5 % of the time instead of 20-30 %). No request waits for long (the live events are
the event stream's).
"""

import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve ServiceHall with gunicorn (WSGI)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_WORKERS", 2 * (os.cpu_count() or 1))),
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 1)))

    def handle(self, *args, host, port, workers, threads, **options):
        argv = [
            sys.executable, "-m", "gunicorn", "servicehall.wsgi:application",
            "--bind", f"{host}:{port}",
            "--workers", str(workers),
            "--worker-class", "servicehall.lib.balanced_worker.BalancedThreadWorker",
            "--threads", str(threads),
            "--access-logfile", "-",
            "--graceful-timeout", "20",
        ]  # fmt: skip
        self.stdout.write(f"Serving on http://{host}:{port}/ with {workers} workers")
        self.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn
