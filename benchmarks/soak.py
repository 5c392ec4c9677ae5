"""Soak: half an hour of mixed traffic against the production layout, watching memory.

gunicorn (4 sync workers, SCHEDULER=off) and TWO `flask worker` processes (both schedulers
running, sharing the outbox) on a fresh PostgreSQL database of the shared test cluster, mail
to an aiosmtpd server. Visitors load availability, book, cancel and reschedule their own
bookings, fetch calendar feeds (with If-None-Match) and report delays that queue notices.
Every --sample seconds the RSS of every process (gunicorn's master and workers, both
dispatchers) is sampled; the report gives each one's first and last RSS and the slope (least
squares, MB per hour) over the whole run and over its second half (after the warm-up).

At the end: no answer outside what each request may answer (200, 201, 409 taken, 304), no
traceback or error logged, every due notification sent and received exactly once by
Message-ID, none lost, none unknown. Writes benchmarks/results/soak.json; exits 1 on a violation.

    .venv/bin/python benchmarks/soak.py [--minutes 30] [--rate 20] [--sample 60]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from benchmarks.harness import conclude, machine, print_table  # noqa: E402
from tests.reliability.stack import AppStack, StackOptions, set_up_practice, wait_until_delivered  # noqa: E402
from tests.reliability.traffic import Traffic  # noqa: E402

MIX = {"availability": 50, "book": 20, "cancel": 8, "reschedule": 8, "feed": 10, "delay": 4}
RESULTS = ROOT / "benchmarks" / "results" / "soak.json"
MB = 1024 * 1024


def processes_to_watch(stack: AppStack) -> dict[str, int]:
    """name -> pid: gunicorn's master and workers, and the dispatchers."""
    watched = {"gunicorn master": stack.processes.process("web").pid}
    for number, pid in enumerate(sorted(stack.processes.children("web")), start=1):
        watched[f"gunicorn worker {number}"] = pid
    for name in ("worker1", "worker2"):
        watched[f"flask {name}"] = stack.processes.process(name).pid
    return watched


def sample(watched: dict[str, int], samples: dict[str, list], began: float) -> None:
    for name, pid in watched.items():
        try:
            rss = psutil.Process(pid).memory_info().rss
        except psutil.NoSuchProcess:  # gone: the end-of-run check reports it
            continue
        samples.setdefault(name, []).append((time.monotonic() - began, rss))


def slope_mb_per_hour(points: list[tuple[float, int]]) -> float:
    """Least-squares slope of RSS over time, in MB per hour (0 for fewer than two points)."""
    if len(points) < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / len(points)
    mean_r = sum(r for _, r in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return 0.0
    return sum((t - mean_t) * (r - mean_r) for t, r in points) / spread * 3600 / MB


def memory_rows(samples: dict[str, list]) -> list[dict]:
    rows = []
    for name, points in samples.items():
        late = points[len(points) // 2:]
        rows.append({"process": name, "start_mb": points[0][1] / MB, "end_mb": points[-1][1] / MB,
                     "slope_mb_per_hour": slope_mb_per_hour(points), "late_slope_mb_per_hour": slope_mb_per_hour(late),
                     "samples": len(points)})
    return rows


def soak(stack: AppStack, args: argparse.Namespace) -> tuple[Traffic, dict[str, list]]:
    practice = set_up_practice(stack.api(), staff=4, services=2)
    watched = processes_to_watch(stack)
    samples: dict[str, list] = {}
    began = time.monotonic()
    traffic = Traffic(stack.web_url, practice, MIX, rate=args.rate, visitors=args.visitors,
                      duration=args.minutes * 60, days=range(0, 4)).start()
    sample(watched, samples, began)
    while any(t.is_alive() for t in traffic.threads):
        time.sleep(min(args.sample, max(0.0, began + args.minutes * 60 - time.monotonic())) or 1)
        sample(watched, samples, began)
        stack.processes.check_alive("web", "worker1", "worker2")
    traffic.join()
    return traffic, samples


def judge(stack: AppStack, traffic: Traffic, deliver_within: float) -> tuple[dict, list[str]]:
    delivery = wait_until_delivered(stack.outbox, stack.inbox, deliver_within)
    time.sleep(1)
    unexpected = traffic.recorder.unexpected()
    checks = {"requests": {kind: {str(k): v for k, v in counts.items()}
                           for kind, counts in traffic.recorder.statuses().items()},
              "bookings_made": len(traffic.recorder.booking_ids), "notifications_sent": delivery.sent_rows,
              "messages_received": stack.inbox.count(), "waiting": delivery.waiting, "lost": len(delivery.lost),
              "duplicates": len(delivery.duplicates), "unknown": len(delivery.unknown),
              "not_sent": dict(delivery.not_sent), "log_problems": stack.log_problems()[:10]}
    violations = []
    if unexpected:
        violations.append(f"{len(unexpected)} unexpected answers, e.g. {[(r.kind, r.status, r.detail[:80]) for r in unexpected[:3]]}")
    for key in ("waiting", "lost", "duplicates", "unknown"):
        if checks[key]:
            violations.append(f"notifications {key}: {checks[key]}")
    if delivery.not_sent.get("failed"):
        violations.append(f"{delivery.not_sent['failed']} notifications failed")
    violations += [f"log: {line}" for line in checks["log_problems"]]
    return checks, violations


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=20, help="requests per second, all visitors together")
    parser.add_argument("--visitors", type=int, default=8)
    parser.add_argument("--sample", type=float, default=60, help="seconds between RSS samples")
    args = parser.parse_args()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    log_dir = Path(tempfile.mkdtemp(prefix="booking-soak-"))
    options = StackOptions(dispatchers=2, lease_seconds=300, private_postgres=False)
    with AppStack(log_dir, options) as stack:
        traffic, samples = soak(stack, args)
        checks, violations = judge(stack, traffic, deliver_within=120)
    memory = memory_rows(samples)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"started_at": started_at, "machine": machine(), "arguments": vars(args),
                                   "load_average_after": os.getloadavg(), "memory": memory, "checks": checks,
                                   "violations": violations}, indent=2) + "\n")
    print(f"soak, {args.minutes:g} min at {args.rate:g} requests/s, gunicorn 4 workers + 2 flask workers, "
          f"PostgreSQL; {machine()}")
    print_table(("process", "RSS start MB", "RSS end MB", "slope MB/h", "second half MB/h"),
                [[m["process"], f"{m['start_mb']:.1f}", f"{m['end_mb']:.1f}", f"{m['slope_mb_per_hour']:+.1f}",
                  f"{m['late_slope_mb_per_hour']:+.1f}"] for m in memory])
    answered = sum(sum(counts.values()) for counts in checks["requests"].values())
    print(f"\nrequests: {answered / (args.minutes * 60):.1f}/s of the {args.rate:g}/s asked for; {checks['requests']}")
    print(f"bookings made {checks['bookings_made']}; notifications sent {checks['notifications_sent']}, received "
          f"{checks['messages_received']}; lost {checks['lost']}, duplicates {checks['duplicates']}, "
          f"waiting {checks['waiting']}")
    return conclude(violations, RESULTS, log_dir)


if __name__ == "__main__":
    sys.exit(main())
