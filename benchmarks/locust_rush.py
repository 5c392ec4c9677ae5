"""Locust users of the 08:00 rush (run by benchmarks/load_rush.py, which sets RUSH_CONFIG).

Imports nothing from the app: locust runs on gevent in a process of its own. Two kinds of user,
each starting one request a second on average at random moments (a Poisson process, as independent
visitors arrive; locust's constant_throughput would keep users started together in lockstep, so
every second would begin with all of them at once), so their counts are the rates:
- Browser: loads RUSH_CONFIG's range_days (a week) of availability (`staff=any`) from one of the next days;
- Booker: books a slot on one of the popular days; on 409 it takes the first alternative the
  answer offers, as a visitor would, once.
A 409 counts as a success (the slot was taken: expected); anything else but 200/201 is a
failure. Every answer's status and time goes to the file RUSH_CONFIG names, at the end.
"""
from __future__ import annotations

import json
import os
import random
import time
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from locust import HttpUser, events, task

CONFIG = json.loads(os.environ.get("RUSH_CONFIG", "{}"))
TIMINGS: dict[str, list[float]] = defaultdict(list)  # "<name> <status>" -> milliseconds
BOOKED: list[int] = []


def local_day(offset: int) -> date:
    return (datetime.now(timezone.utc).astimezone(ZoneInfo(CONFIG["zone"])) + timedelta(days=offset)).date()


def poisson_arrivals(rate_per_second: float):
    """A locust wait_time: the next request starts an exponential gap after the previous one
    started (not after it ended), so each user is a Poisson source of `rate_per_second`."""

    def wait(user) -> float:
        now = time.monotonic()
        planned = getattr(user, "_next_start", now) + random.expovariate(rate_per_second)
        user._next_start = max(planned, now)
        return user._next_start - now

    return wait


def record(name: str, response) -> None:
    TIMINGS[f"{name} {response.status_code}"].append(response.request_meta["response_time"])


class Browser(HttpUser):
    wait_time = poisson_arrivals(1.0)
    fixed_count = int(CONFIG.get("browsers", 0))

    @task
    def week_of_availability(self) -> None:
        first = local_day(random.choice(CONFIG["availability_days"]))
        params = {"service": random.choice(CONFIG["service_ids"]), "staff": "any", "from": first.isoformat(),
                  "to": (first + timedelta(days=CONFIG["range_days"] - 1)).isoformat()}
        with self.client.get(f"/api/v1/public/{CONFIG['slug']}/availability", params=params, name="availability",
                             catch_response=True) as response:
            record("availability", response)
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")


class Booker(HttpUser):
    wait_time = poisson_arrivals(1.0)
    fixed_count = int(CONFIG.get("bookers", 0))

    def _post(self, body: dict):
        with self.client.post(f"/api/v1/public/{CONFIG['slug']}/bookings", json=body, name="booking",
                              catch_response=True) as response:
            record("booking", response)
            if response.status_code == 201:
                BOOKED.append(response.json()["id"])
            elif response.status_code == 409:
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            return response

    @task
    def book_a_popular_day(self) -> None:
        tz = ZoneInfo(CONFIG["zone"])
        day = local_day(random.choice(CONFIG["popular_days"]))
        opens = datetime.strptime(CONFIG["opens"], "%H:%M").time()
        start = datetime.combine(day, opens, tz) + timedelta(minutes=CONFIG["duration"] * random.randrange(
            CONFIG["slots_per_day"]))
        body = {"service_id": random.choice(CONFIG["service_ids"]), "staff_id": random.choice(
            [None, *CONFIG["staff_ids"]]), "start": start.isoformat(),
            "customer": {"name": "Rush Visitor", "email": f"r{random.getrandbits(48):x}@rush.test"}}
        response = self._post(body)
        if response.status_code == 409 and response.json().get("alternatives"):
            alternative = response.json()["alternatives"][0]
            self._post(dict(body, start=alternative["start"], staff_id=alternative["staff_ids"][0]))


@events.test_stop.add_listener
def write_results(**_kwargs) -> None:
    with open(CONFIG["out"], "w", encoding="utf-8") as out:
        json.dump({"timings_ms": TIMINGS, "booked_ids": BOOKED}, out)
