"""Online appointment booking for small service businesses."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from booking.cli import register_commands
from booking.database import configure_sqlite
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


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
