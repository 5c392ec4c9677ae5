"""HTTP layer: blueprints, error handlers, request-wide set-up."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale

from booking.database import declare_write_intent, reset_write_intent
from booking.web.api import bp as api_bp
from booking.web.auth import bp as auth_bp
from booking.web.errors import register_error_handlers
from booking.web.health import bp as health_bp
from booking.web.manage import bp as manage_bp
from booking.web.public import bp as public_bp
from booking.web.staff import bp as staff_bp

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def register_web(app: Flask) -> None:
    for blueprint in (api_bp, auth_bp, health_bp, manage_bp, public_bp, staff_bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "en")
    app.before_request(_declare_write_intent)
    app.teardown_request(_forget_write_intent)


def _declare_write_intent() -> None:
    # Requests that may write open SQLite transactions with BEGIN IMMEDIATE (see booking.database).
    if request.method not in SAFE_METHODS:
        request.environ["booking.write_token"] = declare_write_intent(True)


def _forget_write_intent(_exc: BaseException | None = None) -> None:
    token = request.environ.pop("booking.write_token", None)
    if token is not None:
        reset_write_intent(token)
