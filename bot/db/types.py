"""Column types that keep two promises: times are aware UTC, personal text is encrypted."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import DateTime, Dialect, String, TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always stored and returned as timezone-aware UTC.

    SQLite has no time zones and returns naive values; PostgreSQL returns aware ones.  This type
    makes both look the same to the code, and refuses naive datetimes on the way in, because a
    naive datetime in a reminder bot is a reminder at the wrong hour.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


RECENT_DECRYPTIONS = 20_000


class FieldCipher:
    """Encrypts personal fields with a key derived from ``TWC_SECRET_KEY`` (not in the DB)."""

    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(b"twc-field-encryption:" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._recent: dict[str, str] = {}

    def encrypt(self, text: str) -> str:
        """Return the ciphertext of ``text`` as ASCII."""
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def decrypt(self, token: str) -> str | None:
        """Return the plain text, or ``None`` if the key has changed (the value is unreadable).

        Decrypting costs more than the rest of reading a person, and the same few thousand
        names are read again with every message, so recent results are kept in memory (where
        the plain text is during processing anyway).  Each ciphertext is unique, so an entry
        can never be stale.
        """
        cached = self._recent.get(token)
        if cached is not None:
            return cached
        try:
            plain = self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            return None
        if len(self._recent) >= RECENT_DECRYPTIONS:
            self._recent.clear()
        self._recent[token] = plain
        return plain


_cipher: FieldCipher | None = None


def configure_cipher(secret_key: str) -> None:
    """Set the process-wide key used by :class:`EncryptedText` columns."""
    global _cipher  # one key per process, set at start-up
    _cipher = FieldCipher(secret_key)


def cipher() -> FieldCipher:
    """The configured cipher; a clear error if start-up forgot to configure it."""
    if _cipher is None:
        raise RuntimeError("field encryption key not configured (call configure_cipher)")
    return _cipher


class EncryptedText(TypeDecorator[str]):
    """Text that is encrypted at rest (names, phone numbers, chat addresses)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else cipher().encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else cipher().decrypt(value)
