"""Traffic against the running app: visitor threads that load availability, book, cancel,
reschedule, report delays and fetch feeds at a paced rate, recording every answer with its time.

Each visitor cancels and reschedules only its own bookings, so the only clashes are the
ones real visitors have (two people wanting the same slot: 409), never two threads changing
one booking. A request that gets no answer at all (connection refused or reset, timeout) is
recorded with status -1.
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from tests.reliability.stack import Practice

# What each kind of request may answer in a healthy run (503 is judged by the fault scenarios).
EXPECTED = {"availability": {200}, "book": {201, 409}, "delay": {200}, "cancel": {200},
            "reschedule": {200, 409}, "feed": {200, 304}}
NO_ANSWER = -1


@dataclass(frozen=True)
class Result:
    kind: str
    status: int
    started: float  # time.monotonic()
    ended: float
    detail: str = ""

    @property
    def ms(self) -> float:
        return (self.ended - self.started) * 1000


class Recorder:
    """Every answer, and the ids of the bookings that were answered 201."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.results: list[Result] = []
        self.booking_ids: list[int] = []

    def add(self, result: Result, booking_id: int | None = None) -> None:
        with self.lock:
            self.results.append(result)
            if booking_id is not None:
                self.booking_ids.append(booking_id)

    def snapshot(self) -> list[Result]:
        with self.lock:
            return list(self.results)

    def statuses(self) -> dict[str, Counter]:
        counts: dict[str, Counter] = defaultdict(Counter)
        for result in self.snapshot():
            counts[result.kind][result.status] += 1
        return counts

    def unexpected(self, allowed=lambda result: False) -> list[Result]:
        """Answers outside EXPECTED that `allowed` does not excuse (a 503 during an outage)."""
        return [r for r in self.snapshot() if r.status not in EXPECTED[r.kind] and not allowed(r)]


class Visitor:
    """One client with its own session and its own bookings (manage tokens)."""

    def __init__(self, base_url: str, practice: Practice, recorder: Recorder, days: range, seed: int) -> None:
        self.base, self.practice, self.recorder, self.days = base_url, practice, recorder, days
        self.session = requests.Session()
        self.rng = random.Random(seed)
        self.tokens: list[str] = []
        self.feed_path: str | None = None
        self.etag: str | None = None

    def _call(self, kind: str, method: str, path: str, **kwargs) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = self.session.request(method, self.base + path, timeout=30, **kwargs)
        except requests.RequestException as exc:
            self.recorder.add(Result(kind, NO_ANSWER, started, time.monotonic(), type(exc).__name__))
            return None
        booking_id = None
        if kind == "book" and response.status_code == 201:
            body = response.json()
            booking_id = body["id"]
            self.tokens.append(body["manage_token"])
        detail = response.text[:200] if response.status_code >= 500 else ""
        self.recorder.add(Result(kind, response.status_code, started, time.monotonic(), detail), booking_id)
        return response

    def _key(self) -> dict:
        return {"Authorization": f"Bearer {self.practice.key}"}

    def _start(self) -> str:
        return self.rng.choice(self.practice.starts(self.rng.choice(self.days)))

    def availability(self) -> None:
        first = self.practice.day(self.rng.choice(self.days))
        service = self.rng.choice(self.practice.service_ids)
        self._call("availability", "GET", f"/api/v1/public/{self.practice.slug}/availability",
                   params={"service": service, "staff": "any", "from": first.isoformat(), "to": first.isoformat()})

    def book(self) -> None:
        staff = self.rng.choice([None, *self.practice.staff_ids])
        body = {"service_id": self.rng.choice(self.practice.service_ids), "staff_id": staff, "start": self._start(),
                "customer": {"name": "Rush Visitor", "email": f"v{self.rng.getrandbits(40):x}@load.test"}}
        self._call("book", "POST", f"/api/v1/public/{self.practice.slug}/bookings", json=body)

    def delay(self) -> None:
        staff = self.rng.choice(self.practice.staff_ids)
        self._call("delay", "POST", f"/api/v1/staff/{staff}/delay", json={"minutes": self.rng.choice([0, 15, 25])},
                   headers=self._key())

    def cancel(self) -> None:
        if not self.tokens:
            return self.book()
        token = self.tokens.pop(self.rng.randrange(len(self.tokens)))
        self._call("cancel", "POST", f"/api/v1/manage/{token}/cancel")

    def reschedule(self) -> None:
        if not self.tokens:
            return self.book()
        token = self.rng.choice(self.tokens)
        self._call("reschedule", "POST", f"/api/v1/manage/{token}/reschedule", json={"start": self._start()})

    def feed(self) -> None:
        if self.feed_path is None:
            staff = self.rng.choice(self.practice.staff_ids)
            answer = self.session.get(f"{self.base}/api/v1/staff/{staff}/feed", headers=self._key(), timeout=30)
            if answer.status_code != 200:
                return
            parts = urlsplit(answer.json()["url"])  # absolute under BASE_URL: ask our server instead
            self.feed_path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"If-None-Match": self.etag} if self.etag and self.rng.random() < 0.5 else {}
        response = self._call("feed", "GET", self.feed_path, headers=headers)
        if response is not None and response.status_code == 200:
            self.etag = response.headers.get("ETag")


class Traffic:
    """`visitors` threads doing `mix` (kind -> weight) at `rate` requests/s in all, until stopped
    or `duration` seconds have passed. `start()`, `stop()`, `join()`; answers in `recorder`."""

    def __init__(self, base_url: str, practice: Practice, mix: dict[str, float], rate: float, visitors: int = 8,
                 duration: float = 60.0, days: range = range(0, 3), seed: int = 1) -> None:
        self.recorder = Recorder()
        self.mix, self.rate, self.duration = mix, rate, duration
        self.stopping = threading.Event()
        self.visitors = [Visitor(base_url, practice, self.recorder, days, seed * 1000 + n) for n in range(visitors)]
        self.threads = [threading.Thread(target=self._run, args=(v,), daemon=True) for v in self.visitors]

    def start(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.join()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=60)
        for visitor in self.visitors:
            visitor.session.close()

    def _run(self, visitor: Visitor) -> None:
        interval = len(self.visitors) / self.rate
        kinds, weights = list(self.mix), list(self.mix.values())
        began = time.monotonic()
        tick = began + visitor.rng.random() * interval  # spread the visitors over the first interval
        while not self.stopping.is_set() and time.monotonic() - began < self.duration:
            pause = tick - time.monotonic()
            if pause > 0 and self.stopping.wait(pause):
                break
            # After a stall (an outage) carry on at the rate instead of firing the missed requests at once.
            tick = max(tick, time.monotonic() - interval) + interval
            getattr(visitor, visitor.rng.choices(kinds, weights)[0])()
