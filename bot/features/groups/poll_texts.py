"""What the bot posts about a meetup in a group's linked Telegram group.

Everyone in that group reads these, members or not: only the group's name, the meetup's title,
time, place and counts, never a person.  The header (``📅 <group>: <title>``), times and places
are put together in code; only the sentences are translated (the organisation's default
language, ``locales/*/LC_MESSAGES/twc.po``).
"""

from __future__ import annotations

from conversations.texts import msg

# TRANSLATORS: the question of a native Telegram poll in a group chat, under the line
# "📅 <group>: <meetup title>".  The options are the proposed dates and times.
POLL_QUESTION = msg(
    "groups.poll_question", "Wann können Sie kommen? Sie können mehrere Zeiten wählen."
)
# TRANSLATORS: the last option of the Telegram poll: none of the proposed times suits her.
# At most 100 characters.
POLL_NONE = msg("groups.poll_none", "Keine Zeit passt")
# TRANSLATORS: posted in the group chat when a meetup is fixed; the date, time and place follow.
POST_CONFIRMED = msg("groups.post_confirmed", "Das Treffen findet statt.")
# TRANSLATORS: posted in the group chat under a fixed meetup: how many said yes / maybe.
POST_ANSWERS = msg("groups.post_answers", "Zusagen: {yes} · Vielleicht: {maybe}")
# TRANSLATORS: posted in the group chat under a fixed meetup while nobody has answered yet:
# how many voted for the chosen time.
POST_VOTES = msg("groups.post_votes", "Stimmen für diese Zeit: {votes}")
# TRANSLATORS: posted in the group chat when a meetup gets a new time; the new date, time and
# place follow.
POST_MOVED = msg("groups.post_moved", "Das Treffen ist verschoben. Die neue Zeit:")
# TRANSLATORS: posted in the group chat when a meetup is called off.
POST_CANCELLED = msg("groups.post_cancelled", "Das Treffen fällt aus.")

ALL_POLL_TEXTS = (
    POLL_QUESTION,
    POLL_NONE,
    POST_CONFIRMED,
    POST_ANSWERS,
    POST_VOTES,
    POST_MOVED,
    POST_CANCELLED,
)

__all__ = [
    "ALL_POLL_TEXTS",
    "POLL_NONE",
    "POLL_QUESTION",
    "POST_ANSWERS",
    "POST_CANCELLED",
    "POST_CONFIRMED",
    "POST_MOVED",
    "POST_VOTES",
]
