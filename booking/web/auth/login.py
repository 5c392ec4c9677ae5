"""Log in and out (owners and staff), throttled per account and per client address.

Per account (booking.operations.logins): 10 failed logins within 15 minutes pause that
account's login, counted in the database so every web process sees the same. Per address
(Flask-Limiter, shared through RATELIMIT_STORAGE_URI, e.g. Redis): guesses spread over many
accounts. Both answer 429 with the login page, the email kept, and a message saying why.
"""
from __future__ import annotations

import math
from datetime import datetime
from urllib.parse import urlsplit

from flask import make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from booking.clock import utcnow
from booking.extensions import db, limiter
from booking.operations import logins
from booking.web.auth.blueprint import bp

LOGIN_LIMIT = "30 per minute"  # per client address, on POST


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


def safe_next(target: str | None) -> str:
    """Only same-site paths: an absolute or scheme-relative `next` would be an open redirect."""
    if not target:
        return url_for("staff.today")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("staff.today")
    return target


def _login_page(form: LoginForm, error: str | None = None, status: int = 200, retry_after: int | None = None):
    response = make_response(render_template("auth/login.html", form=form, error=error), status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _address_limited(_limit):
    """Flask-Limiter's answer when this address made too many attempts: the login page again."""
    return _login_page(LoginForm(), _("Too many login attempts from your network. Please wait a minute, "
                                      "then try again."), 429, retry_after=60)


def _account_locked(until: datetime, now: datetime):
    seconds = max(1, math.ceil((until - now).total_seconds()))
    minutes = math.ceil(seconds / 60)
    message = ngettext("Too many failed logins for this account. To protect it, logging in is paused: please "
                       "try again in %(num)s minute, or choose a new password with \u201cForgot your "
                       "password?\u201d.",
                       "Too many failed logins for this account. To protect it, logging in is paused: please "
                       "try again in %(num)s minutes, or choose a new password with \u201cForgot your "
                       "password?\u201d.", minutes)
    return _login_page(LoginForm(), message, 429, retry_after=seconds)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], on_breach=_address_limited)
def login():
    form = LoginForm()
    if not form.validate_on_submit():
        return _login_page(form)
    now = utcnow()
    try:
        user = logins.log_in(form.email.data, form.password.data, now)
    except logins.LoginLocked as exc:
        return _account_locked(exc.until, now)
    db.session.commit()  # the failure counted, or the failures forgotten and the hash renewed
    if user is None:
        return _login_page(form, _("Email or password is not right."))
    login_user(user)
    return redirect(safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
