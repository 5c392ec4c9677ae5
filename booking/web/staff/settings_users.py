"""Owner-only: the business's login accounts. Invite by email (a set-password link), change a
role, switch an account off or on, send an invitation again.

The invitation is mailed straight away through the app's mail channel (not the booking
outbox: it belongs to no booking). The account is committed before the mail is sent, so a
mail server that is down costs nothing but a "Send again" press.
"""
from __future__ import annotations

from email.message import EmailMessage

from flask import abort, flash, g, redirect, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from booking.clock import utcnow
from booking.errors import Conflict, InvalidInput
from booking.extensions import db
from booking.models import User
from booking.notify.channels import DeliveryError
from booking.operations import accounts
from booking.operations.staff import list_staff
from booking.web.account_mail import account_email, send_account_email
from booking.web.audit import audit
from booking.web.staff.blueprint import bp, require_owner
from booking.web.staff.settings import render_settings
from booking.web.staff.settings_forms import ROLE_CHOICES, ROLES, ActiveForm, InviteForm, RoleForm
from booking.web.urls import absolute_url


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.staff_id.choices = [SelectChoice("", _("Not linked to a staff member"))] + [
        SelectChoice(str(member.id), member.name) for member in list_staff(g.business)]
    return form


def _users_page(form: InviteForm, status: int = 200):
    users = accounts.list_users(g.business)
    staff_names = {member.id: member.name for member in list_staff(g.business)}
    return render_settings("staff/settings_users.html", status, users=users, form=form, staff_names=staff_names,
                           pending={u.id for u in users if accounts.is_invitation_pending(u)},
                           roles=ROLE_CHOICES, link_days=accounts.LINK_VALID_FOR.days)


@bp.get("/settings/users")
def settings_users():
    require_owner()
    return _users_page(_invite_form())


def _invitation_email(user: User, link: str) -> EmailMessage:
    business = g.business
    with force_locale(business.locale):
        subject = _("Your account at %(business)s", business=business.name)
        paragraphs = [
            _("Hello %(name)s,", name=user.name),
            _("%(inviter)s has made you an account for the booking workspace of %(business)s. "
              "Choose your password with this link to log in:", inviter=current_user.name, business=business.name),
            link,
            _("The link works once and for %(days)s days. If it has expired, ask %(inviter)s to send a new one.",
              days=accounts.LINK_VALID_FOR.days, inviter=current_user.name),
            _("Your login is your email address: %(email)s", email=user.email),
        ]
    return account_email(user, subject, paragraphs)


def _send_invitation(user: User) -> None:
    """Mail the set-password link now, and say how it went."""
    link = absolute_url("auth.set_password", token=accounts.set_password_token(user, utcnow()))
    try:
        send_account_email(_invitation_email(user, link))
    except DeliveryError as exc:
        flash(_("The account of %(email)s is ready, but the invitation email could not be sent (%(error)s). "
                "Use \u201cSend again\u201d when the mail server is reachable.", email=user.email, error=str(exc)))
        return
    flash(_("Invitation sent to %(email)s.", email=user.email))


@bp.post("/settings/users/invite")
def settings_user_invite():
    require_owner()
    form = _invite_form()
    if not form.validate():
        return _users_page(form, 422)
    invitation = accounts.Invitation(name=form.name.data, email=form.email.data, role=form.role.data,
                                     staff_id=form.chosen_staff_id())
    try:
        user = accounts.invite_user(g.business, invitation, utcnow())
    except Conflict:
        db.session.rollback()
        form.email.errors = [_("An account with this email address exists already.")]
        return _users_page(form, 422)
    except InvalidInput:
        db.session.rollback()
        form.staff_id.errors = [_("Please choose a staff member from the list.")]
        return _users_page(form, 422)
    audit("user.invite", "user", user.id, name=user.name, email=user.email, role=user.role, staff_id=user.staff_id)
    db.session.commit()
    _send_invitation(user)
    return redirect(url_for(".settings_users", _anchor=f"user-{user.id}"), 303)


@bp.post("/settings/users/<int:user_id>/resend")
def settings_user_resend(user_id: int):
    require_owner()
    user = accounts.get_user(g.business, user_id)
    if not accounts.is_invitation_pending(user) or not user.active:
        flash(_("%(name)s has chosen a password already.", name=user.name) if user.active
              else _("This account is switched off. Switch it on first."))
    else:
        audit("user.invite_resend", "user", user.id, email=user.email)
        db.session.commit()
        _send_invitation(user)
    return redirect(url_for(".settings_users", _anchor=f"user-{user.id}"), 303)


def _last_owner_refusal(user: User) -> None:
    db.session.rollback()
    if user.id == current_user.id:
        flash(_("You are the only active owner. Make another account an owner first, then change your own."))
    else:
        flash(_("%(name)s is the only active owner. Make another account an owner first.", name=user.name))


@bp.post("/settings/users/<int:user_id>/role")
def settings_user_role(user_id: int):
    require_owner()
    user = accounts.get_user(g.business, user_id)
    role = RoleForm().role.data
    if role not in ROLES:
        abort(400)
    try:
        accounts.change_role(g.business, user, role)
    except accounts.LastOwner:
        _last_owner_refusal(user)
        return redirect(url_for(".settings_users", _anchor=f"user-{user_id}"), 303)
    audit("user.role", "user", user.id, name=user.name, role=role)
    db.session.commit()
    flash(_("%(name)s is now an owner.", name=user.name) if role == "owner"
          else _("%(name)s is now staff.", name=user.name))
    if user.id == current_user.id and role != "owner":
        return redirect(url_for(".today"), 303)  # the settings are no longer theirs to see
    return redirect(url_for(".settings_users", _anchor=f"user-{user_id}"), 303)


@bp.post("/settings/users/<int:user_id>/active")
def settings_user_active(user_id: int):
    require_owner()
    user = accounts.get_user(g.business, user_id)
    wanted = ActiveForm().active.data
    if wanted not in ("0", "1"):
        abort(400)
    try:
        accounts.set_active(g.business, user, wanted == "1")
    except accounts.LastOwner:
        _last_owner_refusal(user)
        return redirect(url_for(".settings_users", _anchor=f"user-{user_id}"), 303)
    audit("user.active", "user", user.id, name=user.name, active=user.active)
    db.session.commit()
    flash(_("%(name)s can log in again.", name=user.name) if user.active
          else _("%(name)s can no longer log in.", name=user.name))
    return redirect(url_for(".settings_users", _anchor=f"user-{user_id}"), 303)
