"""Twilio's errors (REST answers and status callbacks) classed for the dispatcher."""

from __future__ import annotations

from bot.channels.base import SendError

#: Twilio error codes that end a send, with what they mean for her identity.
NOT_ON_WHATSAPP = {63003, 63024}
OPTED_OUT = {21610}
WINDOW_CLOSED = {63016}
TOO_FAST = {63018, 20429}


def classify(status: int | None, code: int | None, text: str = "") -> SendError:
    """A typed, classed error for a Twilio failure (REST answer or status callback)."""
    label = f"twilio {code or status}: {text}"[:300]
    if code in OPTED_OUT:
        return SendError(
            label, retryable=False, identity_status="opted_out", code=code, status="skipped"
        )
    if code in NOT_ON_WHATSAPP:
        return SendError(label, retryable=False, unreachable=True, code=code)
    if code in WINDOW_CLOSED:
        return SendError(
            f"needs template: {label}", retryable=False, status="needs_template", code=code
        )
    if code in TOO_FAST or status == 429:
        return SendError(label, retryable=True, slow_down=True, code=code)
    if status is None or status >= 500:
        return SendError(label, retryable=True, code=code)
    return SendError(label, retryable=False, code=code)


__all__ = ["NOT_ON_WHATSAPP", "OPTED_OUT", "TOO_FAST", "WINDOW_CLOSED", "classify"]
