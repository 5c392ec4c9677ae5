"""Faults under traffic, repeatable: gunicorn (4 workers), `flask worker`, aiosmtpd and a fresh
PostgreSQL database; visitors load availability, book (409 when taken) and report delays that
queue notices; then, one after the other:

  (a) PostgreSQL is restarted: while it is down the answers are 503 (counted), never 500 or
      nothing; afterwards everything answers normally again within --recover-within seconds;
  (b) kill -9 one gunicorn worker: gunicorn replaces it and the requests go on;
  (c) kill -9 the `flask worker` while notices are queued, and start a new one.

Afterwards: every booking answered 201 is in the database, no double booking, every due
notification arrived exactly once by Message-ID (the one message the killed dispatcher may
have had in hand between SMTP's 250 and its commit comes twice, with the same Message-ID, after
its lease of --lease seconds), and no process logged a traceback or an error. Prints a table;
exits 1 on any violation.

By default PostgreSQL is a server of the run's own (initdb in a temporary directory, a free
port), so restarting it disturbs nobody else on the machine. --shared-cluster 15/main restarts
the installed cluster instead (`pg_ctlcluster 15 main stop`/`start`): every other database on
it loses its connections too, so only when nothing else runs.

    .venv/bin/python benchmarks/faults.py [--rate 25] [--down-seconds 3] [--shared-cluster 15/main]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import machine  # noqa: E402
from tests.reliability.faults import (final_checks, kill_dispatcher, kill_web_worker, markdown,  # noqa: E402
                                      restart_postgres)
from tests.reliability.stack import AppStack, StackOptions, set_up_practice  # noqa: E402
from tests.reliability.traffic import Traffic  # noqa: E402
from tests.support.databases import ensure_postgres_running  # noqa: E402

MIX = {"availability": 6, "book": 3, "delay": 1}
RESULTS = ROOT / "benchmarks" / "results" / "faults.json"


def shared_cluster_restart(cluster: str, down_seconds: float):
    version, name = cluster.split("/")

    def restart() -> None:
        ctl = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name]
        if down_seconds <= 0:
            subprocess.run([*ctl, "restart"], check=True)
        else:
            subprocess.run([*ctl, "stop", "--mode", "fast"], check=True)
            time.sleep(down_seconds)
            subprocess.run([*ctl, "start"], check=True)
        ensure_postgres_running()  # until it accepts connections
    return restart


def run(args: argparse.Namespace, log_dir: Path) -> list:
    options = StackOptions(lease_seconds=args.lease, private_postgres=args.shared_cluster is None)
    with AppStack(log_dir, options) as stack:
        practice = set_up_practice(stack.api())
        traffic = Traffic(stack.web_url, practice, MIX, rate=args.rate, visitors=args.visitors,
                          duration=3600).start()
        if stack.pg is not None:
            restart = lambda: stack.pg.restart(down_seconds=args.down_seconds)  # noqa: E731
        else:
            restart = shared_cluster_restart(args.shared_cluster, args.down_seconds)
        try:
            reports = [restart_postgres(stack, traffic, restart, settle=args.settle, recover_within=args.recover_within),
                       kill_web_worker(stack, traffic, settle=args.settle),
                       kill_dispatcher(stack, traffic, "worker1", "worker2", settle=args.settle)]
        finally:
            traffic.stop()
        reports.append(final_checks(stack, traffic, dispatcher_kills=1))
        if any(r.violations for r in reports):
            print(stack.processes.tails())
    return reports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=25, help="requests per second, all visitors together")
    parser.add_argument("--visitors", type=int, default=8)
    parser.add_argument("--down-seconds", type=float, default=3, help="how long PostgreSQL stays stopped")
    parser.add_argument("--recover-within", type=float, default=10, help="seconds after PostgreSQL is back")
    parser.add_argument("--settle", type=float, default=5, help="traffic before and after each fault")
    parser.add_argument("--lease", type=int, default=15, help="NOTIFY_LEASE_SECONDS of the dispatchers")
    parser.add_argument("--shared-cluster", metavar="VERSION/NAME", help="restart this installed cluster instead")
    parser.add_argument("--logs", type=Path, help="keep the processes' logs here")
    args = parser.parse_args()
    print(f"machine: {machine()}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    log_dir = args.logs or Path(tempfile.mkdtemp(prefix="booking-faults-"))
    reports = run(args, log_dir)
    table = markdown(reports)
    print(table)
    print(f"logs: {log_dir}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": machine(), "arguments": {k: str(v) for k, v in vars(args).items()},
                                   "reports": [asdict(r) for r in reports]}, indent=2) + "\n")
    return 1 if any(r.violations for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
