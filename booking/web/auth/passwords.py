"""Choosing a password: through an invitation's set-password link, or after "Forgot your password?"
through a reset link mailed to the account (booking.operations.password_resets).

Asking for a reset link answers the same whether the address has an account or not, and a
mail server that is down changes nothing in that answer (the failure is logged, without the
link). Both links lead to the same page; an expired, used or unknown link gets a page that
says which, never an error.
"""
from __future__ import annotations

import logging
from datetime import datetime

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from booking.clock import utcnow
from booking.errors import NotFound
from booking.extensions import db, limiter
from booking.models import PasswordReset, User
from booking.notify.channels import DeliveryError
from booking.operations import accounts, password_resets
from booking.web.account_mail import account_email, send_account_email
from booking.web.audit import audit_own_account
from booking.web.auth.blueprint import bp
from booking.web.display import field_attrs
from booking.web.forms import email_address
from booking.web.urls import absolute_url

log = logging.getLogger(__name__)
MIN_PASSWORD_LENGTH = 10  # as sign-up (POST /api/v1/signup)
RESET_MINUTES = int(password_resets.RESET_VALID_FOR.total_seconds() // 60)


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


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Please enter your email address.")),
                                                Length(max=254), email_address])


def _link_refused(exc: NotFound, reset: bool):
    """Why a link does not work, in words; 410 for an expired one, else 404."""
    if isinstance(exc, accounts.LinkExpired):
        if reset:
            return _("This link has expired. Ask for a new one with \u201cForgot your password?\u201d "
                     "on the login page."), 410
        return _("This link has expired. Ask the owner of your business to send you a new one."), 410
    if isinstance(exc, accounts.LinkUsed):
        if reset:
            return _("This link has been used already, or a newer password has been chosen since. Log in "
                     "with your password, or ask for a new link on the login page."), 404
        return _("This link has been used already. Log in with your password, or ask the owner "
                 "of your business for a new link."), 404
    return _("This link is not valid. Please check that you opened the whole link from the email."), 404


def _set_password_page(form: SetPasswordForm | None, user: User | None, problem: str | None, status: int,
                       reset: bool = False):
    body = render_template("auth/set_password.html", form=form, user=user, problem=problem, reset=reset,
                           field_attrs=field_attrs, min_length=MIN_PASSWORD_LENGTH)
    # The token is in the address: no other site may learn it through a Referer header.
    return body, status, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def set_password(token: str):
    return _password_link(token, reset=False)


def _password_link(token: str, reset: bool):
    """An invitation's set-password link, or a reset link: its form, or why it does not work."""
    now = utcnow()
    try:
        if reset:
            found = password_resets.get_reset(token, now)
            user = found.user
        else:
            found, user = None, accounts.user_for_token(token, now)
            g.business_locale = user.business.locale  # an invitee's page speaks the business's language
    except NotFound as exc:
        problem, status = _link_refused(exc, reset)
        return _set_password_page(None, None, problem, status, reset)
    return _choose_password(user, found, now)


def _choose_password(user: User, reset: PasswordReset | None, now: datetime):
    """The form of a working link (an invitation's, or a `reset`); a good new password is stored,
    the change recorded, and the person logged in."""
    form = SetPasswordForm()
    if not form.validate_on_submit():
        return _set_password_page(form, user, None, 422 if form.is_submitted() else 200, reset=reset is not None)
    if reset is None:
        accounts.set_password(user, form.password.data, now)
        audit_own_account(user, "user.password_set", now)
        welcome = _("Your password is set. Welcome, %(name)s!", name=user.name)
    else:
        password_resets.complete_reset(reset, form.password.data, now)
        audit_own_account(user, "user.password_reset", now)
        welcome = _("Your new password is set. Welcome back, %(name)s!", name=user.name)
    db.session.commit()
    login_user(user)
    flash(welcome)
    return redirect(url_for("staff.today"), 303)


def _reset_email(user: User, link: str):
    business = user.business.name
    return account_email(user, _("Choose a new password for %(business)s", business=business), [
        _("Hello %(name)s,", name=user.name),
        _("Someone, hopefully you, asked to choose a new password for your login to the booking workspace "
          "of %(business)s. Choose it with this link:", business=business),
        link,
        _("The link works once and for %(minutes)s minutes.", minutes=RESET_MINUTES),
        _("If you did not ask for this, ignore this email: your password stays as it is."),
    ])


def _mail_reset_link(user: User, secret: str) -> None:
    link = absolute_url("auth.reset_password", token=secret)
    try:
        send_account_email(_reset_email(user, link))  # in the language of the page it was asked on
    except DeliveryError as exc:
        log.warning("password reset mail for account %s not sent: %s", user.id, exc)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("5 per minute; 30 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return _forgot_page(form, None, 422 if form.is_submitted() else 200)
    found = password_resets.request_reset(form.email.data, utcnow())
    db.session.commit()
    if found is not None:
        _mail_reset_link(*found)
    # The same answer for every address: nobody learns here who has an account.
    return _forgot_page(None, form.email.data)


def _forgot_page(form: ForgotPasswordForm | None, sent_to: str | None, status: int = 200):
    return render_template("auth/forgot_password.html", form=form, sent_to=sent_to, minutes=RESET_MINUTES,
                           field_attrs=field_attrs), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def reset_password(token: str):
    return _password_link(token, reset=True)
