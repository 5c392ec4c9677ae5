"""Configuration read from the environment (API.md "Settings")."""
from __future__ import annotations

import os
import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


# An origin as a browser sends it: scheme, host, optional port; nothing that could end a CSP directive.
_ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def _origins(name: str) -> tuple[str, ...]:
    """Origins listed in the variable, separated by spaces or commas; a malformed one stops the start."""
    found = tuple(item.rstrip("/") for item in re.split(r"[\s,]+", os.environ.get(name) or "") if item)
    bad = [origin for origin in found if not _ORIGIN.fullmatch(origin)]
    if bad:
        raise ValueError(f"{name}: not an origin like https://www.example.com: {', '.join(bad)}")
    return found


def _optional_flag(name: str) -> bool | None:
    raw = os.environ.get(name)
    return None if raw is None or raw == "" else _flag(name, False)


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{BASE_DIR / 'instance' / 'booking.sqlite3'}"
    # Heroku-style URLs and plain postgresql:// should use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    """Settings for one process; every value can come from the environment."""

    def __init__(self) -> None:
        self.SQLALCHEMY_DATABASE_URI = _database_url()
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-secret-key-change-me"
        # Earlier keys, comma-separated: sessions, links, feeds and sealed calendar
        # addresses made under them keep working after a rotation (Flask reads it for sessions).
        self.SECRET_KEY_FALLBACKS = [key.strip() for key in (os.environ.get("SECRET_KEY_FALLBACKS") or "").split(",")
                                     if key.strip()]
        # Empty: links are built from the request (fine on one machine); set it behind a proxy.
        self.BASE_URL = (os.environ.get("BASE_URL") or "").rstrip("/")
        self.SMTP_HOST = os.environ.get("SMTP_HOST") or None
        self.SMTP_PORT = _int("SMTP_PORT", 25)
        self.SMTP_USERNAME = os.environ.get("SMTP_USERNAME") or None
        self.SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD") or None
        self.SMTP_STARTTLS = _flag("SMTP_STARTTLS", False)
        self.MAIL_FROM = os.environ.get("MAIL_FROM") or "bookings@localhost"
        self.SMS_WEBHOOK_URL = os.environ.get("SMS_WEBHOOK_URL") or None
        self.SCHEDULER = (os.environ.get("SCHEDULER") or "embedded").lower()
        self.NOTIFY_POLL_SECONDS = _int("NOTIFY_POLL_SECONDS", 30)
        # How long a claimed notification stays with the process that claimed it; a process that
        # dies mid-send leaves rows another one takes over after this (with the same Message-ID).
        self.NOTIFY_LEASE_SECONDS = _int("NOTIFY_LEASE_SECONDS", 300)
        self.CALENDAR_SYNC_MINUTES = _int("CALENDAR_SYNC_MINUTES", 15)
        self.ALLOW_PRIVATE_CALENDAR_URLS = _flag("ALLOW_PRIVATE_CALENDAR_URLS", False)
        self.RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", True)
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
        self.RATELIMIT_HEADERS_ENABLED = True
        self.SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
        # How many reverse proxies (nginx, a load balancer) stand in front and set X-Forwarded-For,
        # -Proto and -Host: 0 ignores those headers (anyone could send them); behind one nginx, 1.
        # Per-IP rate limits and links built from the request depend on it.
        self.TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
        self.WTF_CSRF_TIME_LIMIT = None  # a booking form left open overnight must still submit
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.BASE_URL.startswith("https://")
        # Flask-Login's remember-me cookie is as sensitive as the session one: the same flags.
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        # Flask-WTF's HTTPS Referer check would refuse the forms of pages that send no Referer by
        # design (manage and set-password pages: Referrer-Policy no-referrer) and of browsers that
        # strip it; booking.web.security refuses cross-origin form posts by Sec-Fetch-Site/Origin.
        self.WTF_CSRF_SSL_STRICT = False
        # Sites allowed to show the public booking pages in an iframe (booking.web.security).
        self.EMBED_ORIGINS = _origins("EMBED_ORIGINS")
        self.BABEL_DEFAULT_LOCALE = "en"
        self.BABEL_DEFAULT_TIMEZONE = "UTC"
        # Compiled by `make translations` (the .mo files are build output, not in git); without
        # them Flask-Babel falls back to the English source text.
        self.BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "booking" / "translations")
        self.LANGUAGES = ("de", "en", "es")
        self.JSON_SORT_KEYS = False
        self.LOG_FORMAT = (os.environ.get("LOG_FORMAT") or "text").lower()  # text | json
        self.LOG_LEVEL = (os.environ.get("LOG_LEVEL") or "INFO").upper()
        # Unset: on for the SQLite demo, off on PostgreSQL (booking.observability.logs).
        self.LOG_PERSONAL_DATA = _optional_flag("LOG_PERSONAL_DATA")
        # Unset: GET /metrics answers 404.
        self.METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
