"""Log in and out (owners and staff), and choose a password through a set-password link."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from booking.clock import utcnow
from booking.credentials import verify_password
from booking.errors import NotFound
from booking.extensions import db, limiter, login_manager
from booking.models import User
from booking.operations import accounts
from booking.web.display import LANGUAGE_NAMES, field_attrs, lang_url

bp = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
# Flashed when a page needs a login; str() renders it in the language of that request.
login_manager.login_message = _l("Please log in to see this page.")
login_manager.localize_callback = str


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


@bp.context_processor
def _language_switch() -> dict:
    return {"lang_url": lang_url, "languages": LANGUAGE_NAMES}


def safe_next(target: str | None) -> str:
    """Only same-site paths: an absolute or scheme-relative `next` would be an open redirect."""
    if not target:
        return url_for("staff.today")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("staff.today")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
        if user is not None and user.active and verify_password(user.password_hash, form.password.data):
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
        error = _("Email or password is not right.")
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


MIN_PASSWORD_LENGTH = 10  # as sign-up (POST /api/v1/signup)


class SetPasswordForm(FlaskForm):
    """A new password, typed twice, under the rules of sign-up."""

    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Please enter a password.")),
        Length(min=MIN_PASSWORD_LENGTH, message=_l("Please use at least %(num)s characters.",
                                                   num=MIN_PASSWORD_LENGTH)),
        Length(max=1000, message=_l("Please use at most 1000 characters."))])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(_l("Please enter the password again.")),
        EqualTo("password", _l("The two passwords are not the same."))])


def _link_refused(exc: NotFound):
    """Why a set-password link does not work, in words; 410 for an expired one, else 404."""
    if isinstance(exc, accounts.LinkExpired):
        return _("This link has expired. Ask the owner of your business to send you a new one."), 410
    if isinstance(exc, accounts.LinkUsed):
        return _("This link has been used already. Log in with your password, or ask the owner "
                 "of your business for a new link."), 404
    return _("This link is not valid. Please check that you opened the whole link from the email."), 404


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def set_password(token: str):
    try:
        user = accounts.user_for_token(token, utcnow())
    except NotFound as exc:
        problem, status = _link_refused(exc)
        return _set_password_page(None, None, problem, status)
    g.business_locale = user.business.locale  # the page speaks the business's language
    form = SetPasswordForm()
    if not form.validate_on_submit():
        return _set_password_page(form, user, None, 422 if form.is_submitted() else 200)
    accounts.set_password(user, form.password.data)
    db.session.commit()
    login_user(user)
    flash(_("Your password is set. Welcome, %(name)s!", name=user.name))
    return redirect(url_for("staff.today"), 303)


def _set_password_page(form: SetPasswordForm | None, user: User | None, problem: str | None, status: int):
    body = render_template("auth/set_password.html", form=form, user=user, problem=problem,
                           field_attrs=field_attrs, min_length=MIN_PASSWORD_LENGTH)
    # The token is in the address: no other site may learn it through a Referer header.
    return body, status, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
