"""One booking as staff see it: the customer, the estimate, and every message sent or planned."""
from __future__ import annotations

from flask import g, render_template
from sqlalchemy import select

from booking.extensions import db
from booking.models import Feedback, Notification
from booking.operations.bookings import get_booking
from booking.timezones import zone
from booking.web.staff.blueprint import bp


@bp.get("/bookings/<int:booking_id>")
def booking_detail(booking_id: int):
    booking = get_booking(g.business, booking_id)  # another business's id: 404
    messages = list(db.session.scalars(
        select(Notification).where(Notification.business_id == g.business.id, Notification.booking_id == booking.id)
        .order_by(Notification.due_at, Notification.id)))
    feedback = db.session.scalar(select(Feedback).where(Feedback.business_id == g.business.id,
                                                        Feedback.booking_id == booking.id))
    estimated = booking.estimated_start_utc
    return render_template("staff/booking.html", booking=booking, customer=booking.customer, messages=messages,
                           feedback=feedback, tz_name=g.business.timezone,
                           day=booking.start_utc.astimezone(zone(g.business.timezone)).date(),
                           estimated=estimated if estimated and estimated != booking.start_utc else None)
