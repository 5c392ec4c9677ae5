"""The booking body shared by the public and the management API."""
from __future__ import annotations

from booking.models import CHANNELS
from booking.operations.bookings import BookingRequest
from booking.operations.customers import CustomerDetails
from booking.web.api.schema import Fields, read_json_body
from booking.web.i18n import LANGUAGES


def booking_request(source: str) -> BookingRequest:
    """Validate the POST body into a BookingRequest; every problem is reported at once."""
    body = Fields(read_json_body())
    service_id = body.integer("service_id", required=True)
    staff_id = body.integer("staff_id")
    start = body.moment("start", required=True)
    customer = body.nested("customer", required=True)
    details = CustomerDetails(name=customer.text("name", required=True),
                              email=customer.email("email", required=True),
                              phone=customer.text("phone", max_length=40),
                              preferred_channel=customer.choice("preferred_channel", CHANNELS),
                              locale=customer.choice("locale", LANGUAGES))
    body.absorb("customer", customer)
    notes = body.text("notes", max_length=2000)
    key = body.text("idempotency_key", max_length=200)
    body.check()
    return BookingRequest(service_id=service_id, staff_id=staff_id, start=start, customer=details,
                          notes=notes, idempotency_key=key, source=source)
