"""Pseudonymous lookup keys: we find a person by an HMAC of her address, never the address."""

from __future__ import annotations

import hashlib
import hmac


def lookup_key(secret_key: str, channel: str, address: str) -> str:
    """The stable, non-reversible key for ``address`` on ``channel``."""
    message = f"{channel}:{address}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()
