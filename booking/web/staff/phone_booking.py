"""Phone and walk-in bookings by staff: find the customer (or enter a new one), pick a free time
from the slot engine, or type one outside the offered times and confirm it, and book.

One POST form keeps everything typed: "Show free times" posts it back with the day's times, a
booking that needs a confirmation or lost its time comes back with the input and a message.
The customer search is a GET form (works without JavaScript); static/phone_booking.js turns it
into a live list fed by the JSON lookup.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from booking.clock import utcnow
from booking.errors import Conflict, NotFound, SlotUnavailable
from booking.extensions import db
from booking.models import Customer, Service, Staff
from booking.operations.availability import available_slots
from booking.operations.bookings import OutsideWorkingHours, create_booking
from booking.operations.customer_records import get_customer
from booking.operations.customers import CustomerDetails, customers_with_phone, find_customers
from booking.operations.services import list_services
from booking.operations.staff import list_staff
from booking.slots.engine import Slot
from booking.timezones import zone
from booking.web.display import error_anchor, field_attrs, short_datetime_text
from booking.web.forms import parse_aware
from booking.web.picker import local_midnight, parse_day, slot_iso
from booking.web.staff.blueprint import bp
from booking.web.staff.booking_forms import ANY_STAFF, OTHER_TIME, PhoneBookingForm, parse_id, usable_day

LOOKUP_LIMIT = 10


def customer_json(customer: Customer) -> dict[str, Any]:
    return {"id": customer.id, "name": customer.name, "email": customer.email or "", "phone": customer.phone or ""}


@bp.get("/customers/lookup")
def customer_lookup():
    """The search box's live answer: at most ten of this business's customers, erased ones never."""
    found = find_customers(g.business, request.args.get("q", ""), limit=LOOKUP_LIMIT)
    response = jsonify({"count": len(found), "customers": [customer_json(customer) for customer in found]})
    response.headers["Cache-Control"] = "private, no-store"  # personal data: no copies in caches
    return response


@dataclass(frozen=True)
class Outcome:
    """Why the form came back: a time that needs confirming, one that is taken (alternatives), or
    customers already on file with the phone number typed for a new one (offered in the search)."""

    outside_hours: bool = False
    alternatives: tuple[Slot, ...] = ()
    taken: bool = False
    problem: str | None = None
    same_phone: tuple[Customer, ...] = ()


def _live_customer(customer_id: int | None) -> Customer | None:
    if customer_id is None:
        return None
    try:
        customer = get_customer(g.business, customer_id)  # another business's id: not found
    except NotFound:
        return None
    return None if customer.erased_at else customer


def _new_form(services: list[Service], staff: list[Staff]) -> PhoneBookingForm:
    """A GET fills the form from the address (a customer page links here with ?customer=)."""
    if request.method == "POST":
        form = PhoneBookingForm()
    else:
        args = request.args
        customer = _live_customer(parse_id(args.get("customer")))
        form = PhoneBookingForm(data={
            "customer_id": str(customer.id) if customer else "", "service": parse_id(args.get("service")),
            "staff": args.get("staff") or ANY_STAFF, "day": usable_day(parse_day(args.get("date"))),
            "preferred_channel": "email"})
        form.fresh_key()
    form.fill_choices(services, staff)
    return form


def _today() -> date:
    return utcnow().astimezone(zone(g.business.timezone)).date()


def _chosen_service(form: PhoneBookingForm, services: list[Service]) -> Service | None:
    return next((s for s in services if s.id == form.service.data), services[0] if services else None)


def _search_staff(service: Service | None, form: PhoneBookingForm) -> list[Staff]:
    if service is None:
        return []
    offering = [member for member in service.staff if member.active]
    if form.staff_id is None:
        return offering
    return [member for member in offering if member.id == form.staff_id]


def _day_slots(service: Service | None, staff: list[Staff], day: date) -> list[Slot]:
    if service is None or not staff:
        return []
    tz_name = g.business.timezone
    return available_slots(g.business, service, staff, local_midnight(day, tz_name),
                           local_midnight(day + timedelta(days=1), tz_name), utcnow(), "staff")


def _page(form: PhoneBookingForm, services: list[Service], status: int = 200, outcome: Outcome = Outcome()):
    tz_name = g.business.timezone
    day = usable_day(form.day.data) if not form.day.errors else None
    day = day or _today()
    service = _chosen_service(form, services)
    staff = _search_staff(service, form)
    q = " ".join(request.args.get("q", "").split())[:200]
    found = find_customers(g.business, q) if q and request.method == "GET" else []
    if outcome.same_phone:  # the search shows who has this number, ready to be picked
        q, found = form.phone.data, list(outcome.same_phone)
    state = {"service": service.id if service else None, "staff": form.staff.data or ANY_STAFF,
             "date": day.isoformat()}
    return render_template(
        "staff/new_booking.html", form=form, customer=_live_customer(form.existing_customer_id),
        services=services, service=service, day=day, tz_name=tz_name, q=q, found=found, state=state,
        slots=[(slot_iso(slot, tz_name), slot) for slot in _day_slots(service, staff, day)],
        other_time=OTHER_TIME, outcome=outcome, chosen=form.chosen_start(tz_name),
        field_attrs=field_attrs, error_anchor=error_anchor,
        alternatives=[(slot_iso(slot, tz_name), short_datetime_text(slot.start, tz_name))
                      for slot in outcome.alternatives]), status


@bp.route("/bookings/new", methods=["GET", "POST"])
def new_booking():
    services = list_services(g.business)
    form = _new_form(services, list_staff(g.business))
    if request.method == "GET" or request.form.get("action") == "times":
        if usable_day(form.day.data) is None:
            form.day.data = _today()
        return _page(form, services)
    _take_alternative(form)
    if not form.validate() or not _check_choices(form, services):
        return _page(form, services, 422)
    same_phone = _same_phone(form)
    if same_phone:
        return _page(form, services, 422, Outcome(same_phone=same_phone))
    return _book(form, services)


def _same_phone(form: PhoneBookingForm) -> tuple[Customer, ...]:
    """Customers on file with the phone number of a new customer without email, unless staff
    confirmed it is someone else: without an address nothing tells them apart, so staff choose."""
    if not form.new_without_email or form.new_customer_ok.data:
        return ()
    found = tuple(customers_with_phone(g.business, form.phone.data))
    if found:
        form.phone.errors = [*form.phone.errors, _(
            "A customer with this phone number exists already: choose them in the search results above, "
            "or tick the box below if this is someone else.")]
    return found


def _take_alternative(form: PhoneBookingForm) -> None:
    """A press on one of the alternatives offered after "taken" books that time instead."""
    alternative = parse_aware(request.form.get("alternative"))
    if alternative is not None:
        form.start.data, form.manual_time.data = alternative.isoformat(), ""
        form.day.data = alternative.astimezone(zone(g.business.timezone)).date()


def _check_choices(form: PhoneBookingForm, services: list[Service]) -> bool:
    """Errors the field validators cannot see: a customer that is gone, staff not offering the service."""
    ok = True
    if form.existing_customer_id is not None and _live_customer(form.existing_customer_id) is None:
        form.name.errors = [*form.name.errors, _("This customer cannot be found any more. Please search again.")]
        form.customer_id.data = ""
        ok = False
    service = _chosen_service(form, services)
    if form.staff_id is not None and not _search_staff(service, form):
        form.staff.errors = [*form.staff.errors, _("This person does not offer this service.")]
        ok = False
    return ok


def _customer_details(form: PhoneBookingForm) -> CustomerDetails:
    customer = _live_customer(form.existing_customer_id)
    if customer is None:
        return form.new_customer()
    # Booked for this very record, as it is (a customer without an email has nothing else to find).
    return CustomerDetails(name=customer.name, email=customer.email, customer_id=customer.id)


def _book(form: PhoneBookingForm, services: list[Service]):
    start = form.chosen_start(g.business.timezone)
    wanted = form.booking_request(start, _customer_details(form))
    try:
        result = create_booking(g.business, wanted, utcnow(), f"user:{current_user.id}")
    except OutsideWorkingHours as exc:
        db.session.rollback()
        return _page(form, services, 422, Outcome(outside_hours=True, alternatives=tuple(exc.alternatives)))
    except SlotUnavailable as exc:
        db.session.rollback()
        form.outside_hours.data = False
        return _page(form, services, 409, Outcome(taken=True, alternatives=tuple(exc.alternatives)))
    except Conflict:
        # The form's key already made a different booking (the back button, then other details).
        db.session.rollback()
        form.fresh_key()
        return _page(form, services, 409, Outcome(problem=_("This form was already used for a booking. "
                                                           "Please check the details and send it again.")))
    db.session.commit()
    booking = result.booking
    if result.created:
        flash(_("Booked: %(customer)s, %(when)s.", customer=booking.customer.name,
                when=short_datetime_text(booking.start_utc, g.business.timezone)))
    else:
        flash(_("This booking was already made."))
    return redirect(url_for(".booking_detail", booking_id=booking.id), 303)

