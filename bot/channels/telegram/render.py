"""Channel-neutral :class:`~bot.channels.messages.Outbound` → Telegram messages: text parts and
keyboards.

* **Buttons** become an inline keyboard, at most 3 a row.  Up to :data:`ONE_PAGE` buttons are
  shown at once, so the 10 languages of the first question fit on one screen without paging
  (paging the very first question would hide languages behind an arrow she may not read as
  "more").  Longer lists get pages of :data:`PAGE_SIZE` with a row of "◀️ n/m ▶️" buttons; the
  adapter turns a page by editing the keyboard.
* **Callback data** is at most 64 bytes (Telegram's limit; Arabic and Cyrillic letters take 2
  bytes each, so labels never go there): the choice's own opaque id when it fits, else ``#``
  and a hash of it, which the adapter resolves from the message's stored choices.  Ids the
  adapter handles itself start with ``~``.
* **Text** longer than 4 096 UTF-16 code units (Telegram counts those) is split at paragraph
  boundaries, else at line ends, else between words, else anywhere but inside a character; the
  keyboard goes under the last part.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_TEXT_UNITS = 4096
MAX_CALLBACK_BYTES = 64
PER_ROW = 3
ONE_PAGE = 12
PAGE_SIZE = 9
PAGE_PREFIX = "~p:"
NO_OP = "~nop"
HASH_PREFIX = "#"
CHOSEN_MARK = "✓ "


def utf16_units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def callback_data(choice_id: str) -> str:
    """The callback data for a choice: its id if it fits in 64 bytes, else a short hash."""
    if (
        len(choice_id.encode()) <= MAX_CALLBACK_BYTES
        and not choice_id.startswith((PAGE_PREFIX, NO_OP, HASH_PREFIX))
        and choice_id
    ):
        return choice_id
    return HASH_PREFIX + hashlib.sha256(choice_id.encode()).hexdigest()[:32]


def resolve_callback(data: str, choice_ids: Sequence[str]) -> str | None:
    """The choice id behind hashed callback data, among the message's choices."""
    for choice_id in choice_ids:
        if callback_data(choice_id) == data:
            return choice_id
    return None


def pages(count: int) -> int:
    """How many keyboard pages ``count`` buttons take."""
    if count <= ONE_PAGE:
        return 1
    return -(-count // PAGE_SIZE)


def keyboard(choices: Sequence[tuple[str, str]], page: int = 0) -> InlineKeyboardMarkup | None:
    """The inline keyboard for ``choices`` (``(id, label)``), showing ``page``."""
    if not choices:
        return None
    total = pages(len(choices))
    page = min(max(page, 0), total - 1)
    shown = choices if total == 1 else choices[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    buttons = [
        InlineKeyboardButton(label, callback_data=callback_data(choice_id))
        for choice_id, label in shown
    ]
    rows = [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    if total > 1:
        nav = []
        if page > 0:
            nav.append(InlineKeyboardButton("◀️", callback_data=f"{PAGE_PREFIX}{page - 1}"))
        nav.append(InlineKeyboardButton(f"{page + 1}/{total}", callback_data=NO_OP))
        if page < total - 1:
            nav.append(InlineKeyboardButton("▶️", callback_data=f"{PAGE_PREFIX}{page + 1}"))
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def chosen_keyboard(label: str | None) -> InlineKeyboardMarkup | None:
    """What a pressed keyboard becomes: one inert "✓ label" button (or nothing)."""
    if not label:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(CHOSEN_MARK + label, callback_data=NO_OP)]])


def split_text(text: str, limit: int = MAX_TEXT_UNITS) -> list[str]:
    """``text`` in parts of at most ``limit`` UTF-16 units, cut at the best boundary."""
    if utf16_units(text) <= limit:
        return [text] if text else [" "]
    parts: list[str] = []
    rest = text
    while utf16_units(rest) > limit:
        head = _fit(rest, limit)
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = head.rfind(separator)
            if cut > 0:
                parts.append(head[:cut].rstrip())
                rest = rest[cut + len(separator) :].lstrip("\n")
                break
        if cut <= 0:
            parts.append(head)
            rest = rest[len(head) :]
    if rest.strip():
        parts.append(rest)
    return [p for p in parts if p.strip()] or [" "]


def _fit(text: str, limit: int) -> str:
    """The longest prefix of ``text`` within ``limit`` UTF-16 units (never half a character)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text
