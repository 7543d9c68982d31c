"""Keys: subkeys derived from ``TWC_SECRET_KEY``, key ids on every ciphertext, rotation.

One secret is configured; everything that needs a key gets its own subkey, derived with HKDF
and a distinct ``info`` (field encryption, lookup keys, calendar tokens), so no two uses ever
share key material.  Every ciphertext names the key that made it (``v1.<kid>.<token>``), so a
value under a key the process does not have is an explicit error, never a blank name, and
``twc keys rotate`` knows which rows it has done.
"""

from bot.crypto.keyring import (
    CALENDAR_INFO,
    ENCRYPTION_INFO,
    LOOKUP_INFO,
    Keyring,
    KeyVersion,
    UnknownKeyError,
    subkey,
)
from bot.crypto.strength import weak_secret_reason

__all__ = [
    "CALENDAR_INFO",
    "ENCRYPTION_INFO",
    "LOOKUP_INFO",
    "KeyVersion",
    "Keyring",
    "UnknownKeyError",
    "subkey",
    "weak_secret_reason",
]
