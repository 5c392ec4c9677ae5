"""People who log in (owners, staff), what guards their login (failed attempts, password-reset
links) and API keys."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.credentials import password_fingerprint
from booking.extensions import db
from booking.models.base import UTCDateTime
from booking.models.tenancy import Business

ROLES = ("owner", "staff")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="staff")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    business: Mapped[Business] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"

    def get_id(self) -> str:
        # What Flask-Login keeps in the session: with the password's fingerprint, a new password
        # (reset, invitation) logs out every other browser at its next request.
        return f"{self.id}.{password_fingerprint(self.password_hash)}"


class ApiKey(db.Model):
    """A management API key; only the SHA-256 of the secret is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    business: Mapped[Business] = relationship()


class PasswordReset(db.Model):
    """A "forgot password" link; only the SHA-256 of its secret is stored. It works once, until
    `expires_at`, and dies with any new password of its account (`used_at` set)."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """One failed login for an email address (stored as its SHA-256, known account or not), kept in
    the database so that every web process counts the same attempts."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_account_at", "account_digest", "at_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_digest: Mapped[str] = mapped_column(String(64))
    at_utc: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
