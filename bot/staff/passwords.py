"""Password hashing with argon2id (argon2-cffi).

The hash carries its own parameters, so raising them later only needs :func:`verify` to say
"rehash": the next successful login stores a hash with the new parameters.  A login for an
email that has no account still verifies against :func:`dummy_hash`, so the answer takes as
long as for a real one (no account enumeration by timing).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.staff.texts import N_

#: argon2-cffi's defaults (RFC 9106's second recommendation: t=3, 64 MiB, p=4).
HASHER = PasswordHasher()

MIN_LENGTH = 10
MAX_LENGTH = 256
"""Longer inputs are refused before hashing: nobody types more, and it bounds the work."""

_hasher = HASHER
_dummy: dict[int, str] = {}


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash new passwords with other parameters from now on (the test suite uses cheap ones:
    hundreds of logins at 64 MiB each would take minutes).  Stored hashes keep verifying:
    each carries its own parameters, and is replaced at its next successful login."""
    global _hasher
    _hasher = hasher


def current_hasher() -> PasswordHasher:
    return _hasher


def dummy_hash() -> str:
    """Verified against when the email is unknown, so both answers cost the same."""
    hasher = _hasher
    if id(hasher) not in _dummy:
        _dummy[id(hasher)] = hasher.hash(secrets.token_urlsafe(16))
    return _dummy[id(hasher)]


@dataclass(frozen=True, slots=True)
class Verified:
    """The outcome of :func:`verify`."""

    ok: bool
    new_hash: str | None = None
    """Set when the password was right and the stored hash uses old parameters."""


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salt and parameters inside)."""
    return _hasher.hash(password)


def verify(stored: str, password: str) -> Verified:
    """Whether ``password`` matches ``stored``; a new hash when the parameters changed."""
    if len(password) > MAX_LENGTH:
        return Verified(False)
    hasher = _hasher
    try:
        hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return Verified(False)
    if hasher.check_needs_rehash(stored):
        return Verified(True, hasher.hash(password))
    return Verified(True)


def burn_time(password: str) -> None:
    """Do the work of one verification for an unknown account (the answer is always no)."""
    verify(dummy_hash(), password[:MAX_LENGTH])


def generate_password() -> str:
    """A one-time password for a new account or an admin's reset: 16 readable characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def password_problem(password: str, email: str) -> str | None:
    """Why ``password`` is not acceptable (a msgid for the staff catalog), or ``None``."""
    if len(password) < MIN_LENGTH:
        return N_("Das Passwort muss mindestens 10 Zeichen lang sein.")
    if len(password) > MAX_LENGTH:
        return N_("Das Passwort ist zu lang (höchstens 256 Zeichen).")
    if password.strip().lower() == email.strip().lower() or (
        email and password.strip().lower() == email.split("@")[0].strip().lower()
    ):
        return N_("Das Passwort darf nicht Ihre E-Mail-Adresse sein.")
    return None


__all__ = [
    "HASHER",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "Verified",
    "burn_time",
    "current_hasher",
    "dummy_hash",
    "generate_password",
    "hash_password",
    "password_problem",
    "use_hasher",
    "verify",
]
