"""The files she sent, opened by staff: which one an inbox entry means, and how it is served.

A voice note, photo or document reaches the inbox as a reference (``inbound_media.url``,
encrypted): Twilio's media URL on WhatsApp, ``telegram:file:<file_id>`` on Telegram.  The page
``/staff/inbox/media/<entry id>`` asks the channel she used for the file (the channel's
:class:`~bot.channels.base.MediaSource`, found among the runtime's channels, so this feature
knows no platform) and passes it on to the logged-in staff member; nothing is stored on our
side, and deleting her deletes the reference (foreign keys).

What is shown in the page (audio, video, a few image types, PDF) is served ``inline`` with its
type; anything else is a download (``Content-Disposition: attachment``, and an unknown type as
``application/octet-stream``), never rendered: an SVG or HTML "photo" runs no script here.  The
app adds ``X-Content-Type-Options: nosniff`` to every answer.

Opening a file is not written to ``audit_log``: it is reading a conversation the staff member
may already read, as opening the conversation page is (only actions are audited).
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from sqlalchemy import Engine, select

from bot.db.tables import inbox_messages, inbox_threads, media

#: Types the browser may show in the page (``<audio>``, ``<video>``, ``<img>``) or its PDF viewer.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"})
INLINE_PREFIXES = ("audio/", "video/")
#: Office documents: served with their own type, as a download.
DOCUMENT_TYPES = frozenset(
    {
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/rtf",
        "text/plain",
        "text/csv",
    }
)
GENERIC_TYPE = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class MediaRef:
    """One file of an inbox entry: the channel that has it and its reference there."""

    message_id: int
    channel: str
    kind: str
    content_type: str
    reference: str


def media_for(db: Engine, organisation_ids: frozenset[int], message_id: int) -> MediaRef:
    """The file of inbox entry ``message_id``; ``LookupError`` when it has none, does not
    exist or belongs to another organisation (the page answers 404 to all three)."""
    query = (
        select(
            media.c.channel,
            media.c.kind,
            media.c.content_type,
            media.c.url,
        )
        .select_from(inbox_messages)
        .join(inbox_threads, inbox_threads.c.id == inbox_messages.c.thread_id)
        .join(media, media.c.id == inbox_messages.c.media_id)
        .where(
            inbox_messages.c.id == message_id,
            inbox_messages.c.direction == "in",
            inbox_threads.c.organisation_id.in_(sorted(organisation_ids)),
        )
    )
    with db.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise LookupError(message_id)
    return MediaRef(message_id, row.channel, row.kind, row.content_type, row.url)


def main_type(content_type: str | None) -> str:
    """``image/jpeg`` of ``Image/JPEG; charset=x``; empty for nothing usable."""
    main = (content_type or "").split(";", 1)[0].strip().lower()
    return main if main.count("/") == 1 and main.isascii() and " " not in main else ""


def served_type(platform_type: str | None, recorded_type: str) -> str:
    """The type to serve: the platform's, unless it says nothing useful (Telegram's file
    server says ``application/octet-stream``), then the one recorded when she sent it."""
    platform = main_type(platform_type)
    if platform and platform != GENERIC_TYPE:
        return platform
    return main_type(recorded_type) or GENERIC_TYPE


def is_inline(content_type: str) -> bool:
    """Whether the browser may show this type itself (else it is only downloaded)."""
    return content_type in INLINE_TYPES or content_type.startswith(INLINE_PREFIXES)


def headers_for(ref: MediaRef, content_type: str) -> dict[str, str]:
    """Content type and disposition: inline for what the page shows, else a download."""
    inline = is_inline(content_type)
    if not inline and content_type not in DOCUMENT_TYPES:
        content_type = GENERIC_TYPE
    extension = ".bin" if content_type == GENERIC_TYPE else mimetypes.guess_extension(content_type)
    filename = f"{ref.kind}-{ref.message_id}{extension or '.bin'}"
    disposition = "inline" if inline else "attachment"
    return {
        "content-type": content_type,
        "content-disposition": f'{disposition}; filename="{filename}"',
        "cache-control": "private, no-store",
    }


__all__ = ["MediaRef", "headers_for", "is_inline", "main_type", "media_for", "served_type"]
