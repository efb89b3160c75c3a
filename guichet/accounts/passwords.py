"""Password hashing: argon2id with argon2-cffi's default (RFC 9106 low-memory)
parameters. A hash made with older parameters is re-made at the next good login."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()  # argon2id by default
MIN_PASSWORD = 10

# verified when the username is unknown, so that a wrong username costs the same
# time as a wrong password (no timing oracle on which accounts exist)
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)


def generate_password() -> str:
    """A password for a person to type once and change: 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


def generate_sip_secret() -> str:
    return secrets.token_urlsafe(24)
