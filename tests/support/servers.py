"""Running the app for real: an in-process threaded server, or gunicorn with several workers."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThreadedServer:
    """The Flask app served by werkzeug in a background thread of the test process."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


class Gunicorn:
    """`gunicorn wsgi:app` with `workers` processes against `database_url`."""

    def __init__(self, database_url: str, workers: int = 4, extra_env: dict | None = None,
                 config_file: str | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, DATABASE_URL=database_url, RATELIMIT_ENABLED="false",
                        SCHEDULER="off", SECRET_KEY="test-secret", **(extra_env or {}))
        config = ["-c", config_file] if config_file else []
        self.args = [sys.executable, "-m", "gunicorn", *config, "--workers", str(workers), "--bind",
                     f"127.0.0.1:{self.port}", "--timeout", "60", "--log-level", "warning", "wsgi:app"]
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        """Start, wait until healthy (slow worker boots answer late, not refuse), warm every worker."""
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env)
        try:
            self._wait_healthy(deadline=time.monotonic() + 90)
            with ThreadPoolExecutor(max_workers=4 * self.workers) as pool:
                list(pool.map(lambda _: requests.get(self.url + "/healthz", timeout=30), range(4 * self.workers)))
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_healthy(self, deadline: float) -> None:
        while True:
            try:
                if requests.get(self.url + "/healthz", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not become healthy")
            time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
