"""Every error leaves as API.md says: JSON under /api/ and for JSON clients, a page otherwise.

JSON keeps the English message of API.md; a page shows it in the page's language (a domain
error's message is its msgid, see booking.errors)."""
from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from booking.database import database_unavailable, discard_session, error_summary
from booking.errors import N_, DomainError, SlotUnavailable
from booking.extensions import db
from booking.web.formatting import slot_json

log = logging.getLogger(__name__)

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "bad_request", 429: "rate_limited"}

# What a page says for an HTTP error; werkzeug's own descriptions are English only.
PAGE_MESSAGES = {400: _l("The request could not be understood. Please go back and try again."),
                 403: _l("You may not open this page."),
                 404: _l("This page does not exist (any more)."),
                 405: _l("This page cannot be used this way."),
                 413: _l("What was sent is too large."),
                 415: _l("The request could not be understood. Please go back and try again.")}
TOO_MANY = N_("Too many requests; please wait a moment and try again.")
FORM_EXPIRED = N_("The form expired or was sent twice. Please try again.")
INTERNAL = N_("Something went wrong on our side.")
UNAVAILABLE = N_("The service is briefly unavailable. Please try again in a moment.")
# Seconds a client should wait after a 503: about what a PostgreSQL restart takes.
RETRY_AFTER_SECONDS = 5


def page_text(exc: DomainError) -> str:
    """A domain error's message in the page's language (for a flash or a form), English if the
    message was built at runtime and so has no translation."""
    return gettext(exc.template, **exc.params)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/metrics")


def error_response(http_status: int, code: str, message: str, page_message: str | None = None, **extra):
    """`message`: English (JSON); a page shows `page_message`, or else `message` translated."""
    db.session.rollback()
    if wants_json():
        body = {"error": code, "message": message}
        body.update(extra)
        return jsonify(body), http_status
    page = render_template("errors/error.html", status=http_status, message=page_message or gettext(message))
    return page, http_status


def _domain_error(exc: DomainError):
    extra = dict(exc.extra)
    if isinstance(exc, SlotUnavailable):
        tz = getattr(g, "response_tz", None) or "UTC"
        extra["alternatives"] = [slot_json(slot, tz) for slot in exc.alternatives]
    return error_response(exc.status, exc.code, exc.message, page_text(exc), **extra)


def _http_error(exc: HTTPException):
    if exc.response is not None:  # an answer made for the case (the login page of a rate limit)
        db.session.rollback()
        return exc.response
    status = exc.code or 500
    code = HTTP_CODES.get(status, "error")
    message = exc.description or code
    if status == 429:
        message = TOO_MANY
    # A view's own description (abort(404, "...")) is shown; werkzeug's stock one is replaced.
    stock = exc.description == type(exc).description
    page_message = str(PAGE_MESSAGES[status]) if stock and status in PAGE_MESSAGES else None
    return error_response(status, code, message, page_message)


def _csrf_error(exc: CSRFError):
    return error_response(400, "bad_request", FORM_EXPIRED)


def unavailable_response(extra: dict | None = None):
    """503 with Retry-After: the database cannot answer now (restart, network cut, overload).

    The request's connections are thrown away first (a rollback on a dropped connection would
    fail again), and the page must not touch the database either: it is rendered without the
    context processors (Flask-Login's would load the user), and g.database_unavailable keeps
    the language choice away from the logged-in user's business."""
    discard_session()
    g.database_unavailable = True
    if wants_json():
        response = jsonify({"error": "service_unavailable", "message": UNAVAILABLE, **(extra or {})})
    else:
        page = current_app.jinja_env.get_template("errors/error.html")
        response = current_app.make_response(page.render(status=503, message=gettext(UNAVAILABLE)))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _database_error(exc: Exception):
    if not database_unavailable(exc):
        return _unexpected(exc)
    # One line, no traceback: an outage is an operational event, not a bug.
    log.warning("database unavailable on %s %s: %s", request.method, request.path, error_summary(exc))
    return unavailable_response()


def _unexpected(exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal", INTERNAL)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(PoolTimeout, _database_error)
    app.register_error_handler(Exception, _unexpected)
