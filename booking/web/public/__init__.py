"""Public booking pages under /b/<slug>: service -> staff -> month -> day -> time -> details.

Server-rendered; every step is a link or a form whose state lives in query parameters
(service, staff, month, date, tz, start), so the path works without JavaScript and can be
bookmarked. The POST follows POST/redirect/GET to the confirmation page.

The pages need no session, so they also work inside another site's iframe (EMBED_ORIGINS),
where browsers withhold our cookies: the booking form's CSRF token is signed, not kept in the
session (booking.web.sessionless_csrf).
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from booking.clock import utcnow
from booking.errors import Conflict, NotFound, SlotUnavailable
from booking.extensions import csrf, db, limiter
from booking.models import Service, Staff
from booking.operations.bookings import create_booking
from booking.operations.services import get_service, list_services
from booking.slots.engine import Slot
from booking.timezones import zone
from booking.web.display import first_weekday, template_helpers
from booking.web.forms import BookingForm, parse_aware
from booking.web.picker import (
    PickerLinks,
    month_view,
    slot_iso,
    visitor_zone,
    zone_choices,
)
from booking.web.tenancy import bind_business_by_slug

bp = Blueprint("public_page", __name__)
bp.context_processor(template_helpers)


bind_business_by_slug(bp)


@dataclass(frozen=True)
class Choice:
    """What the visitor picked so far: a service, a staff member or anyone, and their zone."""

    service: Service
    staff: Staff | None
    offering: list[Staff]
    tz: str

    @property
    def staff_id(self) -> int | None:
        return self.staff.id if self.staff else None

    @property
    def search_staff(self) -> list[Staff]:
        return [self.staff] if self.staff else self.offering

    @property
    def args(self) -> dict[str, object]:
        return {"service": self.service.id, "staff": self.staff_id or "any", "tz": self.tz}


def _id(raw: object) -> int | None:
    # Longer numbers exist nowhere and would overflow PostgreSQL's integer in the query.
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return int(raw)
    return None


def read_choice(values: Mapping[str, str]) -> Choice:
    """The choice from query or form values: an unknown service is 404, anything else falls back."""
    service_id = _id(values.get("service"))
    if service_id is None:
        raise NotFound(_("No such service."))
    service = get_service(g.business, service_id)
    offering = [member for member in service.staff if member.active]
    # A bookmark may name someone who no longer offers the service: then anyone will do.
    staff = next((member for member in offering if member.id == _id(values.get("staff"))), None)
    return Choice(service, staff, offering, visitor_zone(values.get("tz"), g.business))


def _service_url(service: Service, tz: str) -> str:
    """Straight to the calendar when there is nobody to choose between."""
    if sum(1 for member in service.staff if member.active) > 1:
        return url_for(".staff", service=service.id, tz=tz)
    return url_for(".calendar", service=service.id, staff="any", tz=tz)


@bp.get("/b/<slug>")
def start():
    tz = visitor_zone(request.args.get("tz"), g.business)
    services = list_services(g.business)
    return render_template("public/start.html", business=g.business, services=services, tz=tz,
                           service_urls={service.id: _service_url(service, tz) for service in services})


@bp.get("/b/<slug>/staff")
def staff():
    choice = read_choice(request.args)
    return render_template("public/staff.html", business=g.business, choice=choice, tz=choice.tz)


@bp.get("/b/<slug>/calendar")
def calendar():
    choice = read_choice(request.args)
    view = month_view(g.business, choice.service, choice.search_staff, choice.tz, request.args.get("month"),
                      request.args.get("date"), utcnow(), first_weekday())
    return render_template("public/calendar.html", business=g.business, choice=choice, view=view,
                           tz=choice.tz, zones=zone_choices(choice.tz, g.business.timezone),
                           links=PickerLinks("public_page.calendar", "public_page.details", choice.args))


@bp.get("/b/<slug>/book")
def details():
    choice = read_choice(request.args)
    start_at = parse_aware(request.args.get("start"))
    if start_at is None:
        flash(_("Please choose a time."))
        return redirect(url_for(".calendar", **choice.args))
    form = _booking_form(data={"service": choice.service.id, "staff": choice.args["staff"], "tz": choice.tz,
                               "start": start_at, "idempotency_key": uuid.uuid4().hex})
    return _details_page(choice, form)


def _booking_form(**kwargs) -> BookingForm:
    return BookingForm(meta={"csrf_context": f"business:{g.business.id}"}, **kwargs)


@bp.post("/b/<slug>/book")
@limiter.limit("30 per minute")
@csrf.exempt  # the form checks its own signed token: see the module docstring
def book():
    form = _booking_form()
    valid = form.validate()
    if form.csrf_token.errors:
        raise CSRFError("The booking form's token is missing or not for this business.")
    choice = read_choice(request.form)
    if not valid:
        return _details_page(choice, form, 422)
    try:
        result = create_booking(g.business, form.booking_request(choice.service.id, choice.staff_id),
                                utcnow(), "customer")
    except SlotUnavailable as exc:
        db.session.rollback()
        return _details_page(choice, form, 409, alternatives=exc.alternatives)
    except Conflict:
        # The form's key already made a different booking (the back button, then another time).
        db.session.rollback()
        form.idempotency_key.data = uuid.uuid4().hex
        return _details_page(choice, form, 409, problem=_("This form was already used for a booking. "
                                                          "Please check the details and send it again."))
    db.session.commit()
    return redirect(url_for("manage_page.booked", token=result.manage_token, tz=choice.tz), 303)


def _details_page(choice: Choice, form: BookingForm, status: int = 200, alternatives: list[Slot] | None = None,
                  problem: str | None = None):
    start_at = form.start.data
    g.lang_target = ("public_page.details", {**choice.args, "start": form.start._value()})
    day = start_at.astimezone(zone(choice.tz)).date().isoformat() if start_at else None
    end_at = start_at + timedelta(minutes=choice.service.duration_minutes) if start_at else None
    return render_template(
        "public/details.html", business=g.business, choice=choice, form=form, tz=choice.tz, start=start_at,
        end=end_at, taken=alternatives is not None, problem=problem,
        alternatives=[(slot_iso(slot, choice.tz), slot) for slot in alternatives or []],
        calendar_url=url_for(".calendar", **choice.args, date=day, _anchor="times")), status
