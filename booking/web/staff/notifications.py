"""Owner-only health of the outbox: what was sent, what waits, what failed, and sending a failure again."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, select, update

from booking.clock import utcnow
from booking.errors import NotFound
from booking.extensions import db
from booking.models import Business, Notification
from booking.web.audit import audit
from booking.web.staff.blueprint import bp, require_owner

WINDOW = timedelta(hours=24)
FAILED_SHOWN = 200


def health_counts(business: Business, now: datetime) -> dict[str, int]:
    """Counts of the last 24 hours by outcome; "due_now" is every message waiting past its time."""
    since = now - WINDOW
    recent = Notification.updated_at >= since
    columns = {
        "due_now": (Notification.status == "pending") & (Notification.due_at <= now),
        "sent": (Notification.status == "sent") & (Notification.sent_at >= since),
        "failed": (Notification.status == "failed") & recent,
        "retried": (Notification.attempts > 1) & recent,
        "cancelled": (Notification.status == "cancelled") & recent,
        "expired": (Notification.status == "expired") & recent,
    }
    query = select(*(func.count(case((condition, 1))).label(name) for name, condition in columns.items()))
    row = db.session.execute(query.where(Notification.business_id == business.id)).one()
    return {name: int(row._mapping[name] or 0) for name in columns}


@bp.get("/notifications")
def notification_health():
    require_owner()
    failed = list(db.session.scalars(
        select(Notification).where(Notification.business_id == g.business.id, Notification.status == "failed")
        .order_by(Notification.updated_at.desc(), Notification.id.desc()).limit(FAILED_SHOWN)))
    return render_template("staff/notifications.html", counts=health_counts(g.business, utcnow()),
                           failed=failed, tz_name=g.business.timezone)


@bp.post("/notifications/<int:notification_id>/resend")
def resend_notification(notification_id: int):
    """A failed message goes back to the outbox, due now, with a fresh count of attempts."""
    require_owner()
    row = db.session.scalar(select(Notification).where(Notification.id == notification_id,
                                                       Notification.business_id == g.business.id))
    if row is None:
        raise NotFound("No such message.")
    now = utcnow()
    # Conditional, so a double click or a racing worker cannot resend a message twice.
    changed = db.session.execute(
        update(Notification).where(Notification.id == row.id, Notification.status == "failed")
        .values(status="pending", attempts=0, due_at=now, last_error=None, lease_expires_at=None,
                updated_at=now)).rowcount
    if changed:
        audit("notification.resend", "notification", row.id, booking_id=row.booking_id, kind=row.kind)
    db.session.commit()
    if changed:
        flash(_("The message will be sent again shortly."))
    else:
        flash(_("Only a failed message can be sent again."))
    return redirect(url_for(".notification_health"), 303)
