"""Run the production server: gunicorn over WSGI.

Measured on these machines, Django under WSGI serves about seven times the requests
of the same code under ASGI, so the application is served over WSGI; live events get
their own small async process (the hall issue).
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
            "--workers", type=int, default=int(os.environ.get("WEB_WORKERS", os.cpu_count() or 2))
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 4)))

    def handle(self, *args, host, port, workers, threads, **options):
        argv = [
            sys.executable, "-m", "gunicorn", "servicehall.wsgi:application",
            "--bind", f"{host}:{port}",
            "--workers", str(workers),
            "--threads", str(threads),
            "--access-logfile", "-",
            "--graceful-timeout", "20",
        ]  # fmt: skip
        self.stdout.write(f"Serving on http://{host}:{port}/ with {workers} workers")
        self.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn
