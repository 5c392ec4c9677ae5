"""Who may act for a business: its login accounts (invitations, set-password links, roles,
deactivation) and the list of its API keys (made and revoked in operations.tenants).

An invited account gets a placeholder instead of a password hash, so nobody can log in with
it until the invitee has chosen a password through a set-password link. Such a link is signed
with the app's SECRET_KEY and carries the account, an expiry, and a fingerprint of the
account's current password hash: setting a password changes the hash, so each link works once.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from booking.credentials import hash_password, new_secret, password_fingerprint, server_keys
from booking.errors import Conflict, InvalidInput, NotFound
from booking.extensions import db
from booking.models import ApiKey, Business, PasswordReset, Staff, User
from booking.models.users import ROLES

INVITED_PREFIX = "!invited:"  # never a valid Argon2 hash: no password matches it
LINK_VALID_FOR = timedelta(days=7)
_LINK_SALT = "set-password"


class LastOwner(Conflict):
    """The business would be left without an active owner."""


class LinkExpired(NotFound):
    """The set-password link is older than LINK_VALID_FOR."""


class LinkUsed(NotFound):
    """The set-password link was used (the password changed since), or its account is off."""


@dataclass(frozen=True)
class Invitation:
    name: str
    email: str
    role: str
    staff_id: int | None


def list_users(business: Business) -> list[User]:
    return list(db.session.scalars(select(User).where(User.business_id == business.id)
                                   .order_by(User.name, User.id)))


def get_user(business: Business, user_id: int) -> User:
    """The login account of this business with that id, else NotFound."""
    user = db.session.scalar(select(User).where(User.id == user_id, User.business_id == business.id))
    if user is None:
        raise NotFound("No such account.")
    return user


def list_api_keys(business: Business) -> list[ApiKey]:
    """Every key of the business, live ones first, newest first."""
    return list(db.session.scalars(select(ApiKey).where(ApiKey.business_id == business.id)
                                   .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(),
                                             ApiKey.id.desc())))


def is_invitation_pending(user: User) -> bool:
    """True while the invitee has not chosen a password yet."""
    return user.password_hash.startswith(INVITED_PREFIX)


def invite_user(business: Business, invitation: Invitation, now: datetime) -> User:
    """A new account without a usable password; Conflict when the email has an account already,
    InvalidInput when the role or staff member is not one of this business's."""
    if invitation.role not in ROLES:
        raise InvalidInput({"role": "must be owner or staff"})
    if invitation.staff_id is not None and db.session.scalar(
            select(Staff.id).where(Staff.id == invitation.staff_id, Staff.business_id == business.id,
                                   Staff.active.is_(True))) is None:
        raise InvalidInput({"staff_id": "no such staff member"})
    if db.session.scalar(select(User.id).where(User.email == invitation.email)) is not None:
        raise Conflict("An account with this email already exists.")
    user = User(business_id=business.id, staff_id=invitation.staff_id, email=invitation.email,
                name=invitation.name, role=invitation.role, active=True,
                password_hash=INVITED_PREFIX + new_secret(), created_at=now)
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # the same email was taken a moment ago
        raise Conflict("An account with this email already exists.") from exc
    return user


def _active_owner_ids(business: Business) -> list[int]:
    # Locked, so two owners demoting each other at the same moment cannot both succeed.
    return list(db.session.scalars(select(User.id).where(User.business_id == business.id, User.role == "owner",
                                                         User.active.is_(True))
                                   .order_by(User.id).with_for_update()))


def _keep_an_owner(business: Business, user: User) -> None:
    if _active_owner_ids(business) == [user.id]:
        raise LastOwner("This is the only active owner of the business.")


def change_role(business: Business, user: User, role: str) -> User:
    """Make the account an owner or staff; LastOwner if it is the last active owner."""
    if role not in ROLES:
        raise InvalidInput({"role": "must be owner or staff"})
    if user.role == "owner" and role != "owner" and user.active:
        _keep_an_owner(business, user)
    user.role = role
    db.session.flush()
    return user


def set_active(business: Business, user: User, active: bool) -> User:
    """Switch the account on or off (an off account cannot log in, and its sessions end);
    LastOwner when switching off the last active owner."""
    if not active and user.active and user.role == "owner":
        _keep_an_owner(business, user)
    user.active = active
    db.session.flush()
    return user


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(server_keys(current_app.config), salt=_LINK_SALT)  # fallbacks: sent links stay valid




def set_password_token(user: User, now: datetime) -> str:
    """The token of a set-password link for the account, valid for LINK_VALID_FOR from `now`."""
    expires = int((now + LINK_VALID_FOR).timestamp())
    return _serializer().dumps({"user": user.id, "hash": password_fingerprint(user.password_hash), "expires": expires})


def user_for_token(token: str, now: datetime) -> User:
    """The account a set-password token stands for. NotFound for a forged or garbled token,
    LinkExpired after its expiry, LinkUsed once the password changed or the account is off."""
    try:
        payload = _serializer().loads(token)
    except BadSignature as exc:
        raise NotFound("No such link.") from exc
    if not isinstance(payload, dict) or not all(isinstance(payload.get(k), t) for k, t in
                                                (("user", int), ("hash", str), ("expires", int))):
        raise NotFound("No such link.")
    if now >= datetime.fromtimestamp(payload["expires"], timezone.utc):
        raise LinkExpired("This link has expired.")
    user = db.session.get(User, payload["user"])
    # The payload's signature is checked already; compare_digest all the same, as for every secret.
    if user is None or not user.active or not hmac.compare_digest(password_fingerprint(user.password_hash),
                                                                  payload["hash"]):
        raise LinkUsed("This link was already used.")
    return user


def set_password(user: User, password: str, now: datetime) -> User:
    """Store a new password (the caller checked the rules); older set-password links and every
    open password-reset link die with it."""
    user.password_hash = hash_password(password)
    db.session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
                       .values(used_at=now))
    db.session.flush()
    return user
