"""Channel-neutral messages: what every adapter turns platform payloads into, and back."""

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


@dataclass(slots=True)
class HandleOutcome:
    """What handling one inbound event produced."""

    duplicate: bool = False
    person_id: int | None = None
    outbox_keys: list[str] = field(default_factory=list)
    """Idempotency keys of the outbox rows it queued (to send them at once, if wanted)."""
    replies: list[dict[str, Any]] = field(default_factory=list)
