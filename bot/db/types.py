"""Column types that keep two promises: times are aware UTC, personal text is encrypted."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Dialect, String, TypeDecorator

from bot.crypto import Keyring
from bot.db.bulk import encode_json


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


#: Remembered decryptions: a district's 10 000 women have a name, a town, two profile lists and
#: an address each; fewer than that, and the staff app's searches and the turns of a busy
#: evening empty the memory again and again (it is cleared when full).
RECENT_DECRYPTIONS = 60_000

T = TypeVar("T")


class FieldCipher:
    """Encrypts personal fields under the keyring derived from ``TWC_SECRET_KEY`` (never
    stored in the database): see :mod:`bot.crypto`.  A value under a key it does not have
    raises :class:`~bot.crypto.UnknownKeyError`; it never reads as blank."""

    def __init__(self, secret_key: str, previous: Sequence[str] = ()) -> None:
        self.keyring = Keyring(secret_key, previous)
        self._recent: dict[str, str] = {}
        self._derived: dict[str, dict[Callable[[str], Any], Any]] = {}

    def encrypt(self, text: str) -> str:
        """Return the ciphertext of ``text`` as ASCII, with the current key id."""
        return self.keyring.encrypt(text)

    def decrypt(self, token: str, remember: bool = False) -> str:
        """Return the plain text of ``token``.

        Decrypting costs more than the rest of reading a person, and the same few thousand
        names are read again with every message, so with ``remember`` recent results are kept
        in memory (where the plain text is during processing anyway) until she is erased
        (:meth:`forget`).  Each ciphertext is unique, so an entry can never be stale.
        """
        cached = self._recent.get(token)
        if cached is not None:
            return cached
        plain = self.keyring.decrypt(token)
        if remember:
            if len(self._recent) >= RECENT_DECRYPTIONS:
                self._recent.clear()
            self._recent[token] = plain
        return plain

    def derived(self, token: str, derive: Callable[[str], T]) -> T:
        """``derive(plain text of token)``, remembered like a decryption and forgotten with it.

        What a search compares (a name folded for comparison, its words) costs more to make
        than the decryption itself, for every one of thousands of names per search; keyed by
        the ciphertext it can never be stale, and :meth:`forget` drops it when she is erased.
        ``derive`` must be one module-level function per purpose (it is part of the key).
        """
        found = self._derived.get(token)
        if found is not None and derive in found:
            return found[derive]  # type: ignore[no-any-return]
        value = derive(self.decrypt(token, remember=True))
        if found is None:
            if len(self._derived) >= RECENT_DECRYPTIONS:
                self._derived.clear()
            found = self._derived[token] = {}
        found[derive] = value
        return value

    def forget(self, tokens: Iterable[str | None]) -> None:
        """Drop the remembered plain text of these stored values, and what was derived from
        it (she was erased)."""
        for token in tokens:
            if token is not None:
                self._recent.pop(token, None)
                self._derived.pop(token, None)


_cipher: FieldCipher | None = None


def configure_cipher(secret_key: str, previous: Sequence[str] = ()) -> None:
    """Set the process-wide keys used by the encrypted column types."""
    global _cipher  # one keyring per process, set at start-up
    wanted = Keyring(secret_key, previous)
    if _cipher is None or list(_cipher.keyring.versions) != list(wanted.versions):
        _cipher = FieldCipher(secret_key, previous)  # the same keys keep their memory


def cipher() -> FieldCipher:
    """The configured cipher; a clear error if start-up forgot to configure it."""
    if _cipher is None:
        raise RuntimeError("field encryption key not configured (call configure_cipher)")
    return _cipher


class EncryptedText(TypeDecorator[str]):
    """Text that is encrypted at rest (names, phone numbers, chat addresses, free text).

    ``remember``: keep recent decryptions in memory (names and addresses, read with every
    message); leave it off for values that change with every turn.
    """

    impl = String
    cache_ok = True

    def __init__(self, length: int | None = None, remember: bool = False) -> None:
        super().__init__(length)
        self.remember = remember

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else cipher().encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else cipher().decrypt(value, self.remember)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value (dict or list) encrypted at rest as one ciphertext.

    Nothing inside it can be queried in SQL: filters on it run in Python after reading.
    ``remember`` as for :class:`EncryptedText` (profile lists read with every message).
    """

    impl = String
    cache_ok = True

    def __init__(self, remember: bool = False) -> None:
        super().__init__()
        self.remember = remember

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else cipher().encrypt(encode_json(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(cipher().decrypt(value, self.remember))


def encrypt_json(value: Any) -> str:
    """What :class:`EncryptedJSON` stores for ``value`` (for statements run on the driver)."""
    return cipher().encrypt(encode_json(value))


def encrypt_json_text(encoded: str) -> str:
    """What :class:`EncryptedJSON` stores for already encoded JSON."""
    return cipher().encrypt(encoded)
