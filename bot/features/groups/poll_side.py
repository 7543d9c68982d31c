"""Part of the groups feature (see ``bot.features.groups``): the linked Telegram group.

A meetup's vote is also posted there as a native Telegram poll (``sendPoll``); votes from
``poll_answer`` updates count too (:mod:`.poll_votes`).  A periodic job posts the poll, the
confirmation, a move or a cancellation (:mod:`.telegram_posts`).  Nothing personal is ever
posted in a group: only the group's name, the meetup's title, time, place and counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.channels.messages import PollAnswer
from bot.features.feature import Feature, PeriodicJob
from bot.features.groups.poll_votes import PollVotes
from bot.features.groups.telegram_posts import post_meetups
from bot.inbound.service import NoticeHandler

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _handlers(runtime: Runtime) -> Mapping[type, NoticeHandler]:
    votes = PollVotes(runtime.db, runtime.settings.secret_key, runtime.clock)
    return {PollAnswer: votes.answer}


def _post(runtime: Runtime) -> bool:
    """Queue the due posts for linked Telegram groups; wakes the dispatcher if any."""
    with runtime.db.begin() as conn:
        return post_meetups(conn, runtime.flow_engine.catalogs, runtime.clock()) > 0


PART = Feature(
    name="groups",
    notice_handlers=_handlers,
    periodic_jobs=(
        # Every 30 s: a poll shows up soon after the proposal, a confirmation soon after it.
        PeriodicJob("groups_telegram_posts", _post, "interval", {"seconds": 30}, start_offset=0.5),
    ),
)

__all__ = ["PART"]
