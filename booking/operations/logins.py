"""Logging in to the workspace: the password check, and throttling the guesses at one account.

Failed logins are rows in the database, not counters in a process, so every web process on
every machine counts the same attempts. An account whose login failed MAX_FAILURES times
within WINDOW is locked until the oldest of those failures leaves the window. Attempts refused
while it is locked are not counted: the lock ends on time however long someone keeps trying,
and the owner of the account is not locked out for longer than that. Addresses without an
account are counted and locked alike, so the answers never tell whether an account exists.
(Guesses spread over many accounts are the per-IP limit's business, in the login view.)
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from booking.credentials import digest, hash_password, needs_rehash, verify_password
from booking.extensions import db
from booking.models import LoginFailure, User

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)


class LoginLocked(Exception):
    """Too many failed logins for this account: refused without looking at the password."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"login locked until {until.isoformat()}")
        self.until = until


def normalized_email(email: str) -> str:
    """The form an address is stored and looked up in (accounts are unique by it)."""
    return email.strip().lower()


def _account_digest(email: str) -> str:
    # A digest, not the address: typed addresses of strangers are not kept, even for 15 minutes.
    return digest(normalized_email(email))


def locked_until(email: str, now: datetime) -> datetime | None:
    """When the login of this address opens again, or None when it is open now."""
    recent = list(db.session.scalars(
        select(LoginFailure.at_utc).where(LoginFailure.account_digest == _account_digest(email),
                                          LoginFailure.at_utc > now - WINDOW)
        .order_by(LoginFailure.at_utc.desc()).limit(MAX_FAILURES)))
    if len(recent) < MAX_FAILURES:
        return None
    return recent[-1] + WINDOW


def _record_failure(email: str, now: datetime) -> None:
    db.session.add(LoginFailure(account_digest=_account_digest(email), at_utc=now))
    # Rows that left the window count for nothing any more; every failure sweeps them away.
    db.session.execute(delete(LoginFailure).where(LoginFailure.at_utc <= now - WINDOW))
    db.session.flush()


def log_in(email: str, password: str, now: datetime) -> User | None:
    """The active account with this email and password, else None (the failure is counted);
    LoginLocked while the address has too many recent failures. A hash made with older
    parameters is stored anew with today's. The caller commits either way."""
    until = locked_until(email, now)
    if until is not None:
        raise LoginLocked(until)
    user = db.session.scalar(select(User).where(User.email == normalized_email(email)))
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.active:
        _record_failure(email, now)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    clear_failures(email)
    return user


def clear_failures(email: str) -> None:
    """Forget the failed logins of an address (after a login or a new password proved the owner)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.account_digest == _account_digest(email)))
    db.session.flush()
