"""Online appointment booking for small service businesses."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from booking.cli import register_commands
from booking.database import configure_sqlite, release_session
from booking.jobs import start_embedded
from booking.extensions import babel, csrf, db, limiter, login_manager, migrate
from booking.observability.logs import configure_logging
from booking.observability.requests import init_request_hooks
from booking.web import register_web
from booking.web.i18n import select_locale
from config import BASE_DIR, Config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config -> extensions -> blueprints and error handlers -> cli."""
    app = Flask(__name__, instance_path=str(BASE_DIR / "instance"),
                template_folder=str(BASE_DIR / "templates"), static_folder=str(BASE_DIR / "static"))
    app.config.from_object(Config())
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _init_logging(app)
    _init_extensions(app)
    # Registered after Flask-SQLAlchemy's teardown, so it runs before it (teardowns run in reverse).
    app.teardown_appcontext(release_session)
    _trust_proxies(app)
    register_web(app)
    register_commands(app)
    if app.config["SCHEDULER"] == "embedded" and not app.config.get("TESTING"):
        # Started by the first request, so `flask db upgrade` and friends never run jobs.
        app.before_request(lambda: start_embedded(app))
    return app


def _init_logging(app: Flask) -> None:
    # Before any other hook: the request id and the access line wrap everything else.
    configure_logging(app)
    init_request_hooks(app)


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address, scheme and host from
    their X-Forwarded-* headers (the rate limits key on the address); with 0 they are ignored."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _engine_options(app: Flask) -> None:
    # A database host that vanished (a machine gone, not a refused port) must not hold a
    # request until the TCP timeout: give up connecting after a few seconds and answer 503.
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"connect_timeout": 5, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _init_extensions(app: Flask) -> None:
    _engine_options(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
