"""Secrets we must be able to read back, sealed at rest under a key derived from SECRET_KEY.

An imported calendar's address is a secret (Google's, iCloud's and Nextcloud's "secret
address" reads the whole private calendar), yet we must fetch it every few minutes, so a
digest will not do. Sealed values are Fernet tokens (AES-128-CBC with HMAC-SHA256, so a
changed byte is detected) behind a version prefix: a database dump or backup without the
server's SECRET_KEY does not reveal them. Values without the prefix are read as they are
(rows written before sealing, until the migration seals them).
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "sealed:v1:"


def _fernet(secret_key: str) -> Fernet:
    material = hmac.new(secret_key.encode("utf-8"), b"booking: sealed values v1", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(material))


def seal(value: str, secret_key: str) -> str:
    """The sealed form of `value` (a new random IV each time, so equal values seal differently)."""
    return PREFIX + _fernet(secret_key).encrypt(value.encode("utf-8")).decode("ascii")


def unseal(stored: str, secret_key: str) -> str | None:
    """The value behind `stored`; a value that was never sealed as it is; None when it was sealed
    under another SECRET_KEY or altered."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet(secret_key).decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        return None


def is_sealed(stored: str) -> bool:
    """Whether a stored value is in sealed form."""
    return stored.startswith(PREFIX)
