"""Businesses: sign-up, settings, API keys."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking.credentials import digest, hash_password, new_secret
from booking.errors import Conflict, NotFound
from booking.extensions import db
from booking.models import ApiKey, Business, User

API_KEY_PREFIX = "bk_"
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
BUSINESS_SETTINGS = ("name", "timezone", "locale", "min_notice_minutes", "max_advance_days",
                     "cancellation_cutoff_hours", "reminder_offsets_minutes",
                     "delay_notice_threshold_minutes", "quiet_hours_start_minute", "quiet_hours_end_minute",
                     "feedback_requests", "retention_months")


@dataclass(frozen=True)
class SignupRequest:
    business_name: str
    slug: str | None
    timezone: str
    locale: str
    owner_name: str
    owner_email: str
    owner_password: str


def slugify(name: str) -> str:
    """A URL slug from a business name: ASCII letters, digits and single dashes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:60].strip("-") or "business"


def _free_slug(base: str) -> str:
    taken = set(db.session.scalars(select(Business.slug).where(Business.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def sign_up(req: SignupRequest, now: datetime) -> tuple[Business, User, str]:
    """Create a business with its owner and a first API key; returns the key's secret once."""
    slug = req.slug or _free_slug(slugify(req.business_name))
    if db.session.scalar(select(Business.id).where(Business.slug == slug)):
        raise Conflict("The address '%(slug)s' is already taken.", {"slug": slug})
    if db.session.scalar(select(User.id).where(User.email == req.owner_email)):
        raise Conflict("An account with this email already exists.")
    business = Business(slug=slug, name=req.business_name, timezone=req.timezone, locale=req.locale,
                        created_at=now, updated_at=now)
    owner = User(business=business, email=req.owner_email, name=req.owner_name, role="owner",
                 password_hash=hash_password(req.owner_password), created_at=now)
    db.session.add_all([business, owner])
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # a concurrent sign-up took the slug or email first
        raise Conflict("The address or email is already taken.") from exc
    _, secret = create_api_key(business, now)
    return business, owner, secret


def update_business(business: Business, changes: dict[str, Any], now: datetime) -> Business:
    """Apply validated settings (keys of BUSINESS_SETTINGS) to the business."""
    for key, value in changes.items():
        if key in BUSINESS_SETTINGS:
            setattr(business, key, value)
    business.updated_at = now
    db.session.flush()
    return business


def create_api_key(business: Business, now: datetime) -> tuple[ApiKey, str]:
    """A new API key; the secret is returned here and never stored."""
    secret = new_secret(API_KEY_PREFIX)
    key = ApiKey(business_id=business.id, key_hash=digest(secret), prefix=secret[:8], created_at=now)
    db.session.add(key)
    db.session.flush()
    return key, secret


def revoke_api_key(business: Business, key_id: int, now: datetime) -> ApiKey:
    """Revoke a live key of the business (NotFound otherwise); programs using it are refused."""
    key = db.session.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.business_id == business.id,
                                                 ApiKey.revoked_at.is_(None)))
    if key is None:
        raise NotFound("No such API key.")
    key.revoked_at = now
    db.session.flush()
    return key


def find_api_key(secret: str) -> ApiKey | None:
    """The live API key for a presented secret, looked up by its digest."""
    if not secret:
        return None
    return db.session.scalar(select(ApiKey).where(ApiKey.key_hash == digest(secret),
                                                  ApiKey.revoked_at.is_(None)))


def get_business_by_slug(slug: str) -> Business:
    business = None
    if SLUG_PATTERN.match(slug):  # a slug that cannot exist is not looked up (PostgreSQL refuses NUL bytes)
        business = db.session.scalar(select(Business).where(Business.slug == slug))
    if business is None:
        raise NotFound("No such business.")
    return business
