"""The app's own processes, started for real: `flask --app wsgi worker` and a web process whose
embedded scheduler runs the same jobs. Output goes to log files (never a pipe that could fill
up and stall a process); every process is killed by its id when the group closes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support.servers import ROOT, free_port


def app_env(database_url: str, smtp_port: int, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port), SECRET_KEY="reliability",
               MAIL_FROM="praxis@load.test", BASE_URL="https://book.load.test", RATELIMIT_ENABLED="false",
               NOTIFY_POLL_SECONDS="1", NOTIFY_LEASE_SECONDS="10", SCHEDULER="off", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its waited-for children) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class Processes:
    """A group of subprocesses; `close()` (also on exit of the `with`) ends them all."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.started: list[tuple[str, subprocess.Popen, Path]] = []

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.log_dir / f"{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.started.append((name, process, log))
        return process

    def worker(self, name: str, env: dict[str, str]) -> subprocess.Popen:
        return self.spawn(name, [sys.executable, "-m", "flask", "--app", "wsgi", "worker"], env)

    def web_with_scheduler(self, name: str, env: dict[str, str], timeout: float = 60) -> str:
        """gunicorn (one sync worker) with SCHEDULER=embedded; /healthz once starts its scheduler."""
        return self.gunicorn(name, dict(env, SCHEDULER="embedded"), workers=1, timeout=timeout)

    def gunicorn(self, name: str, env: dict[str, str], workers: int = 4, timeout: float = 60) -> str:
        """gunicorn wsgi:app with `workers` sync workers (SCHEDULER as `env` says); its URL once healthy."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = self.spawn(name, [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
                                    f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning", "wsgi:app"],
                             env)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(url + "/healthz", timeout=10).status_code == 200:
                    return url
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not become healthy:\n{self.tail(name)}")
            time.sleep(0.2)

    def wait_for_output(self, name: str, text: str, timeout: float = 60) -> None:
        """Until the process printed `text` (the worker says "worker: running jobs")."""
        process, log = self._find(name)
        deadline = time.monotonic() + timeout
        while text not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not print {text!r}:\n{self.tail(name)}")
            time.sleep(0.1)

    def _find(self, name: str) -> tuple[subprocess.Popen, Path]:
        for found, process, log in self.started:
            if found == name:
                return process, log
        raise KeyError(name)

    def process(self, name: str) -> subprocess.Popen:
        return self._find(name)[0]

    def children(self, name: str) -> list[int]:
        """The pids of a process's children (gunicorn's workers), from /proc."""
        pid = self.process(name).pid
        try:
            return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except FileNotFoundError:
            return []

    def log_text(self, name: str) -> str:
        return self._find(name)[1].read_text(errors="replace")

    def tail(self, name: str, lines: int = 40) -> str:
        text = self._find(name)[1].read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def tails(self) -> str:
        return "\n".join(f"--- {name} (exit {process.poll()}) ---\n{self.tail(name)}"
                         for name, process, _ in self.started)

    def check_alive(self, *names: str) -> None:
        for name in names:
            if self.process(name).poll() is not None:
                raise AssertionError(f"{name} exited with {self.process(name).returncode}:\n{self.tail(name)}")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.process(name)
        if process.poll() is None:
            os.kill(process.pid, sig)
        if sig == signal.SIGKILL:
            process.wait(timeout=30)

    def close(self) -> None:
        """SIGTERM to each process group we started, then SIGKILL to whatever is left."""
        for _name, process, _log in self.started:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGCONT)
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        for _name, process, _log in self.started:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:  # the group too: gunicorn's worker, anything a process forked
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
