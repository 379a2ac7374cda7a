"""A WSGI application for the balanced worker's test: ``/pid`` answers the serving
process's id; ``/busy`` first keeps its thread busy until the file named by
``PID_APP_RELEASE`` exists (30 s at most)."""

import os
import time
from pathlib import Path


def app(environ, start_response):
    if environ["PATH_INFO"] == "/busy":
        release = Path(os.environ["PID_APP_RELEASE"])
        deadline = time.monotonic() + 30
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
