"""Owner-only: the private calendar feeds to subscribe to (business and each staff member), with
subscribe links, the "busy only" switch, rotation, and when a calendar app last fetched each."""
from __future__ import annotations

from urllib.parse import quote

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from booking.clock import utcnow
from booking.errors import NotFound
from booking.extensions import db
from booking.models import CalendarFeed
from booking.operations import feeds as ops
from booking.web.audit import audit
from booking.web.staff.blueprint import bp, require_owner
from booking.web.urls import absolute_url

GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/render?cid="


def subscribe_links(token: str) -> dict[str, str]:
    """The feed's address, its webcal:// twin (Apple, Outlook) and Google's "add by URL" link."""
    url = absolute_url("feeds.calendar", token=token)
    webcal = "webcal://" + url.split("://", 1)[1]
    return {"url": url, "webcal": webcal, "google": GOOGLE_SUBSCRIBE + quote(webcal, safe="")}


def _owned_feed(feed_id: int) -> CalendarFeed:
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.id == feed_id,
                                                        CalendarFeed.business_id == g.business.id))
    if feed is None:
        raise NotFound("No such calendar feed.")
    return feed


@bp.get("/feeds")
def calendar_feeds():
    require_owner()
    entries = [(entry, subscribe_links(entry.token)) for entry in ops.feed_entries(g.business, utcnow())]
    return render_template("staff/feeds.html", entries=entries, tz_name=g.business.timezone)


@bp.post("/feeds/<int:feed_id>/rotate")
def rotate_calendar_feed(feed_id: int):
    require_owner()
    feed = _owned_feed(feed_id)
    ops.rotate_feed(feed, utcnow())
    audit("feed.rotate", "feed", feed.id, staff_id=feed.staff_id)
    db.session.commit()
    flash(_("The feed has a new address. Calendars subscribed to the old one no longer get updates."))
    return redirect(url_for(".calendar_feeds", _anchor=f"feed-{feed_id}"), 303)


@bp.post("/feeds/<int:feed_id>/busy-only")
def set_calendar_feed_busy_only(feed_id: int):
    require_owner()
    busy_only = request.form.get("busy_only") == "1"
    feed = _owned_feed(feed_id)
    ops.set_busy_only(feed, busy_only)
    audit("feed.busy_only", "feed", feed.id, staff_id=feed.staff_id, busy_only=busy_only)
    db.session.commit()
    if busy_only:
        flash(_("The feed now shows only busy times, without customers' names."))
    else:
        flash(_("The feed now shows services and customers' names."))
    return redirect(url_for(".calendar_feeds", _anchor=f"feed-{feed_id}"), 303)
