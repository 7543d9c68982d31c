"""What every channel adapter provides, and the typed errors a send can end in.

Inbound, each adapter authenticates and parses its platform's payload into
:class:`bot.channels.messages.Inbound`.  Outbound, the dispatcher calls :meth:`Channel.send` with
one
channel-neutral :class:`bot.channels.messages.Outbound`; the adapter renders it (buttons, numbered
menus,
splitting) and raises :class:`SendError` classed as retryable or final.
"""

from __future__ import annotations

from typing import Protocol

from bot.channels.messages import Outbound, SendResult


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


class Channel(Protocol):
    """The outbound half of a channel, as the dispatcher sees it."""

    name: str

    async def send(self, address: str, message: Outbound) -> SendResult:
        """Deliver one message to ``address``; raise :class:`SendError` on failure."""
        ...
