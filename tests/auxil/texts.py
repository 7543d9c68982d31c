"""Every text the bot can say: flows, system texts, commands, and each feature's own."""

from __future__ import annotations

from bot.channels.telegram.texts import ALL_TELEGRAM_TEXTS
from bot.features import registry
from bot.features.broadcasts.texts import ALL_BROADCAST_TEXTS
from bot.features.courses.texts import ALL_COURSE_TEXTS
from bot.features.groups.poll_texts import ALL_POLL_TEXTS
from bot.features.groups.texts import ALL_GROUP_TEXTS
from bot.features.my_data.texts import ALL_MY_DATA_TEXTS
from conversations.commands import COMMANDS
from conversations.loader import read_flows
from conversations.system_texts import ALL_SYSTEM_TEXTS
from conversations.texts import Text
from conversations.validate import flow_texts


def all_texts() -> list[Text]:
    texts = [
        text
        for flow in read_flows(registry.flow_files()).values()
        for _node, text in flow_texts(flow)
    ]
    texts = (
        texts
        + list(ALL_SYSTEM_TEXTS)
        + [c.keywords for c in COMMANDS]
        + list(ALL_TELEGRAM_TEXTS)
        + list(ALL_GROUP_TEXTS)
        + list(ALL_POLL_TEXTS)
        + list(ALL_COURSE_TEXTS)
        + list(ALL_BROADCAST_TEXTS)
        + list(ALL_MY_DATA_TEXTS)
    )
    neutral = [t.neutral for t in texts if t.neutral is not None]
    return texts + [t for t in neutral if t not in texts]
