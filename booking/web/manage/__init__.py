"""The customer's manage page, reached by the private link in their confirmation.

Without logging in the customer sees the booking, adds it to their calendar, and reschedules
or cancels it until the business's cut-off. The picker is the public pages' one.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from booking.clock import utcnow
from booking.errors import Conflict, DomainError, SlotUnavailable, TooLate
from booking.extensions import csrf, db, limiter
from booking.operations.booking_changes import (
    cancel_booking,
    check_cutoff,
    move_booking,
)
from booking.slots.engine import Slot
from booking.web.display import first_weekday, template_helpers
from booking.web.forms import CancelForm, RescheduleForm, parse_aware
from booking.web.manage import followup
from booking.web.manage.links import calendar_links
from booking.web.picker import (
    PickerLinks,
    month_view,
    slot_iso,
    visitor_zone,
    zone_choices,
)
from booking.web.tenancy import bind_booking_by_token
from booking.web.urls import absolute_url

bp = Blueprint("manage_page", __name__)
bp.context_processor(template_helpers)


bind_booking_by_token(bp)
# Links in messages: the feedback question after a visit, and unsubscribing (RFC 8058 one-click too).
bp.add_url_rule("/m/<token>/feedback", "feedback", limiter.limit("30 per minute", methods=["POST"])(
    followup.feedback), methods=["GET", "POST"])
bp.add_url_rule("/m/<token>/feedback/thanks", "feedback_thanks", followup.feedback_thanks)
bp.add_url_rule("/m/<token>/unsubscribe", "unsubscribe", limiter.limit("30 per minute", methods=["POST"])(
    csrf.exempt(followup.unsubscribe)), methods=["GET", "POST"])
DEFAULT_POLL_SECONDS = 45


@bp.after_request
def _keep_private(response):
    # The address is the key to the booking: keep it out of Referer headers, caches and search engines.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _tz(raw: object = None) -> str:
    return visitor_zone(raw or request.args.get("tz"), g.business)


def change_blocker(now: datetime) -> str | None:
    """Why the customer cannot change the booking online now ("cancelled", "status",
    "too_late"), or None when they can. The cut-off rule itself stays in check_cutoff."""
    if g.booking.status == "cancelled":
        return "cancelled"
    if g.booking.status != "confirmed":
        return "status"
    try:
        check_cutoff(g.business, g.booking, now)
    except TooLate:
        return "too_late"
    return None


def _page(template: str, tz: str, status: int = 200, **extra):
    manage_url = absolute_url("manage_page.show", token=g.manage_token)
    booking = g.booking
    estimated = booking.estimated_start_utc
    return render_template(
        template, business=g.business, booking=booking, tz=tz, blocker=change_blocker(utcnow()),
        manage_url=manage_url, ics_url=url_for("api.manage.ics", token=g.manage_token),
        calendar_links=calendar_links(booking, g.business, manage_url),
        estimated=estimated if estimated and estimated != booking.start_utc else None,
        live=_live_estimate(), **extra), status


def _live_estimate() -> dict[str, object]:
    """What static/manage.js needs to refresh the estimate: where to ask, and how often."""
    seconds = current_app.config.get("MANAGE_POLL_SECONDS") or DEFAULT_POLL_SECONDS
    return {"url": url_for("api.manage.show", token=g.manage_token), "token": g.manage_token,
            "poll_seconds": max(1, int(seconds))}


@bp.get("/m/<token>")
def show():
    # ?keep=1: the "keep my appointment" link of a delay notice.
    keep = request.args.get("keep") == "1" and g.booking.status in ("confirmed", "arrived")
    return _page("manage/show.html", _tz(), kept=keep)


@bp.get("/m/<token>/booked")
def booked():
    # Reopened after a change, the confirmation would no longer be true: then it is the manage page.
    return _page("manage/show.html", _tz(), just_booked=g.booking.status == "confirmed", leave_frame=True)


@bp.get("/m/<token>/reschedule")
def reschedule_picker():
    tz, now = _tz(), utcnow()
    if change_blocker(now):
        return redirect(url_for(".show", tz=tz))
    view = month_view(g.business, g.booking.service, [g.booking.staff], tz, request.args.get("month"),
                      request.args.get("date"), now, first_weekday(), exclude_booking_id=g.booking.id)
    links = PickerLinks("manage_page.reschedule_picker", "manage_page.reschedule_confirm", {"tz": tz})
    return _page("manage/reschedule.html", tz, view=view, links=links,
                 zones=zone_choices(tz, g.business.timezone))


@bp.get("/m/<token>/reschedule/confirm")
def reschedule_confirm():
    tz = _tz()
    start_at = parse_aware(request.args.get("start"))
    if start_at is None or change_blocker(utcnow()):
        return redirect(url_for(".reschedule_picker", tz=tz))
    return _confirm_page(RescheduleForm(data={"tz": tz, "start": start_at}), tz)


@bp.post("/m/<token>/reschedule")
@limiter.limit("30 per minute")
def reschedule():
    form = RescheduleForm()
    tz = visitor_zone(form.tz.data, g.business)
    if not form.validate():
        return _confirm_page(form, tz, 422)
    now = utcnow()
    try:
        check_cutoff(g.business, g.booking, now)
        move_booking(g.business, g.booking, form.start.data, None, now, "customer", source="online")
    except SlotUnavailable as exc:
        db.session.rollback()
        return _confirm_page(form, tz, 409, exc.alternatives)
    except (TooLate, Conflict) as exc:
        db.session.rollback()
        return _refused(exc, tz)
    db.session.commit()
    flash(_("Your appointment was moved."))
    return redirect(url_for(".show", tz=tz), 303)


def _confirm_page(form: RescheduleForm, tz: str, status: int = 200, alternatives: list[Slot] | None = None):
    start_at = form.start.data
    g.lang_target = ("manage_page.reschedule_confirm", {"tz": tz, "start": form.start._value()})
    end_at = start_at + timedelta(minutes=g.booking.service.duration_minutes) if start_at else None
    return _page("manage/reschedule_confirm.html", tz, status, form=form, new_start=start_at, new_end=end_at,
                 taken=alternatives is not None,
                 alternatives=[(slot_iso(slot, tz), slot) for slot in alternatives or []])


@bp.get("/m/<token>/cancel")
def cancel_confirm():
    tz = _tz()
    if change_blocker(utcnow()):
        return redirect(url_for(".show", tz=tz))
    return _page("manage/cancel.html", tz, form=CancelForm(data={"tz": tz}))


@bp.post("/m/<token>/cancel")
@limiter.limit("30 per minute")
def cancel():
    form = CancelForm()
    tz = visitor_zone(form.tz.data, g.business)
    if not form.validate():
        abort(400)
    if g.booking.status == "cancelled":  # sent twice: the first one did it
        return redirect(url_for(".show", tz=tz), 303)
    now = utcnow()
    try:
        check_cutoff(g.business, g.booking, now)
        cancel_booking(g.booking, now, "customer")
    except (TooLate, Conflict) as exc:
        db.session.rollback()
        return _refused(exc, tz)
    db.session.commit()
    flash(_("Your appointment was cancelled."))
    return redirect(url_for(".show", tz=tz), 303)


def _refused(exc: DomainError, tz: str):
    g.lang_target = ("manage_page.show", {"tz": tz})
    if isinstance(exc, TooLate):
        problem = _("Changes online are possible until %(hours)s hours before the appointment. "
                    "Please contact %(business)s.", hours=g.business.cancellation_cutoff_hours,
                    business=g.business.name)
    else:
        problem = _("This booking can no longer be changed online.")
    return _page("manage/show.html", tz, exc.status, problem=problem)
