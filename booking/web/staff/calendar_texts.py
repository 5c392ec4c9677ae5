"""The texts a calendar page repeats, each worked out once per request.

Babel's time formatting and Flask-Babel's gettext cost tens of microseconds a call, and a busy
practice day draws 300 bookings that share a few dozen distinct times and five statuses, so the
day view asks this memo instead of formatting in the template (see benchmarks/day_view.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from booking.operations.calendar_view import CalendarBooking
from booking.operations.availability import epoch
from booking.web.display import person_text, status_text, time_text


@dataclass(frozen=True)
class Shown:
    """A booking as the calendar draws it, with its texts."""

    booking: CalendarBooking
    who: str  # the customer's name; an erased customer's placeholder in the page's language
    start: str  # "9:00 AM"
    when: str  # "9:00 AM–9:30 AM"
    state: str | None  # the status in words, unless confirmed (the usual case says nothing)
    late: str | None  # "expected 9:20 AM" while the practice runs late
    conflict: bool  # an imported busy time overlaps it and nobody has resolved that yet


class CalendarTexts:
    """Memoised time and status texts in the business's zone and the page's language."""

    def __init__(self, tz_name: str, conflicted: frozenset[int]) -> None:
        self.tz_name, self.conflicted = tz_name, conflicted
        self._times: dict[int, str] = {}
        self._spans: dict[tuple[int, int], str] = {}
        self._states: dict[str, str] = {}

    def time(self, moment: datetime | int) -> str:
        seconds = moment if isinstance(moment, int) else epoch(moment)
        if seconds not in self._times:
            self._times[seconds] = time_text(seconds, self.tz_name)
        return self._times[seconds]

    def span(self, start: datetime | int, end: datetime | int) -> str:
        """"9:00 AM–9:30 AM"."""
        key = (start if isinstance(start, int) else epoch(start), end if isinstance(end, int) else epoch(end))
        if key not in self._spans:
            self._spans[key] = _("%(start)s–%(end)s", start=self.time(key[0]), end=self.time(key[1]))
        return self._spans[key]

    def hours(self, spans: list[tuple[int, int]]) -> str:
        """A column's working hours, "9:00 AM–12:00 PM, 1:00 PM–5:00 PM", or "Not working"."""
        return ", ".join(self.span(s, e) for s, e in spans) if spans else _("Not working")

    def shown(self, booking: CalendarBooking) -> Shown:
        if booking.status not in self._states:
            self._states[booking.status] = status_text(booking.status)
        estimated = booking.estimated_start
        late = (_("expected %(time)s", time=self.time(estimated))
                if booking.status == "confirmed" and estimated and estimated != booking.start else None)
        return Shown(booking, person_text(booking.customer_name), self.time(booking.start),
                     self.span(booking.start, booking.end),
                     None if booking.status == "confirmed" else self._states[booking.status], late,
                     booking.id in self.conflicted)
