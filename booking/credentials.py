"""Secrets we hand out (API keys, manage tokens) and passwords we keep.

Secrets are stored only as SHA-256 digests: they are long random strings, so a fast hash
is enough and lets us look them up by index. Passwords are people-chosen, so they get
Argon2id, which is memory-hard, with the parameters of RFC 9106's second recommended option
(t=3, 64 MiB, 4 lanes: about 0.15 s on one core). A hash made with other parameters still
verifies; `needs_rehash` tells the login to store it anew with these.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# Spelled out rather than the library's defaults, which may change with an upgrade.
_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4, hash_len=32, salt_len=16,
                         type=Type.ID)


def new_secret(prefix: str = "") -> str:
    """Return a fresh unguessable secret (256 bits), optionally prefixed for recognition."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """SHA-256 hex digest under which a secret is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def password_fingerprint(password_hash: str) -> str:
    """A short digest of a stored password hash, carried by login sessions and account links so
    that a new password ends them (the salt inside the hash keeps it useless for guessing)."""
    return digest(password_hash)[:20]


def server_keys(config: Mapping) -> list[str]:
    """The SECRET_KEY_FALLBACKS, then SECRET_KEY: the order Flask and itsdangerous take (they sign
    with the last and accept all), so a key rotation keeps what was made under an earlier key working."""
    return [*[key for key in config.get("SECRET_KEY_FALLBACKS") or [] if key], config["SECRET_KEY"]]


def derived_token(keys: list[str], message: str, stored_digest: str | None) -> str:
    """HMAC-SHA256 of `message`, URL-safe, under the one of `keys` (server_keys) whose token has
    `stored_digest` (the key it was handed out under), else under the current key (the last)."""
    tokens = [base64.urlsafe_b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest())
              .decode().rstrip("=") for key in keys]
    if stored_digest:
        for token in tokens:
            if hmac.compare_digest(digest(token), stored_digest):
                return token
    return tokens[-1]


def hash_password(password: str) -> str:
    """The Argon2id hash (PHC string, salt included) under which a password is stored."""
    return _hasher.hash(password)


@cache
def _stand_in_hash() -> str:
    return _hasher.hash(new_secret())


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches. Without a usable hash (no such account, an invitation still
    open) a stand-in is checked instead, so the time taken does not tell which case it was."""
    if not stored_hash or not stored_hash.startswith("$argon2"):
        stored_hash, matchable = _stand_in_hash(), False
    else:
        matchable = True
    try:
        return _hasher.verify(stored_hash, password) and matchable
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when a (verified) hash was made with other parameters than today's."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return False
