"""Pseudonymous lookup keys: we find a person by an HMAC of her address, never the address.

The HMAC is keyed with the lookup subkey of ``TWC_SECRET_KEY`` (HKDF, :mod:`bot.crypto`), not
the secret itself.  ``twc keys rotate`` recomputes every stored key under a new secret.
"""

from __future__ import annotations

import hashlib
import hmac

from bot.crypto import LOOKUP_INFO, subkey


def lookup_key_with(key: bytes, channel: str, address: str) -> str:
    """The lookup key for ``address`` on ``channel`` under an already derived ``key``."""
    return hmac.new(key, f"{channel}:{address}".encode(), hashlib.sha256).hexdigest()


def lookup_key(secret_key: str, channel: str, address: str) -> str:
    """The stable, non-reversible key for ``address`` on ``channel``."""
    return lookup_key_with(subkey(secret_key, LOOKUP_INFO), channel, address)
