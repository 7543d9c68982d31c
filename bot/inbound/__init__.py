"""The one inbound path from every channel to the turn service (see :mod:`.service`)."""

from bot.inbound.service import InboundService, NoticeHandler

__all__ = ["InboundService", "NoticeHandler"]
