"""Provider error texts without addresses: what is stored in ``outbox.error`` and printed.

Twilio's messages name the recipient ("… to whatsapp:+4915112345678 …", "The 'To' number
+49 151 1234 5678 is not a valid phone number"); Telegram's may carry a chat id.  The reason
is worth keeping, the number is not: every address-like run becomes ``[address]``.  Error
codes (Twilio's have five digits) are kept.
"""

from __future__ import annotations

import re

#: A channel-prefixed address, an e-mail address, or a run of 7+ digits (spaces, dashes,
#: dots, brackets and a leading + or - allowed in between): phone numbers and chat ids.
_ADDRESS = re.compile(
    r"(?:\b(?:whatsapp|sms|tel|telegram|messenger):\S+)"
    r"|(?:[\w.+-]+@[\w-]+\.[\w.-]+)"
    r"|(?:[+-]?\(?\d(?:[\s().-]*\d){6,})",
    re.IGNORECASE,
)

MAX_ERROR = 500


def scrub(reason: str) -> str:
    """``reason`` with every address replaced by ``[address]``, at most 500 characters."""
    return _ADDRESS.sub("[address]", reason)[:MAX_ERROR]


__all__ = ["MAX_ERROR", "scrub"]
