"""Part of the groups feature (see ``bot.features.groups``): the linked Telegram group.

A meetup's vote is also posted there as a native Telegram poll (``sendPoll``); votes from
``poll_answer`` updates count too.  Nothing personal is ever posted in a group: only the
group's name, the meetup's title, time, place and counts.
"""

from __future__ import annotations

from bot.features.feature import Feature

PART = Feature(name="groups")

__all__ = ["PART"]
