"""A first end-to-end pass over the API on PostgreSQL: sign up, set up, book, clash."""
from __future__ import annotations

from tests.support.factories import booking_body, setup_practice


def test_book_then_same_slot_is_taken(api):
    practice = setup_practice(api)
    slots = api.json("GET", f"/api/v1/public/{practice.slug}/availability?service={practice.service_id}"
                     "&from=2027-02-02&to=2027-02-02", key="")["slots"]
    assert slots[0]["start"] == "2027-02-02T09:00:00+01:00"
    first = api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                     booking_body(practice, slots[0]["start"]), expect=201, key="")
    assert first["staff_id"] == practice.staff_ids[0]
    clash = api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                     booking_body(practice, slots[0]["start"]), expect=409, key="")
    assert clash["error"] == "slot_unavailable"
    assert clash["alternatives"][0]["start"] == "2027-02-02T09:30:00+01:00"
