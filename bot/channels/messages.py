"""Channel-neutral messages: what every channel turns platform payloads into, and back.

Inbound, a channel produces :class:`Inbound` (something a person did: a message, a button, a
start) or a :data:`Notice` (something the platform tells us: the bot joined a group, a person
blocked it, a message was delivered).  Outbound, the dispatcher hands a channel one
:class:`Outbound`.  Nothing here knows a platform, a database or the flow engine's internals:
only the engine's neutral event types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from conversations.events import Event


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a person did on some channel, already authenticated and normalised.

    ``address`` is the platform's id for her (chat id, phone number); it is hashed into a lookup
    key at once and stored only encrypted.  ``external_id`` makes re-deliveries harmless.
    """

    channel: str
    address: str
    external_id: str
    event: Event
    received_at: datetime
    language_hint: str | None = None
    organisation_slug: str | None = None
    media: tuple[Media, ...] = ()
    """What she sent besides text: type and the platform's reference (WhatsApp: Twilio's URL,
    Telegram: ``telegram:file:<file_id>``), never the file."""
    echo: str | None = None
    """How her own message looks on a channel that keeps a transcript (the simulator)."""


@dataclass(frozen=True, slots=True)
class Media:
    """One attachment of an inbound message: its kind, content type and the platform's
    reference (``url``), which the channel's ``fetch_media`` reads
    (:class:`~bot.channels.base.MediaSource`)."""

    kind: str
    content_type: str
    url: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent before a message's text (a session's calendar file, her data export)."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"
    url: str | None = None
    """Where the platform may fetch the same file itself (WhatsApp takes files only by URL);
    ``None``: the file can only be uploaded (channels that cannot upload leave it out)."""


@dataclass(frozen=True, slots=True)
class Poll:
    """A native poll for a group chat (Telegram's ``sendPoll``): a question and its options.

    Stored in the outbox payload as ``{"question": str, "options": [str], "multiple": bool,
    "closes_at": int}`` (``closes_at`` optional);
    the channel returns the poll's id as the row's external id, because a vote
    (:class:`PollAnswer`) names only the poll, not its chat or message."""

    question: str
    options: tuple[str, ...]
    multiple: bool = True
    closes_at: int | None = None
    """When the platform should close it (Unix seconds: the vote's deadline), if at all."""

    @classmethod
    def from_payload(cls, data: Any) -> Poll | None:
        """The poll of a payload, or ``None`` when there is none (or it is malformed)."""
        if not isinstance(data, dict):
            return None
        options = data.get("options")
        if not isinstance(options, list) or len(options) < 2:
            return None
        closes_at = data.get("closes_at")
        return cls(
            question=str(data.get("question", "")),
            options=tuple(str(o) for o in options),
            multiple=bool(data.get("multiple", True)),
            closes_at=int(closes_at) if isinstance(closes_at, int | float) else None,
        )

    def to_payload(self) -> dict[str, Any]:
        """The JSON kept in the outbox."""
        payload: dict[str, Any] = {
            "question": self.question,
            "options": list(self.options),
            "multiple": self.multiple,
        }
        if self.closes_at is not None:
            payload["closes_at"] = self.closes_at
        return payload


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to one person, as stored in the outbox payload."""

    text: str
    choices: tuple[tuple[str, str], ...] = ()
    language: str = "de"
    rtl: bool = False
    parts_sent: int = 0
    """Parts of a long message already delivered by an earlier, interrupted attempt."""
    kind: str = "reply"
    """``reply`` answers her; any other kind (``nudge``, ``course_reminder``, ``broadcast``,
    ``introduction``) is a message the bot starts, which WhatsApp allows outside its 24-hour
    window only as an approved template."""
    values: dict[str, Any] = field(default_factory=dict)
    """Named values for a template's variables (``name``, ``course``, ``date``, …)."""
    last_inbound_at: datetime | None = None
    """When she last wrote on this channel (WhatsApp's 24-hour window), if known."""
    fallback_language: str | None = None
    """Her organisation's default language, for a template missing in her own."""
    attachments: tuple[Attachment | None, ...] = ()
    """Files that go first, each one part of the message (``None``: a file that is gone, whose
    part still counts so that a retry resumes at the right part)."""
    poll: Poll | None = None
    """A native poll instead of a text (group chats on Telegram); ``text`` is its question."""

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Outbound:
        """Rebuild from the JSON stored in the outbox."""
        values = payload.get("values")
        return cls(
            text=str(payload.get("text", "")),
            choices=tuple((str(c["id"]), str(c["label"])) for c in payload.get("choices", ())),
            language=str(payload.get("language", "de")),
            rtl=bool(payload.get("rtl", False)),
            parts_sent=int(payload.get("parts_sent", 0)),
            values=dict(values) if isinstance(values, dict) else {},
            poll=Poll.from_payload(payload.get("poll")),
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Outbound:
        """Rebuild from a claimed outbox row (payload plus what the channel may need)."""
        message = cls.from_payload(row["payload"])
        return replace(
            message,
            kind=str(row.get("kind") or "reply"),
            last_inbound_at=row.get("last_inbound_at"),
            fallback_language=row.get("default_language"),
        )


@dataclass(frozen=True, slots=True)
class SendResult:
    """The platform accepted the message; ``external_id`` is its id there, if it gives one."""

    external_id: str | None = None


# ---- notices: what a platform tells us that is not a person's message -----------------------


@dataclass(frozen=True, slots=True)
class GroupJoined:
    """The bot was added to a group chat (``chat`` is the platform's id for it)."""

    channel: str
    chat: str
    title: str
    language: str | None = None
    bot_link: str = ""
    """A link to a private chat with the bot (``https://t.me/<bot>``), for the greeting."""


@dataclass(frozen=True, slots=True)
class GroupLeft:
    """The bot was removed from a group chat."""

    channel: str
    chat: str


@dataclass(frozen=True, slots=True)
class GroupCommand:
    """Someone addressed the bot in a group (``external_id`` makes the answer happen once)."""

    channel: str
    chat: str
    external_id: str
    command: str
    language: str | None = None
    bot_link: str = ""


@dataclass(frozen=True, slots=True)
class PollAnswer:
    """Someone voted in (or retracted her vote from) a native poll the bot posted.

    ``voter_address`` is the platform's id for the voter (a Telegram user id): it is never
    stored, only mapped to a person or a keyed hash.  ``option_ids`` are the chosen options'
    positions; empty when the vote was retracted."""

    channel: str
    poll_id: str
    voter_address: str
    option_ids: tuple[int, ...]
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Reachability:
    """The platform says whether a person can be reached there (blocked / unblocked the bot,
    a number that is not on WhatsApp)."""

    channel: str
    address: str
    reachable: bool
    received_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """A delivery status for a sent message (Twilio's status callback)."""

    channel: str
    external_id: str
    status: str
    error_code: int | None = None
    error_reason: str | None = None
    retryable: bool = False
    identity_status: str | None = None
    """``unreachable`` / ``opted_out`` when the failure says so about her identity."""
    slow_down: bool = False
    """The platform says we send too fast: the channel's limiter should pause."""
    retry_after: float | None = None
    final_status: str = "failed"
    """The outbox status a final failure leaves (``needs_template`` asks a human to act)."""


Notice = GroupJoined | GroupLeft | GroupCommand | PollAnswer | Reachability | DeliveryReport
"""Everything a channel reports that is not an :class:`Inbound`."""

__all__ = [
    "Attachment",
    "DeliveryReport",
    "GroupCommand",
    "GroupJoined",
    "GroupLeft",
    "Inbound",
    "Media",
    "Notice",
    "Outbound",
    "Poll",
    "PollAnswer",
    "Reachability",
    "SendResult",
]
