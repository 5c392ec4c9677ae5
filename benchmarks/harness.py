"""What the benchmarks share: a fresh database of each kind with the app migrated onto it, gunicorn
on a real socket, sequential timed requests with the worker's CPU time, percentiles, and a line
about the machine (a busy neighbour doubles p95, so every report names the machine and its load).

Not part of the test run; imported by the benchmark scripts in this folder.
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import requests

from booking import create_app
from booking.extensions import db
from tests.support.databases import create_database, drop_database
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0))
    return f"{os.cpu_count()} CPUs (nproc {nproc}), {model}, Python {platform.python_version()}"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the value below which `share` of the values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def migrated_app(database_url: str, **config):
    """The app on `database_url`, migrated to the newest schema (scheduler off)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SCHEDULER": "off", **config})
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()
    return app


def on_each_database(only: str | None, postgres_name: str, bench: Callable[[str, str], dict]) -> list[dict]:
    """bench(name, database_url) on a fresh SQLite file and then on a fresh PostgreSQL database of
    the test cluster (dropped afterwards); `only` ("sqlite" or "postgresql") runs just one."""
    results = []
    if only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(bench("SQLite", f"sqlite:///{tmp}/bench.sqlite3"))
    if only in (None, "postgresql"):
        url = create_database(postgres_name)
        try:
            results.append(bench("PostgreSQL", url))
        finally:
            drop_database(url)
    return results


class Server:
    """gunicorn wsgi:app with a few workers; waits until /healthz answers."""

    def __init__(self, database_url: str, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, DATABASE_URL=database_url, RATELIMIT_ENABLED="false", SCHEDULER="off",
                   SECRET_KEY="bench-secret")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "120", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(self.url + "/healthz", timeout=10).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("gunicorn did not become healthy")
            time.sleep(0.2)

    def worker_cpu_seconds(self) -> float:
        """User + system CPU time of the worker processes so far (Linux /proc)."""
        total = 0.0
        for pid in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def warm_up(session: requests.Session, url: str, times: int = 10) -> requests.Response:
    """GETs `url` a few times (imports, caches, template compilation, connection pool); the last answer."""
    for _ in range(times):
        response = session.get(url, timeout=60)
        assert response.status_code == 200, (response.status_code, response.text[:500])
    return response


@dataclass(frozen=True)
class Timings:
    ms: list[float]  # wall time per request, as the client saw it
    worker_cpu_ms: float  # the server's worker CPU per request
    last: requests.Response

    def summary(self) -> dict[str, float]:
        return {"p50": percentile(self.ms, 0.50), "p95": percentile(self.ms, 0.95), "max": max(self.ms),
                "n": len(self.ms), "cpu": self.worker_cpu_ms}


def time_requests(server: Server, session: requests.Session, url: str, count: int) -> Timings:
    """`count` sequential GETs of `url`, each checked for 200."""
    timings = []
    cpu_before = server.worker_cpu_seconds()
    for _ in range(count):
        started = time.perf_counter()
        response = session.get(url, timeout=60)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (response.status_code, response.text[:500])
    cpu_ms = (server.worker_cpu_seconds() - cpu_before) * 1000 / count
    return Timings(timings, cpu_ms, response)


def print_table(header: tuple[str, ...], rows: list[list[str]]) -> None:
    """A Markdown table, as the README quotes the figures."""
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def conclude(violations: list[str], results: Path, log_dir: Path) -> int:
    """Print each violation and where the results and the processes' logs are; the exit code."""
    for line in violations:
        print(f"VIOLATION: {line}")
    print(f"results: {results.relative_to(ROOT)}; logs: {log_dir}")
    return 1 if violations else 0
