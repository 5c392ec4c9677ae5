"""Notification dispatch throughput: `flask worker` processes sending to a local SMTP sink.

For each worker count (default 1 and 2): a fresh migrated PostgreSQL database, the workers
started and idle (NOTIFY_POLL_SECONDS=1), then MESSAGES due email notifications committed at
once (confirmations with their calendar invitation and reminders, en/de/es, bulk-inserted),
and the time until the aiosmtpd sink (in this process, parsing headers only) has them all.
Prints messages/s from the first to the last delivery (steady state) and from the commit to
the last delivery (includes up to one poll interval), the workers' CPU per message, the
machine and its load average; checks every message arrived exactly once and every row is sent.

    .venv/bin/python benchmarks/dispatch_throughput.py [--messages 3000] [--workers 1 2]

Not part of the test run. Target: >= 200 messages/s with 2 workers on a 2-CPU machine.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.outbox_load import Outbox, migrate, seed_due_notifications  # noqa: E402
from tests.reliability.processes import Processes, app_env, cpu_seconds  # noqa: E402
from tests.support.databases import create_database, drop_database  # noqa: E402
from tests.support.smtp import SmtpServer  # noqa: E402


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} CPUs, {model}"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process on this machine so far (Linux /proc; 0 if not visible)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith("postgres"):
                    total += cpu_seconds(int(entry.name))
            except (OSError, ValueError):
                pass
    return total


def run(workers: int, messages: int, timeout: float) -> dict:
    url = create_database("booking_bench_dispatch")
    try:
        migrate(url)
        with SmtpServer(headers_only=True) as smtp, Processes(Path(tempfile.mkdtemp())) as procs, \
                Outbox(url) as outbox:
            env = app_env(url, smtp.port, NOTIFY_LEASE_SECONDS="300")
            names = [f"worker{n}" for n in range(workers)]
            for name in names:
                procs.worker(name, env)
            for name in names:
                procs.wait_for_output(name, "worker: running jobs")
            time.sleep(2)  # imports done, first (empty) poll behind them
            cpu_before = sum(cpu_seconds(procs.process(n).pid) for n in names)
            pg_before, own_before = postgres_cpu_seconds(), time.process_time()
            seeded = seed_due_notifications(url, messages)
            committed = time.monotonic()
            deadline = committed + timeout
            while smtp.inbox.count() < messages:
                procs.check_alive(*names)
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {smtp.inbox.count()} of {messages} after {timeout}s: "
                                       f"{outbox.statuses()}\n{procs.tails()}")
                time.sleep(0.05)
            cpu = sum(cpu_seconds(procs.process(n).pid) for n in names) - cpu_before
            pg_cpu, own_cpu = postgres_cpu_seconds() - pg_before, time.process_time() - own_before
            while outbox.statuses().get("sent", 0) < messages and time.monotonic() < deadline:
                time.sleep(0.05)
            first, last = smtp.inbox.arrived_at[0], smtp.inbox.arrived_at[-1]
            counts = smtp.inbox.message_id_counts()
            statuses = outbox.statuses()
            assert set(counts) == seeded.message_ids, "a message is missing or unknown"
            assert max(counts.values()) == 1, "a message arrived twice"
            assert statuses == {"sent": messages}, statuses
            return {"workers": workers, "steady": (messages - 1) / (last - first),
                    "end_to_end": messages / (last - committed), "cpu_ms": cpu * 1000 / messages,
                    "pg_ms": pg_cpu * 1000 / messages, "own_ms": own_cpu * 1000 / messages}
    finally:
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    print(f"machine: {machine()}; load average before: {load()}")
    for workers in args.workers:
        result = run(workers, args.messages, args.timeout)
        print(f"{workers} worker(s), {args.messages} messages: {result['steady']:.0f} messages/s "
              f"(first to last delivery), {result['end_to_end']:.0f} messages/s (commit to last), "
              f"CPU per message: workers {result['cpu_ms']:.2f} ms, PostgreSQL {result['pg_ms']:.2f} ms, "
              f"this process (SMTP sink, seeding, polling) {result['own_ms']:.2f} ms; load average now {load()}",
              flush=True)


if __name__ == "__main__":
    main()
