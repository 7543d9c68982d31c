"""What every channel provides, what it may call, and the typed errors a send can end in.

A channel owns both directions of one platform (courier's handler): its webhook routes, its
start and stop (polling, registering a webhook), parsing the platform's payloads into
channel-neutral :mod:`bot.channels.messages`, rendering and sending one :class:`Outbound`
(raising :class:`SendError` classed retryable or final), and deciding what it can deliver to a
person right now (WhatsApp's 24-hour window and templates).  It hands everything it receives to
an :class:`InboundSink` and nothing else: channels do no SQL and know no feature, no database
and no scheduler (an import-linter contract keeps it so).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from bot.channels.messages import Attachment, Inbound, Notice, Outbound, SendResult


class SendError(Exception):
    """A send failed.  ``retryable`` says whether trying again later can help.

    ``unreachable`` means the person cannot be reached on this channel any more (she blocked the
    bot, the number is not on WhatsApp): stop sending there.  ``retry_after`` is the platform's
    own wait, in seconds, when it gave one.
    """

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        unreachable: bool = False,
        retry_after: float | None = None,
        parts_sent: int = 0,
        status: str = "failed",
        identity_status: str | None = None,
        code: int | None = None,
        slow_down: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.unreachable = unreachable
        self.retry_after = retry_after
        self.parts_sent = parts_sent
        """How many parts of a long message did reach her before the failure: a retry sends
        only the rest, so nobody reads the first half twice."""
        self.status = status
        """The outbox status a final failure leaves (``needs_template`` asks a human to act)."""
        self.identity_status = identity_status or ("unreachable" if unreachable else None)
        """``unreachable`` or ``opted_out``: what this says about her identity there."""
        self.code = code
        """The platform's error code, if any."""
        self.slow_down = slow_down
        """The platform says we send too fast: the channel's limiter should pause."""


class InboundSink(Protocol):
    """Where a channel hands what it received: the one inbound service."""

    async def receive(self, inbound: Inbound) -> Any:
        """Handle one person's message; returns once it is durably stored (or raises)."""
        ...

    async def notice(self, notice: Notice) -> None:
        """Handle one platform notice (group joined, blocked, delivery status)."""
        ...


SentChoices = Callable[[str, str], Awaitable[list[tuple[str, str]]]]
"""``(channel, sent message's external id) → its buttons``: for a channel whose buttons carry
only a short reference (Telegram's 64-byte callback data, keyboard pages)."""

AttachmentsFor = Callable[[Outbound], Awaitable[tuple[Attachment | None, ...]]]
"""The files a message brings (a reminder's calendar file), resolved just before it is sent."""


@dataclass(frozen=True, slots=True)
class Reach:
    """Whether a message the bot starts can reach a person on her channel now."""

    kind: str
    language: str
    fallback_language: str | None
    last_inbound_at: datetime | None


#: The largest file the staff app fetches from a platform (Telegram bots may download 20 MB).
MAX_MEDIA_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class MediaFile:
    """One file she sent, fetched from the platform for a staff member (never stored).

    ``content_type`` is what the platform said, or ``None`` when it does not say (Telegram's
    file server): the caller then uses the type recorded when she sent it."""

    content_type: str | None
    data: bytes


class MediaError(Exception):
    """The platform cannot give the file now: it expired or is gone (``gone``), it is larger
    than allowed (``too_large``), or the platform did not answer (neither)."""

    def __init__(self, reason: str, *, gone: bool = False, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.gone = gone
        self.too_large = too_large


@runtime_checkable
class MediaSource(Protocol):
    """A channel that can fetch a file she sent, by the reference it recorded then.

    Optional beside :class:`Channel`: the simulator keeps no files.  The reference is what the
    channel put in :attr:`~bot.channels.messages.Media.url` (WhatsApp: Twilio's media URL;
    Telegram: ``telegram:file:<file_id>``); only the channel knows how to read it."""

    async def fetch_media(self, reference: str, max_bytes: int = MAX_MEDIA_BYTES) -> MediaFile:
        """The file's bytes and type; raise :class:`MediaError` when it cannot be had."""
        ...


@runtime_checkable
class Channel(Protocol):
    """One platform, both directions."""

    name: str

    def routes(self, sink: InboundSink) -> Sequence[Any]:
        """The Starlette routes this channel serves (webhooks), bound to ``sink``."""
        ...

    async def start(self, sink: InboundSink) -> None:
        """Start receiving (register a webhook, begin long polling)."""
        ...

    async def stop(self) -> None:
        """Stop receiving and close connections."""
        ...

    async def send(self, address: str, message: Outbound) -> SendResult:
        """Deliver one message to ``address``; raise :class:`SendError` on failure."""
        ...

    def can_reach(self, reach: Reach) -> bool:
        """Whether a message the bot starts (``reach.kind``) can go to her now; a channel with
        no such rule answers ``True``."""
        ...


__all__ = [
    "MAX_MEDIA_BYTES",
    "AttachmentsFor",
    "Channel",
    "InboundSink",
    "MediaError",
    "MediaFile",
    "MediaSource",
    "Reach",
    "SendError",
    "SentChoices",
]
