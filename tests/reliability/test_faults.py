"""PostgreSQL restarted under traffic (issue 6): gunicorn with four workers and a `flask worker`
on a PostgreSQL server of the test's own (so the restart disturbs no other test), visitors
loading availability, booking and reporting delays; while the server is down the answers are
503, never 500 or nothing; afterwards everything recovers by itself, no booking answered 201 is
lost, every notification reaches the SMTP server exactly once, and no process logged a
traceback. Bounded: about a minute. The full set of faults is benchmarks/faults.py."""
from __future__ import annotations

import pytest

from tests.reliability.faults import final_checks, markdown, restart_postgres
from tests.reliability.stack import AppStack, StackOptions, set_up_practice
from tests.reliability.traffic import Traffic

pytestmark = pytest.mark.slow

MIX = {"availability": 6, "book": 3, "delay": 1}
DOWN_SECONDS = 3
RECOVER_WITHIN = 10


def test_a_postgresql_restart_under_traffic_answers_503_and_recovers_by_itself(tmp_path):
    with AppStack(tmp_path / "logs", StackOptions(lease_seconds=10)) as stack:
        practice = set_up_practice(stack.api())
        traffic = Traffic(stack.web_url, practice, MIX, rate=25, visitors=6, duration=60).start()
        try:
            restart = restart_postgres(stack, traffic, lambda: stack.pg.restart(down_seconds=DOWN_SECONDS),
                                       settle=4, recover_within=RECOVER_WITHIN)
        finally:
            traffic.stop()
        final = final_checks(stack, traffic)
        table = markdown([restart, final])
        print(table)
        assert not restart.violations and not final.violations, f"{table}\n{stack.processes.tails()}"
    assert restart.unavailable > 0 and restart.recovery_seconds <= RECOVER_WITHIN
    assert len(traffic.recorder.booking_ids) > 0
