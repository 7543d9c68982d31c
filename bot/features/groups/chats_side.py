"""Part of the groups feature (see ``bot.features.groups``): Telegram group chats.  The bot
added to a Telegram group records it, greets it once, and answers a command there with one
neutral pointer to the private chat.  Broadcasts can go to a group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.channels.messages import GroupCommand, GroupJoined, GroupLeft
from bot.features.feature import Feature
from bot.features.groups.service import GroupChats
from bot.inbound.service import NoticeHandler

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _handlers(runtime: Runtime) -> Mapping[type, NoticeHandler]:
    chats = GroupChats(
        runtime.db,
        runtime.flow_engine.catalogs,
        runtime.settings.default_organisation,
        runtime.clock,
    )
    return {GroupJoined: chats.joined, GroupLeft: chats.left, GroupCommand: chats.command}


PART = Feature(name="groups", notice_handlers=_handlers)

__all__ = ["PART", "GroupChats"]
