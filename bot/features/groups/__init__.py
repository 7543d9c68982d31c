"""Self-organised groups and their meetups, run by the women themselves, on both channels.

Parts (one module each, combined by :func:`bot.features.parts.combine`):

* :mod:`.chats_side`: Telegram group chats the bot was added to (greeting, a pointer to the
  private chat, broadcasts to a group);
* :mod:`.group_side`: the groups, their members and organisers, joining and leaving, the
  staff view;
* :mod:`.meetup_side`: proposing a meetup, votes in the women's chats, confirmation, RSVP,
  reminders, moves and cancellations, "how was it?";
* :mod:`.poll_side`: the meetup's native poll in a linked Telegram group and its votes.
"""

from pathlib import Path

from bot.features.groups import chats_side, group_side, meetup_side, poll_side
from bot.features.groups.service import GroupChats
from bot.features.parts import combine

FEATURE = combine(
    "groups",
    Path(__file__).resolve().parent / "flows",
    chats_side.PART,
    group_side.PART,
    meetup_side.PART,
    poll_side.PART,
)

__all__ = ["FEATURE", "GroupChats"]
