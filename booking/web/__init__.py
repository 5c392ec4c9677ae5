"""HTTP layer: blueprints, error handlers, template globals.

(SQLite write serialization for requests lives in booking.database: it keys on the HTTP
method, since url_value_preprocessors may query before any before_request hook runs.)
"""
from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from booking.web.api import bp as api_bp
from booking.web.auth import bp as auth_bp
from booking.web.errors import register_error_handlers
from booking.web.feeds import bp as feeds_bp
from booking.web.health import bp as health_bp
from booking.web.manage import bp as manage_bp
from booking.web.metrics import bp as metrics_bp
from booking.web.public import bp as public_bp
from booking.web.security import register_security
from booking.web.staff import bp as staff_bp
from booking.web.urls import CustomerLinks


def register_web(app: Flask) -> None:
    for blueprint in (api_bp, auth_bp, feeds_bp, health_bp, manage_bp, metrics_bp, public_bp, staff_bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    register_security(app)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "en")
    # Jobs build customer links without importing the web layer.
    app.extensions["booking.links"] = CustomerLinks(app)
