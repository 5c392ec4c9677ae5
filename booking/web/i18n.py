"""Which language a page speaks: ?lang=, then the visitor's remembered choice, then the business
(the public page's, or the logged-in user's), then the browser's preference.

Public, manage and workspace pages all use this one rule; a language picked on any of them is
kept in the session, so the switch works the same everywhere.
"""
from __future__ import annotations

from flask import current_app, g, request, session
from flask_login import current_user

LANGUAGES = ("de", "en", "es")


def select_locale() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    remembered = session.get("lang")
    if remembered in LANGUAGES:
        return remembered
    business_locale = _business_locale()
    if business_locale in LANGUAGES:
        return business_locale
    return request.accept_languages.best_match(LANGUAGES) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _business_locale() -> str | None:
    """The page's business (set by the public and workspace blueprints before their views), or
    for pages outside them, such as a workspace address that does not exist, the user's own."""
    locale = getattr(g, "business_locale", None)
    if locale is None and g.get("database_unavailable"):
        return None  # a 503 page: loading the user would hit the database that just failed
    if locale is None and current_user and current_user.is_authenticated:
        locale = current_user.business.locale
    return locale
