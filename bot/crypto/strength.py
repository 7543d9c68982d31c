"""Is a secret random enough to protect the data?  (Refused outside development if not.)

The rule: at least 32 characters, at least 12 different characters, and an estimated 128 bits
of entropy, where the estimate is the string's length times the Shannon entropy of its own
character frequencies.  That estimate is generous to a real random string (the output of
``secrets.token_urlsafe(48)`` scores about 330 bits) and harsh on anything typed by hand:
36 × ``a`` has zero bits (one symbol, fully predictable), ``passwordpassword…`` repeats a few
letters.  It cannot prove randomness (nothing can from one sample), but it stops the mistakes
that happen: a placeholder, a repeated character, a short word.
"""

from __future__ import annotations

import math
from collections import Counter

MIN_LENGTH = 32
MIN_DISTINCT = 12
MIN_BITS = 128.0


def estimated_bits(secret: str) -> float:
    """Length × Shannon entropy (bits per character) of the secret's own symbol frequencies."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    total = len(secret)
    per_char = -sum(n / total * math.log2(n / total) for n in counts.values())
    return per_char * total


def weak_secret_reason(secret: str) -> str | None:
    """Why ``secret`` is too weak to be a key, or ``None`` if it is acceptable."""
    if len(secret) < MIN_LENGTH:
        return f"it has {len(secret)} characters; at least {MIN_LENGTH} are needed"
    if len(set(secret)) < MIN_DISTINCT:
        return f"it uses only {len(set(secret))} different characters"
    bits = estimated_bits(secret)
    if bits < MIN_BITS:
        return f"it looks too regular (about {bits:.0f} bits of entropy, {MIN_BITS:.0f} needed)"
    return None


__all__ = ["MIN_BITS", "MIN_DISTINCT", "MIN_LENGTH", "estimated_bits", "weak_secret_reason"]
