"""Fault scenarios against a running AppStack under traffic, each judged from what the clients
got and what the database and the SMTP server hold afterwards.

- `restart_postgres`: PostgreSQL stops (every session ends) and comes back. While it is down
  requests answer 503; none answers 500 or not at all; after it is back everything answers
  normally again within `recover_within` seconds, without anything being restarted.
- `kill_web_worker`: kill -9 one gunicorn worker; gunicorn starts a replacement and the
  requests go on (only the request the killed worker had in hand may go unanswered).
- `kill_dispatcher`: kill -9 the `flask worker` while notifications are queued, start a new
  one; the final check then finds every notification delivered (a killed dispatcher's claim
  waits for its lease), at most the one message in its hand twice, with the same Message-ID.
- `final_checks`: every booking answered 201 is in the database, no double booking, every due
  notification sent and received exactly once, no traceback or error in any process's log.

Used by tests/reliability/test_faults.py and benchmarks/faults.py.
"""
from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.reliability.stack import AppStack, check_delivery, double_bookings, missing_bookings, wait_until_delivered
from tests.reliability.traffic import EXPECTED, NO_ANSWER, Result, Traffic


@dataclass
class Report:
    """One scenario: what the clients got in its window, and what broke the rules."""

    name: str
    requests: int = 0
    ok: int = 0
    unavailable: int = 0  # 503
    server_errors: int = 0  # other 5xx
    no_answer: int = 0
    recovery_seconds: float | None = None
    violations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, results: list[Result], ok: Callable[[Result], bool]) -> None:
        self.requests = len(results)
        self.ok = sum(ok(r) for r in results)
        self.unavailable = sum(r.status == 503 for r in results)
        self.server_errors = sum(r.status >= 500 and r.status != 503 for r in results)
        self.no_answer = sum(r.status == NO_ANSWER for r in results)


def _window(traffic: Traffic, since: float) -> list[Result]:
    return [r for r in traffic.recorder.snapshot() if r.ended >= since]


def _healthy(result: Result) -> bool:
    return result.status in EXPECTED[result.kind]


def restart_postgres(stack: AppStack, traffic: Traffic, restart: Callable[[], None], settle: float = 5.0,
                     recover_within: float = 10.0) -> Report:
    """`restart()` stops PostgreSQL and starts it again (returning once it accepts connections)."""
    report = Report("PostgreSQL restart")
    began = time.monotonic()
    time.sleep(settle)
    down_at = time.monotonic()
    restart()
    up_at = time.monotonic()
    stack.reconnect()
    report.notes.append(f"down {up_at - down_at:.1f} s")
    # Until a request that began after the restart got a normal answer, then a while longer
    # (a 503 after that would still be seen and judged).
    while time.monotonic() < up_at + recover_within:
        if any(_healthy(r) and r.started > up_at for r in _window(traffic, up_at)):
            break
        time.sleep(0.2)
    time.sleep(settle)
    results = _window(traffic, began)
    report.count(results, _healthy)

    def during_outage(r: Result) -> bool:
        return r.ended >= down_at and r.started <= up_at + recover_within

    unavailable = [r for r in results if r.status == 503]
    report.recovery_seconds = max([r.ended - up_at for r in unavailable] + [0.0])
    late = [r for r in unavailable if not during_outage(r)]
    if late:
        report.violations.append(f"{len(late)} answers 503 outside the outage (+{recover_within:.0f} s)")
    if not unavailable:
        report.violations.append("no request met the outage (nothing was tested): make it longer or the rate higher")
    _check_answers(report, results, allowed_no_answer=0)
    if not any(_healthy(r) and r.started > up_at for r in results):
        report.violations.append(f"no normal answer within {recover_within:.0f} s after the outage")
    return report


def kill_web_worker(stack: AppStack, traffic: Traffic, settle: float = 5.0, replace_within: float = 30.0) -> Report:
    report = Report("kill -9 a gunicorn worker")
    began = time.monotonic()
    time.sleep(settle)
    before = stack.processes.children("web")
    victim = random.choice(before)
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    while True:
        now = stack.processes.children("web")
        if victim not in now and len(now) == len(before):
            report.notes.append(f"replaced in {time.monotonic() - killed_at:.1f} s")
            break
        if time.monotonic() - killed_at > replace_within:
            report.violations.append(f"gunicorn did not replace the killed worker within {replace_within:.0f} s")
            break
        time.sleep(0.1)
    time.sleep(settle)
    results = _window(traffic, began)
    report.count(results, _healthy)
    _check_answers(report, results, allowed_no_answer=1)  # the request the killed worker had in hand
    if not any(_healthy(r) and r.started > killed_at + 1 for r in results):
        report.violations.append("no normal answer after the kill")
    return report


def kill_dispatcher(stack: AppStack, traffic: Traffic, name: str, replacement: str, settle: float = 5.0) -> Report:
    """kill -9 dispatcher `name` while delay notices are queued; start `replacement`."""
    report = Report("kill -9 the flask worker")
    began = time.monotonic()
    time.sleep(settle)
    api = stack.api(traffic.visitors[0].practice.key)
    for staff_id in traffic.visitors[0].practice.staff_ids:  # a backlog for the dispatcher to be busy with
        api.call("POST", f"/api/v1/staff/{staff_id}/delay", {"minutes": 30})
    deadline = time.monotonic() + 10
    while not stack.outbox.in_flight() and time.monotonic() < deadline:  # until it holds a claim
        time.sleep(0.01)
    stack.processes.kill(name)
    held = len(stack.outbox.in_flight())  # claimed by the dead process: they wait for the lease
    report.notes.append(f"{held} claimed notifications left behind")
    stack.start_dispatcher(replacement)
    time.sleep(settle)
    results = _window(traffic, began)
    report.count(results, _healthy)
    _check_answers(report, results, allowed_no_answer=0)
    return report


def _check_answers(report: Report, results: list[Result], allowed_no_answer: int) -> None:
    if report.server_errors:
        samples = {r.detail[:120] for r in results if r.status >= 500 and r.status != 503}
        report.violations.append(f"{report.server_errors} answers 5xx other than 503: {sorted(samples)[:3]}")
    if report.no_answer > allowed_no_answer:
        report.violations.append(f"{report.no_answer} requests got no answer (allowed {allowed_no_answer})")
    others = [r for r in results if not _healthy(r) and r.status not in (503, NO_ANSWER) and r.status < 500]
    if others:
        report.violations.append(f"{len(others)} unexpected answers, e.g. {others[0].kind} {others[0].status}")


def final_checks(stack: AppStack, traffic: Traffic, dispatcher_kills: int = 0,
                 deliver_within: float | None = None) -> Report:
    """After the traffic stopped: bookings, double bookings, delivery by Message-ID, logs."""
    report = Report("afterwards: database, SMTP, logs")
    results = traffic.recorder.snapshot()
    report.count(results, _healthy)
    deadline = deliver_within if deliver_within is not None else stack.options.lease_seconds + 60
    delivery = wait_until_delivered(stack.outbox, stack.inbox, deadline)
    time.sleep(1)  # anything in flight at the last look lands in the inbox
    delivery = check_delivery(stack.outbox, stack.inbox)
    report.notes.append(f"{len(traffic.recorder.booking_ids)} bookings, {delivery.sent_rows} notifications sent, "
                        f"{stack.inbox.count()} received")
    missing = missing_bookings(stack.outbox, traffic.recorder.booking_ids)
    if missing:
        report.violations.append(f"{len(missing)} bookings answered 201 are not in the database: {missing[:5]}")
    doubles = double_bookings(stack.outbox)
    if doubles:
        report.violations.append(f"{doubles} pairs of overlapping bookings of one staff member")
    if delivery.waiting:
        report.violations.append(f"{delivery.waiting} due notifications still not sent after {deadline:.0f} s")
    if delivery.lost:
        report.violations.append(f"{len(delivery.lost)} notifications marked sent never arrived")
    if delivery.unknown:
        report.violations.append(f"{len(delivery.unknown)} messages arrived that the outbox does not know")
    if delivery.not_sent.get("failed"):
        report.violations.append(f"{delivery.not_sent['failed']} notifications failed")
    # A dispatcher killed between SMTP's 250 and its commit sends that one message again, with
    # the same Message-ID (a receiving server or client can drop it); nothing else may repeat.
    if sum(n - 1 for n in delivery.duplicates.values()) > dispatcher_kills:
        report.violations.append(f"delivered more than once: {delivery.duplicates}")
    elif delivery.duplicates:
        report.notes.append(f"{len(delivery.duplicates)} message(s) the killed dispatcher had in hand came twice "
                            "(same Message-ID)")
    report.violations.extend(f"log: {line}" for line in stack.log_problems()[:10])
    return report


def markdown(reports: list[Report]) -> str:
    lines = ["| scenario | requests | normal | 503 | other 5xx | no answer | recovered after | result |",
             "|---|---|---|---|---|---|---|---|"]
    for r in reports:
        recovery = "" if r.recovery_seconds is None else f"{r.recovery_seconds:.1f} s"
        result = "ok" if not r.violations else "FAILED"
        notes = f" ({'; '.join(r.notes)})" if r.notes else ""
        lines.append(f"| {r.name}{notes} | {r.requests} | {r.ok} | {r.unavailable} | {r.server_errors} | "
                     f"{r.no_answer} | {recovery} | {result} |")
    for r in reports:
        lines.extend(f"- {r.name}: {v}" for v in r.violations)
    return "\n".join(lines)
