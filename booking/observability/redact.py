"""Take secrets and customers' contact data out of a log line (pure: text in, text out).

What goes: email addresses, phone numbers, the secret segment of token links (`/m/<token>`,
`/api/v1/manage/<token>`, `/feeds/<token>.ics`, `/set-password/<token>`), credentials in URLs
and query strings, Authorization values, API keys (`bk_...`), `password=`/`secret=` values and
long random tokens anywhere. What stays: dates, times, ids, request ids (hex), Message-IDs and
everything else an operator needs to follow what happened. Names cannot be recognised in free
text, so code never logs them (see booking.notify.channels for the one place that may).

Every rule is idempotent: redacting redacted text changes nothing.
"""
from __future__ import annotations

import re

EMAIL = "[email]"
PHONE = "[phone]"
TOKEN = "[token]"
REDACTED = "[redacted]"

_TOKEN_PATH = re.compile(r"(/(?:m|feeds|set-password|api/v1/manage)/)([^/\s?#\"'<>]+)")
_URL_CREDENTIALS = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@:]+:[^/\s@]+@")
_QUERY_SECRET = re.compile(
    r"([?&;](?:token|key|api_key|apikey|access_token|auth|password|secret|sig|signature)=)[^&\s#\"']+", re.I)
_AUTH_SCHEME = re.compile(r"\b(Bearer|Basic|Token)\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]+", re.I)
_NAMED_SECRET = re.compile(
    r"\b([\w-]*(?:authorization|api[_-]?key|password|passwd|secret)[\w-]*)([\"']?\s*[:=]\s*[\"']?)"
    r"(?!(?:Bearer|Basic|Token)\s)[^\s\"',;&}]+", re.I)
_API_KEY = re.compile(r"\bbk_[A-Za-z0-9_-]{16,}")
_EMAIL = re.compile(r"[\w.%+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+")  # %40: an address inside a URL
# Our request ids and the local parts of our Message-IDs (uuid4 hex, email.utils.make_msgid).
_UUID_HEX = re.compile(r"[0-9a-f]{32}")
_MESSAGE_ID_LOCAL = re.compile(r"[0-9a-f]{32}|[\d.]+")
_LONG_TOKEN = re.compile(r"(?<![\w-])[A-Za-z0-9_-]{32,}(?![\w-])")
# International (+49 ..., 0049 ...), national with trunk 0 (030 1234567) and North American
# (555-123-4567) shapes; a match needs 7-15 digits, so dates, times, ids and versions stay.
_PHONES = (re.compile(r"(?<![\w+/.:-])(?:\+|00)\d[\d \t()./-]{5,}\d(?!\w)"),
           re.compile(r"(?<![\w+/.:-])\(?0\d[\d \t()./-]{4,}\d(?!\w)"),
           re.compile(r"(?<![\w+/.:-])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?!\w)"))
_NOT_A_PHONE = re.compile(r"0\.\d+|\d{1,2}([./-])\d{1,2}\1\d{2,4}")  # 0.123456789, 01.02.2027


def _token_path(match: re.Match) -> str:
    segment = match.group(2)
    suffix = ".ics" if segment.endswith(".ics") else ""
    return match.group(1) + TOKEN + suffix


def _email(match: re.Match) -> str:
    local = re.split("@|%40", match.group(0), maxsplit=1)[0]
    return match.group(0) if _MESSAGE_ID_LOCAL.fullmatch(local) else EMAIL


def _long_token(match: re.Match) -> str:
    # Digits and letters together: random, not a long identifier like a test's name.
    word = match.group(0)
    random_looking = any(c.isdigit() for c in word) and any(c.isalpha() for c in word)
    return TOKEN if random_looking and not _UUID_HEX.fullmatch(word) else word


def _phone(match: re.Match) -> str:
    candidate = match.group(0)
    digits = sum(c.isdigit() for c in candidate)
    return PHONE if 7 <= digits <= 15 and not _NOT_A_PHONE.fullmatch(candidate) else candidate


def redact(text: str) -> str:
    """Return `text` with secrets and contact data replaced by `[email]`, `[phone]`,
    `[token]` or `[redacted]` (see the module docstring for what counts)."""
    text = _TOKEN_PATH.sub(_token_path, text)
    text = _URL_CREDENTIALS.sub(r"\1[credentials]@", text)
    text = _QUERY_SECRET.sub(r"\1" + REDACTED, text)
    text = _AUTH_SCHEME.sub(r"\1 " + REDACTED, text)
    text = _NAMED_SECRET.sub(r"\1\2" + REDACTED, text)
    text = _API_KEY.sub("bk_" + REDACTED, text)
    text = _EMAIL.sub(_email, text)
    text = _LONG_TOKEN.sub(_long_token, text)
    for pattern in _PHONES:
        text = pattern.sub(_phone, text)
    return text
