"""Twilio's inbound WhatsApp form → one channel-neutral :class:`~bot.channels.messages.Inbound`.

A button press (``ButtonPayload``) or list choice (``ListId``) carrying one of our choice ids
becomes :class:`ChoiceIn`; media becomes :class:`MediaIn` (kept as type and Twilio URL; the
staff inbox fetches it only when opened), a document too (its ``Body`` is the file name), a
location pin ``location``, an empty message of any other kind ``other`` — she always gets an
answer; anything else is :class:`TextIn`.  ``MessageSid`` is the id that makes a re-delivery a
no-op.  Signatures are checked against the public URL with twilio's own ``RequestValidator``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime

from twilio.request_validator import RequestValidator

from bot.channels.messages import DeliveryReport, Inbound, Media
from bot.channels.whatsapp.errors import classify
from conversations.events import ChoiceIn, Event, MediaIn, TextIn

CHANNEL = "whatsapp"
MAX_MEDIA = 10
INBOUND_PATH = "/webhooks/twilio/whatsapp"
STATUS_PATH = "/webhooks/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
#: Our choice ids look like ``flow.node:choice``; other payloads (template buttons) are text.
CHOICE_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+:[^\s]{1,64}$")

log = logging.getLogger(__name__)


class WhatsAppInputError(ValueError):
    """A signed webhook that is not a message we can use (no sender, no id)."""


MediaItem = Media
"""One file she sent: its kind, MIME type and where Twilio keeps it."""


def signature_is_valid(
    auth_token: str, public_url: str, path: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Whether ``signature`` is Twilio's signature of this form at our *public* URL."""
    if not signature:
        return False
    url = public_url.rstrip("/") + path
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))


def media_kind(content_type: str) -> str:
    """``voice``, ``photo``, ``video``, ``sticker`` or ``document`` for a MIME type."""
    main = content_type.split(";", 1)[0].strip().lower()
    if main == "image/webp":
        return "sticker"
    if main.startswith("image/"):
        return "photo"
    if main.startswith("audio/"):
        return "voice"
    if main.startswith("video/"):
        return "video"
    return "document"


def _kind_of(form: Mapping[str, str]) -> str:
    """The message's type as Twilio names it, for a log line (never its content)."""
    kind = str(form.get("MessageType") or "unknown")
    return kind[:32] if kind.isidentifier() else "unknown"


def _count(value: str | None) -> int:
    try:
        return max(0, min(MAX_MEDIA, int(str(value or "0").strip())))
    except ValueError:
        return 0


def parse_form(form: Mapping[str, str], now: datetime) -> tuple[Inbound, list[MediaItem]]:
    """Turn Twilio's inbound form into an event and the media it carried.

    Raises :class:`WhatsAppInputError` when the form has no usable sender or message id.
    """
    sender = str(form.get("From") or "").strip()
    if not sender.startswith("whatsapp:+"):
        wa_id = str(form.get("WaId") or "").strip().lstrip("+")
        if not wa_id.isdigit():
            raise WhatsAppInputError("no WhatsApp sender (From/WaId)")
        sender = f"whatsapp:+{wa_id}"
    number = sender.removeprefix("whatsapp:+")
    if not number.isdigit() or not 6 <= len(number) <= 15:
        raise WhatsAppInputError("the sender is not a WhatsApp number")
    sid = str(form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
    if not sid or len(sid) > 64 or not sid.isprintable():
        raise WhatsAppInputError("no MessageSid")
    media = []
    for index in range(_count(form.get("NumMedia"))):
        url = str(form.get(f"MediaUrl{index}") or "").strip()
        content_type = str(form.get(f"MediaContentType{index}") or "").strip()[:100]
        if url.startswith("https://") and len(url) <= 2000:
            media.append(MediaItem(media_kind(content_type), content_type, url))
    payload = str(form.get("ButtonPayload") or form.get("ListId") or "").strip()
    body = str(form.get("Body") or "")
    event: Event
    if payload and CHOICE_ID.match(payload):
        event = ChoiceIn(payload)
    elif payload:
        event = TextIn(str(form.get("ButtonText") or form.get("ListTitle") or payload))
    elif media and (not body.strip() or media[0].kind == "document"):
        # A document's Body is its file name, not something she wrote.
        event = MediaIn(media[0].kind)
    elif form.get("Latitude") or form.get("Longitude"):
        event = MediaIn("location")  # a location pin: no text, no media
    elif not body.strip():
        # A contact card, a reaction, a kind WhatsApp adds later: she still gets an answer.
        log.info("whatsapp: an inbound message with nothing we can read (%s)", _kind_of(form))
        event = MediaIn("other")
    else:
        event = TextIn(body[:20_000])
    return Inbound(
        channel=CHANNEL,
        address=sender,
        external_id=sid,
        event=event,
        received_at=now,
        media=tuple(media),
    ), media


def parse_status(form: Mapping[str, str]) -> DeliveryReport | None:
    """Twilio's status callback → a :class:`DeliveryReport`; ``None`` when it names no message
    or no status.  Never raises: an error code is read only if it is plain ASCII digits (a
    ``"²"`` passes :meth:`str.isdigit` but not :func:`int`)."""
    sid = str(form.get("MessageSid") or form.get("SmsSid") or "").strip()
    state = str(form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if not sid or not state:
        return None
    raw_code = str(form.get("ErrorCode") or "").strip()
    code = int(raw_code) if raw_code.isascii() and raw_code.isdigit() else None
    if state not in ("failed", "undelivered"):
        return DeliveryReport(CHANNEL, sid[:128], state[:16], code)
    error = classify(400, code, str(form.get("ErrorMessage") or state))
    return DeliveryReport(
        CHANNEL,
        sid[:128],
        state[:16],
        code,
        error_reason=error.reason,
        retryable=error.retryable,
        identity_status=error.identity_status,
        slow_down=error.slow_down,
        retry_after=error.retry_after,
        final_status=error.status,
    )


__all__ = [
    "CHANNEL",
    "EMPTY_TWIML",
    "INBOUND_PATH",
    "STATUS_PATH",
    "MediaItem",
    "WhatsAppInputError",
    "media_kind",
    "parse_form",
    "parse_status",
    "signature_is_valid",
]
