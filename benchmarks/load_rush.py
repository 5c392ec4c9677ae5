"""The 08:00 rush: many visitors load availability and book the same popular days at once.

gunicorn (4 sync workers, rate limits off: this measures the app, not the limiter) on a fresh
PostgreSQL database of the shared test cluster; a business with 4 staff open every day
04:00-23:00 (its zone is chosen so that it is about 01:00 there now) and 3 services of 30
minutes. Locust runs headless in a second process (benchmarks/locust_rush.py): --availability
browsers each load a week of availability once a second, --bookers each book a slot on one of
the next two days once a second (409 when taken, then the first offered alternative once).

Reports p50/p95/p99 of availability and of booking (201 and 409 apart), bookings/s, answers
other than 200/201/409 (must be 0), and afterwards, from the database, bookings answered 201
that are missing and overlapping non-cancelled bookings of one staff member (both must be 0).
Writes benchmarks/results/load_rush.json and prints a Markdown table; exits 1 on a violation.

    .venv/bin/python benchmarks/load_rush.py [--duration 300] [--availability 50] [--bookers 5]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import conclude, machine, percentile, print_table  # noqa: E402
from tests.reliability.processes import cpu_seconds  # noqa: E402
from tests.reliability.stack import (OPEN_FROM, AppStack, StackOptions, double_bookings,  # noqa: E402
                                     missing_bookings, set_up_practice)

RESULTS = ROOT / "benchmarks" / "results" / "load_rush.json"
LOCUSTFILE = ROOT / "benchmarks" / "locust_rush.py"


def run_locust(stack: AppStack, practice, args: argparse.Namespace, out: Path) -> int:
    """Locust headless in its own process until --duration is over; its exit code."""
    config = {"slug": practice.slug, "zone": practice.zone, "service_ids": practice.service_ids,
              "staff_ids": practice.staff_ids, "duration": practice.duration_minutes, "opens": OPEN_FROM,
              "slots_per_day": len(practice.starts(1)), "popular_days": [1, 2], "availability_days": [0, 1, 2, 3],
              "range_days": args.range_days,
              "browsers": args.availability, "bookers": args.bookers, "out": str(out)}
    users = args.availability + args.bookers
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", stack.web_url,
               "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{args.duration}s",
               "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"]
    env = dict(os.environ, RUSH_CONFIG=json.dumps(config))
    with open(stack.processes.log_dir / "locust.log", "wb") as log:
        return subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT).returncode


def web_cpu_seconds(stack: AppStack) -> float:
    """CPU time the gunicorn workers have used so far (what one request costs, whatever the neighbours do)."""
    return sum(cpu_seconds(pid) for pid in stack.processes.children("web"))


def summarize(raw: dict, duration: float) -> dict:
    """Percentiles per request kind and status, rates, and the answers that count as errors."""
    timings = raw["timings_ms"]

    def figures(values: list[float]) -> dict:
        if not values:
            return {"n": 0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
        return {"n": len(values), "p50_ms": percentile(values, 0.50), "p95_ms": percentile(values, 0.95),
                "p99_ms": percentile(values, 0.99), "max_ms": max(values, default=0.0)}

    by_kind = {}
    for kind, ok in (("availability", {"200"}), ("booking", {"201", "409"})):
        mine = {key.split()[1]: values for key, values in timings.items() if key.split()[0] == kind}
        by_kind[kind] = figures([v for status, values in mine.items() if status in ok for v in values])
        by_kind[kind]["errors"] = {status: len(values) for status, values in mine.items() if status not in ok}
        by_kind[kind]["per_second"] = sum(len(v) for v in mine.values()) / duration
    for status in ("201", "409"):
        by_kind[f"booking {status}"] = figures(timings.get(f"booking {status}", []))
    by_kind["bookings_per_second"] = len(raw["booked_ids"]) / duration
    return by_kind


def report(summary: dict, checks: dict) -> list[list[str]]:
    rows = []
    for kind in ("availability", "booking", "booking 201", "booking 409"):
        s = summary[kind]
        rate = f"{s['per_second']:.1f}/s" if "per_second" in s else ""
        rows.append([kind, str(s["n"]), rate, f"{s['p50_ms']:.0f}", f"{s['p95_ms']:.0f}", f"{s['p99_ms']:.0f}",
                     f"{s['max_ms']:.0f}"])
    rows.append(["bookings made", str(checks["bookings"]), f"{summary['bookings_per_second']:.2f}/s", "", "", "", ""])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=300, help="seconds of rush")
    parser.add_argument("--availability", type=int, default=50, help="availability requests per second")
    parser.add_argument("--bookers", type=int, default=5, help="booking attempts per second (plus alternatives)")
    parser.add_argument("--range-days", type=int, default=7, help="days of availability per request")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--dispatchers", type=int, default=0, help="`flask worker` processes sending confirmations")
    args = parser.parse_args()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    load_before = os.getloadavg()
    log_dir = Path(tempfile.mkdtemp(prefix="booking-rush-"))
    options = StackOptions(web_workers=args.workers, dispatchers=args.dispatchers, private_postgres=False)
    with AppStack(log_dir, options) as stack:
        practice = set_up_practice(stack.api(), staff=4, services=3)
        out = log_dir / "locust-results.json"
        web_cpu = web_cpu_seconds(stack)
        exit_code = run_locust(stack, practice, args, out)
        web_cpu = web_cpu_seconds(stack) - web_cpu
        raw = json.loads(out.read_text())
        summary = summarize(raw, args.duration)
        answered = sum(len(v) for v in raw["timings_ms"].values())
        summary["web_cpu_ms_per_request"] = web_cpu * 1000 / max(1, answered)
        checks = {"bookings": len(raw["booked_ids"]),
                  "missing_bookings": len(missing_bookings(stack.outbox, raw["booked_ids"])),
                  "double_bookings": double_bookings(stack.outbox), "locust_exit_code": exit_code,
                  "log_problems": stack.log_problems()[:10]}
    errors = {kind: summary[kind]["errors"] for kind in ("availability", "booking") if summary[kind]["errors"]}
    violations = [f"answers other than 200/201/409: {errors}"] if errors else []
    violations += [f"{checks[k]} {k.replace('_', ' ')}" for k in ("missing_bookings", "double_bookings") if checks[k]]
    violations += [f"log: {line}" for line in checks["log_problems"]]
    result = {"started_at": started_at, "machine": machine(), "load_average_before": load_before,
              "load_average_after": os.getloadavg(), "arguments": vars(args), "summary": summary, "checks": checks,
              "violations": violations}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"08:00 rush, {args.duration} s, {args.availability} availability/s + {args.bookers} bookers/s, "
          f"gunicorn {args.workers} workers, PostgreSQL; {machine()}; load average "
          f"{' '.join(f'{x:.1f}' for x in load_before)} before")
    print_table(("request", "n", "rate", "p50 ms", "p95 ms", "p99 ms", "max ms"), report(summary, checks))
    achieved = summary["availability"]["per_second"]
    print(f"\navailability: {achieved:.1f} of the {args.availability} requests/s asked for (below: the server or "
          f"the machine was saturated); web worker CPU {summary['web_cpu_ms_per_request']:.1f} ms per request")
    print(f"errors other than 409: {sum(sum(e.values()) for e in errors.values())}; double bookings: "
          f"{checks['double_bookings']}; bookings answered 201 missing from the database: {checks['missing_bookings']}")
    return conclude(violations, RESULTS, log_dir)


if __name__ == "__main__":
    sys.exit(main())
