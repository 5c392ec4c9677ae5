"""Password reset ("forgot password"): a single-use link, valid for an hour, mailed to the account.

The link carries a fresh random secret; only its SHA-256 is stored, so a copy of the database
opens no account. Using a link, or any new password of the account (an invitation link, another
reset link), ends every open link of that account. Asking for a link answers the same whether
the address has an account or not: the caller shows one message and mails only when given one.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from booking.credentials import digest, new_secret
from booking.errors import NotFound
from booking.extensions import db
from booking.models import PasswordReset, User
from booking.operations.accounts import LinkExpired, LinkUsed, set_password
from booking.operations.logins import clear_failures, normalized_email

RESET_VALID_FOR = timedelta(hours=1)
# Links one account may be sent within RESET_VALID_FOR: enough for a lost mail, too few to
# flood someone's inbox through our form.
MAX_LINKS_PER_WINDOW = 3


def request_reset(email: str, now: datetime) -> tuple[User, str] | None:
    """A new reset link's secret for the active account with this address, or None: no such
    account, or it was sent MAX_LINKS_PER_WINDOW links within the last RESET_VALID_FOR."""
    user = db.session.scalar(select(User).where(User.email == normalized_email(email), User.active.is_(True)))
    if user is None:
        return None
    recent = db.session.scalar(select(func.count()).select_from(PasswordReset).where(
        PasswordReset.user_id == user.id, PasswordReset.created_at > now - RESET_VALID_FOR))
    if recent >= MAX_LINKS_PER_WINDOW:
        return None
    secret = new_secret()
    db.session.add(PasswordReset(user_id=user.id, token_hash=digest(secret), created_at=now,
                                 expires_at=now + RESET_VALID_FOR))
    db.session.flush()
    return user, secret


def get_reset(secret: str, now: datetime) -> PasswordReset:
    """The open reset link for a secret: NotFound when there is none, LinkUsed once it (or a
    newer password) ended it or its account was switched off, LinkExpired after its hour."""
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == digest(secret)))
    if reset is None:
        raise NotFound("No such link.")
    if reset.used_at is not None or not reset.user.active:
        raise LinkUsed("This link was already used.")
    if now >= reset.expires_at:
        raise LinkExpired("This link has expired.")
    return reset


def complete_reset(reset: PasswordReset, password: str, now: datetime) -> User:
    """Set the new password (the caller checked the rules); this and every other open link of
    the account end, and the failed logins that locked it are forgotten."""
    user = reset.user
    set_password(user, password, now)
    clear_failures(user.email)
    return user
