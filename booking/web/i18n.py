"""Which language a page speaks: ?lang=, then the visitor's remembered choice, then the business."""
from __future__ import annotations

from flask import current_app, g, request, session

LANGUAGES = ("de", "en", "es")


def select_locale() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    remembered = session.get("lang")
    if remembered in LANGUAGES:
        return remembered
    business_locale = getattr(g, "business_locale", None)
    if business_locale in LANGUAGES:
        return business_locale
    return request.accept_languages.best_match(LANGUAGES) or current_app.config["BABEL_DEFAULT_LOCALE"]
