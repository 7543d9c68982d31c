"""Channels: the only code that knows a messaging platform, both ways.

Each channel (:class:`~bot.channels.base.Channel`) serves its own routes, starts and stops its
receiving, parses the platform's payloads into the neutral :mod:`bot.channels.messages` and
hands them to an :class:`~bot.channels.base.InboundSink`, and sends one
:class:`~bot.channels.messages.Outbound` at a time for the dispatcher.  No SQL here.
"""

from bot.channels.base import AttachmentsFor, Channel, InboundSink, Reach, SendError, SentChoices
from bot.channels.messages import (
    Attachment,
    DeliveryReport,
    GroupCommand,
    GroupJoined,
    GroupLeft,
    Inbound,
    Media,
    Notice,
    Outbound,
    Reachability,
    SendResult,
)

__all__ = [
    "Attachment",
    "AttachmentsFor",
    "Channel",
    "DeliveryReport",
    "GroupCommand",
    "GroupJoined",
    "GroupLeft",
    "Inbound",
    "InboundSink",
    "Media",
    "Notice",
    "Outbound",
    "Reach",
    "Reachability",
    "SendError",
    "SendResult",
    "SentChoices",
]
