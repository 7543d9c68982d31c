"""Channel-neutral :class:`~bot.channels.messages.Outbound` → Twilio messages.

Every menu is a numbered text menu (``1️⃣ Deutsch``), which works for any number of options;
a message with at most 3 choices goes as quick-reply content when one is configured.  Texts
over 1 600 characters are split into several messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.channels.messages import Outbound

MAX_TEXT = 1600
MAX_CONTENT_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
KEYCAPS = ["0️⃣", "1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣"]


@dataclass(frozen=True, slots=True)
class Part:
    """One Twilio message: free text (``body``) or content (``content_sid`` + variables)."""

    body: str | None = None
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None
    media_url: str | None = None
    """A file Twilio fetches from this URL and sends as a document (one per message)."""

    @property
    def empty(self) -> bool:
        """Nothing to send: a file that is gone or that WhatsApp cannot take (no URL).  It
        still counts as a part, so that a retry resumes at the right one."""
        return self.body is None and self.content_sid is None and self.media_url is None


def keycap(number: int) -> str:
    """``12`` → ``1️⃣2️⃣``: what she sees, and what the engine reads back as 12."""
    return "".join(KEYCAPS[int(d)] for d in str(number))


def numbered_menu(choices: tuple[tuple[str, str], ...]) -> str:
    """``1️⃣ Deutsch`` lines, one per choice."""
    return "\n".join(f"{keycap(i)} {label}" for i, (_id, label) in enumerate(choices, start=1))


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at paragraphs, lines or spaces if possible."""
    pieces = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > limit // 2:
                break
        if cut <= 0:
            cut = limit
            if 0xD800 <= ord(rest[cut - 1]) <= 0xDFFF:  # never cut a surrogate pair
                cut -= 1
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def render(message: Outbound, quick_replies: Mapping[int, str] | None = None) -> list[Part]:
    """The Twilio messages for one outbound message (inside the 24-hour window): its files
    first (one message each, by URL), then its text."""
    files = [Part(media_url=a.url if a is not None else None) for a in message.attachments]
    return files + _render_text(message, quick_replies)


def _render_text(message: Outbound, quick_replies: Mapping[int, str] | None) -> list[Part]:
    choices = message.choices
    sid = (quick_replies or {}).get(len(choices)) if choices else None
    if (
        sid
        and len(choices) <= MAX_BUTTONS
        and len(message.text) <= MAX_CONTENT_BODY
        and all(len(label) <= MAX_BUTTON_TITLE for _id, label in choices)
    ):
        variables = {"1": message.text}
        for index, (choice_id, label) in enumerate(choices):
            variables[str(2 + 2 * index)] = label
            variables[str(3 + 2 * index)] = choice_id
        return [Part(content_sid=sid, content_variables=variables)]
    text = message.text
    if choices:
        text = f"{text}\n\n{numbered_menu(choices)}" if text else numbered_menu(choices)
    return [Part(body=piece) for piece in split_text(text)]


__all__ = ["MAX_TEXT", "Part", "keycap", "numbered_menu", "render", "split_text"]
