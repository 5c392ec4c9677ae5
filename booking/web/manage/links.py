"""Links that put a booking into the customer's own calendar (Google, Outlook on the web)."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode

from booking.models import Booking, Business
from booking.calendars.invitations import booking_event


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def calendar_links(booking: Booking, business: Business, manage_url: str) -> dict[str, str]:
    """"google" and "outlook" template links; the same title and place as the .ics download."""
    event = booking_event(booking, business)
    details = f"{event.description}\n{manage_url}"
    google = urlencode({"action": "TEMPLATE", "text": event.summary, "details": details,
                        "location": event.location or "",
                        "dates": f"{_utc_stamp(event.start_utc)}/{_utc_stamp(event.end_utc)}"})
    outlook = urlencode({"path": "/calendar/action/compose", "rru": "addevent", "subject": event.summary,
                         "startdt": event.start_utc.astimezone(timezone.utc).isoformat(),
                         "enddt": event.end_utc.astimezone(timezone.utc).isoformat(),
                         "body": details, "location": event.location or ""})
    return {"google": f"https://calendar.google.com/calendar/render?{google}",
            "outlook": f"https://outlook.live.com/calendar/0/deeplink/compose?{outlook}"}
