"""Absolute links for people and calendar apps: BASE_URL when set, else the request's host."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, has_request_context, request, url_for

from booking.models import Booking
from booking.operations.bookings import manage_token_for

FALLBACK_BASE = "http://localhost:5000"


def absolute_url(endpoint: str, **values) -> str:
    base = current_app.config.get("BASE_URL") or request.url_root.rstrip("/")
    return base + url_for(endpoint, **values)


@dataclass(frozen=True)
class BookingLinks:
    manage: str
    ics: str
    keep: str
    reschedule: str
    cancel: str
    feedback: str
    unsubscribe: str


class CustomerLinks:
    """Builds a booking's links outside a request too (jobs sending messages)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def for_booking(self, booking: Booking) -> BookingLinks:
        token = manage_token_for(booking)
        if has_request_context():
            return self._build(token)
        base = self.app.config.get("BASE_URL") or FALLBACK_BASE
        with self.app.test_request_context("/", base_url=base):
            return self._build(token)

    @staticmethod
    def _build(token: str) -> BookingLinks:
        def link(endpoint: str, **values) -> str:
            return absolute_url(endpoint, token=token, **values)
        return BookingLinks(manage=link("manage_page.show"), ics=link("api.manage.ics"),
                            keep=link("manage_page.show", keep=1),
                            reschedule=link("manage_page.reschedule_picker"),
                            cancel=link("manage_page.cancel_confirm"), feedback=link("manage_page.feedback"),
                            unsubscribe=link("manage_page.unsubscribe"))
