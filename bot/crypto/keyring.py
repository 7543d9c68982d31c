"""Subkeys and the keyring: every secret the bot was given, each known by a short key id.

``TWC_SECRET_KEY`` is never used as a key itself.  HKDF-SHA256 (from ``cryptography``) turns
it into one 32-byte subkey per purpose, each with its own ``info`` label, and into the key id
that every ciphertext carries.  Values are encrypted with AES-256-GCM (``cryptography``'s
``AESGCM``; a random 96-bit nonce per value, the key id as associated data): authenticated
like Fernet, and about three times faster on the hot path, which encrypts every reply.

``TWC_PREVIOUS_SECRET_KEYS`` adds older secrets, readable but never written, while
``twc keys rotate`` moves everything to the current one.

Databases from before key ids (a Fernet key of SHA-256(prefix + secret), tokens without a
prefix, lookup keys keyed with the raw secret) are read through the *legacy* form of each
configured secret: ``twc keys rotate`` (run by the 0008 migration) rewrites them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: The ``info`` of each subkey: a new use of the secret gets a new label, never a shared key.
ENCRYPTION_INFO = b"twc/v1/field-encryption"
LOOKUP_INFO = b"twc/v1/lookup-keys"
CALENDAR_INFO = b"twc/v1/calendar-tokens"
KEY_ID_INFO = b"twc/v1/key-id"
_SALT = b"together-we-can/hkdf-salt/v1"

#: Ciphertexts look like ``v1.<kid>.<base64url(nonce + AES-GCM ciphertext)>``; the base64 part
#: has no dots, nor has a legacy Fernet token (which never starts with ``v1.``).
PREFIX = "v1."
KID_LENGTH = 8
#: The key id reported for a value written before key ids existed.
LEGACY = "legacy"


@lru_cache(maxsize=64)  # a handful of secrets × purposes, derived once per process
def subkey(secret: str, info: bytes) -> bytes:
    """The 32-byte subkey of ``secret`` for the purpose named by ``info`` (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=info).derive(
        secret.encode()
    )


def key_id(secret: str) -> str:
    """A short public name for ``secret`` (8 hex digits), stored with each ciphertext."""
    return subkey(secret, KEY_ID_INFO)[: KID_LENGTH // 2].hex()


def _legacy_fernet(secret: str) -> Fernet:
    digest = hashlib.sha256(b"twc-field-encryption:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class UnknownKeyError(Exception):
    """A value was encrypted under a key this process was not given (or is corrupt)."""

    def __init__(self, kid: str) -> None:
        super().__init__(
            f"a value is encrypted under key id {kid!r}, which is not configured: set "
            "TWC_SECRET_KEY (or TWC_PREVIOUS_SECRET_KEYS) to the secret it was written with"
        )
        self.kid = kid


@dataclass(frozen=True)
class KeyVersion:
    """One secret's derived keys."""

    kid: str
    aead: AESGCM = field(repr=False)
    lookup: bytes = field(repr=False)
    legacy_fernet: Fernet = field(repr=False)
    legacy_lookup: bytes = field(repr=False)

    @classmethod
    def of(cls, secret: str) -> KeyVersion:
        """Derive every key of ``secret``."""
        return cls(
            kid=key_id(secret),
            aead=AESGCM(subkey(secret, ENCRYPTION_INFO)),
            lookup=subkey(secret, LOOKUP_INFO),
            legacy_fernet=_legacy_fernet(secret),
            legacy_lookup=secret.encode(),
        )


def kid_of(token: str) -> str:
    """The key id a stored value names (``legacy`` for one from before key ids)."""
    if (
        token.startswith(PREFIX)
        and token[len(PREFIX) + KID_LENGTH : len(PREFIX) + KID_LENGTH + 1] == "."
    ):
        return token[len(PREFIX) : len(PREFIX) + KID_LENGTH]
    return LEGACY


class Keyring:
    """The current key (writes) and every previous one (reads only)."""

    def __init__(self, secret: str, previous: Sequence[str] = ()) -> None:
        self.current = KeyVersion.of(secret)
        self.versions: dict[str, KeyVersion] = {self.current.kid: self.current}
        for old in previous:
            if old and old != secret:
                version = KeyVersion.of(old)
                self.versions.setdefault(version.kid, version)
        self.current_prefix = f"{PREFIX}{self.current.kid}."
        self._associated = self.current.kid.encode()

    def encrypt(self, text: str) -> str:
        """``text`` encrypted under the current key, with its key id."""
        nonce = os.urandom(12)
        sealed = self.current.aead.encrypt(nonce, text.encode(), self._associated)
        return self.current_prefix + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plain text of a stored value; :class:`UnknownKeyError` if its key is not here."""
        kid = kid_of(token)
        if kid == LEGACY:
            return self._decrypt_legacy(token)
        version = self.versions.get(kid)
        if version is None:
            raise UnknownKeyError(kid)
        try:
            raw = base64.urlsafe_b64decode(token[len(PREFIX) + KID_LENGTH + 1 :])
            return version.aead.decrypt(raw[:12], raw[12:], kid.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise UnknownKeyError(kid) from None  # altered, or not written with this key

    def _decrypt_legacy(self, token: str) -> str:
        for version in self.versions.values():
            try:
                return version.legacy_fernet.decrypt(token.encode("ascii")).decode()
            except (InvalidToken, UnicodeEncodeError):
                continue
        raise UnknownKeyError(LEGACY)

    def is_current(self, token: str) -> bool:
        """Whether ``token`` is already under the current key (rotation skips it)."""
        return token.startswith(self.current_prefix)

    def known(self, kid: str) -> bool:
        """Whether values under ``kid`` can be read (legacy ones: tried with every secret)."""
        return kid == LEGACY or kid in self.versions


__all__ = [
    "CALENDAR_INFO",
    "ENCRYPTION_INFO",
    "LEGACY",
    "LOOKUP_INFO",
    "PREFIX",
    "KeyVersion",
    "Keyring",
    "UnknownKeyError",
    "key_id",
    "kid_of",
    "subkey",
]
