"""The blueprint of logging in and choosing passwords, and Flask-Login's wiring."""
from __future__ import annotations

import hmac

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from booking.credentials import password_fingerprint
from booking.extensions import db, login_manager
from booking.models import User
from booking.web.display import LANGUAGE_NAMES, lang_url

bp = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
# Flashed when a page needs a login; str() renders it in the language of that request.
login_manager.login_message = _l("Please log in to see this page.")
login_manager.localize_callback = str


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The user of a session id from User.get_id, or None (logged out) once the password changed."""
    user_id, _, fingerprint = session_id.partition(".")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not hmac.compare_digest(fingerprint, password_fingerprint(user.password_hash)):
        return None
    return user


@bp.context_processor
def _language_switch() -> dict:
    return {"lang_url": lang_url, "languages": LANGUAGE_NAMES}
