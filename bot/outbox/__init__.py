"""The outbox: every message the bot sends is a row first, then sent by the dispatcher.

:mod:`.rows` (the typed row and the only code that writes one), :mod:`.dispatcher` (claims rows
and sends them through the channels), :mod:`.send_queue` (each chat in order, replies first),
:mod:`.ratelimit` (the platforms' limits), :mod:`.delivery` (status callbacks), :mod:`.kinds`
(which template a message the bot starts needs), :mod:`.sent` (the buttons of a sent message).
"""

from bot.outbox.dispatcher import Dispatcher
from bot.outbox.ratelimit import Limits, RateLimiter
from bot.outbox.rows import BULK_PRIORITY, REPLY_PRIORITY, Outbox, OutboxRow, enqueue

__all__ = [
    "BULK_PRIORITY",
    "REPLY_PRIORITY",
    "Dispatcher",
    "Limits",
    "Outbox",
    "OutboxRow",
    "RateLimiter",
    "enqueue",
]
