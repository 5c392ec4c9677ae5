"""The private calendar feeds themselves: GET /feeds/<token>.ics, for calendar apps.

Calendar apps poll, so the answer is cheap to repeat: a strong ETag (the body's SHA-256) that
If-None-Match turns into a 304, and a short private cache lifetime. An unknown or rotated
token is a plain 404.
"""
from __future__ import annotations

from flask import Blueprint, Response, request

from booking.clock import utcnow
from booking.extensions import limiter
from booking.operations import feeds as ops

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

CONTENT_TYPE = "text/calendar; charset=utf-8"
CACHE_CONTROL = "private, max-age=300"


@bp.get("/<token>.ics")
@limiter.limit("30 per minute", key_func=lambda: request.path)  # per feed: calendar services share IPs
def calendar(token: str) -> Response:
    feed = ops.find_feed_by_token(token)
    now = utcnow()
    document = ops.feed_document(feed, now)
    ops.record_fetch(feed, now, request.headers.get("User-Agent"))
    headers = {"ETag": f'"{document.etag}"', "Cache-Control": CACHE_CONTROL, "X-Robots-Tag": "noindex"}
    if request.if_none_match.contains_weak(document.etag):
        return Response(status=304, headers=headers)
    headers["Content-Disposition"] = 'inline; filename="calendar.ics"'
    return Response(document.body, status=200, headers=headers, content_type=CONTENT_TYPE)
