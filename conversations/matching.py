"""Cleaning and matching what people type.

People answer a menu in many ways: the number, an emoji digit (``2️⃣``), Arabic-Indic or Persian
digits (``٢`` ``۲``), the option's text with or without its emoji, in any case, with or without
accents.  Everything here is pure string work and safe for any input.
"""

from __future__ import annotations

import math
import re
import unicodedata

#: Bidirectional marks and embeddings that phones insert around mixed-script text.
BIDI_MARKS = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None
)
KEYCAP = "\u20e3"
VARIATION_SELECTOR = "\ufe0f"
MAX_INBOUND_CHARS = 4096


def clean_text(text: str) -> str:
    """Remove control characters and bidi marks; keep line breaks; cap the length.

    What is left is safe to store and to echo back.  The cap protects the engine from a
    100 000-character paste; validators then tell her what length we want.
    """
    text = text[: MAX_INBOUND_CHARS * 2].translate(BIDI_MARKS)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\n\t":
            kept.append(char)
        elif category in ("Cc", "Cs", "Co", "Cn") or (category == "Cf" and char != "\u200d"):
            continue
        else:
            kept.append(char)
    return "".join(kept).strip()[:MAX_INBOUND_CHARS].rstrip()


def fold(text: str) -> str:
    """A comparison key: case-folded, accents and Arabic diacritics removed, emoji and
    punctuation dropped, spaces collapsed.  ``"✅ Ja, einverstanden"`` → ``"ja einverstanden"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    out = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category.startswith("M"):  # accents, harakat
            continue
        if category.startswith(("L", "N")):
            out.append(char)
        else:
            out.append(" ")
    return " ".join("".join(out).replace("\u0640", "").split())


def read_number(text: str) -> int | None:
    """A whole number written with any digits, or as a keycap emoji; ``None`` otherwise."""
    stripped = text.strip().replace(VARIATION_SELECTOR, "").replace(KEYCAP, "").rstrip(".)")
    if not stripped or len(stripped) > 6:
        return None
    digits = []
    for char in stripped:
        value = unicodedata.digit(char, None)
        if value is None:
            return None
        digits.append(str(value))
    return int("".join(digits))


def read_numbers(text: str) -> list[int] | None:
    """Several numbers (``"1, 3"``, ``"1 و 3"``) or ``None`` if anything else is in the way."""
    parts = [p for p in re.split(r"[\s,;/+&]+|\bو\b", text.strip()) if p]
    if len(parts) < 2:
        return None
    numbers = [read_number(part) for part in parts]
    if any(n is None for n in numbers):
        return None
    return [n for n in numbers if n is not None]


def read_decimal(text: str) -> float | None:
    """A number such as ``3``, ``2,5`` or ``۲٫۵``; ``None`` if it is not one."""
    chars = []
    for char in text.strip():
        value = unicodedata.digit(char, None)
        if value is not None:
            chars.append(str(value))
        elif char in ".,\u066b":
            chars.append(".")
        elif char in "-\u2212" and not chars:
            chars.append("-")
        else:
            return None
    try:
        number = float("".join(chars))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def has_letters(text: str) -> bool:
    """Whether the text contains at least one letter of any script."""
    return any(unicodedata.category(c).startswith("L") for c in text)
