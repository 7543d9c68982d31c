"""The states of requests and matches, named once (stored in ``mentoring_requests.status`` and
``mentor_matches.status``; see :class:`bot.db.models.MentorMatch`)."""

from __future__ import annotations

# mentoring_requests.status
WAITING = "waiting"
PROPOSED = "proposed"
MATCHED = "matched"
WITHDRAWN = "withdrawn"
CLOSED = "closed"
OPEN_REQUEST = (WAITING, PROPOSED, MATCHED)

# mentor_matches.status
ASKING_MENTOR = "asking_mentor"
ASKING_PARTICIPANT = "asking_participant"
ACTIVE = "active"
DECLINED = "declined"
LAPSED = "lapsed"
ENDED = "ended"
TAKEN_BACK = "withdrawn"
IN_FLIGHT = (ASKING_MENTOR, ASKING_PARTICIPANT)
LIVE = (ASKING_MENTOR, ASKING_PARTICIPANT, ACTIVE)

#: Who answered or ended (``declined_by``, ``ended_by``).
MENTOR = "mentor"
PARTICIPANT = "participant"
STAFF = "staff"

#: Days without an answer before one reminder, and before the proposal lapses.
REMIND_AFTER_DAYS = 3
LAPSE_AFTER_DAYS = 6
#: "Have you met?" this many days after the contact was made.
FOLLOW_UP_AFTER_DAYS = 7
#: The check-in on both sides, every this many days while the match runs.
CHECK_IN_EVERY_DAYS = 30
#: A match without contact for this many days is shown to staff.
QUIET_MATCH_DAYS = 42
#: A mentor who says "not now" gets no introduction for this many days.
NOT_NOW_PAUSE_DAYS = 30
