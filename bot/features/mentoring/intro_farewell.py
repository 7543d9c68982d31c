"""When a woman erases everything about herself, the woman she was in contact with is told.

Erasure deletes her matches with her (the database's cascade), so nothing would ever tell her
mentor (or mentee) why her messages stopped, and a mentor who had said yes would wait for an
answer that never comes.  :func:`farewell` runs in the erasure's transaction just before her
row goes (``Feature.on_erase``) and schedules, from the rows about to be deleted:

* for a running match, "the contact with <first name> has ended" to the other woman (her
  first name sealed in the nudge, as relayed texts are; the other woman knew it already);
* for an introduction where the mentor had said yes and she was being asked, "this time it
  did not work out" to the mentor (names nobody).

A mentor who was only asked hears nothing: her question is skipped when due, as for any
proposal that ends before she answered.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, or_, select

from bot.db.tables import mentor_matches, people
from bot.db.types import cipher
from bot.features.mentoring import proposals, states
from bot.features.mentoring.intro_nudges import first_name

#: The steps of a nudge whose match is already gone (built from the payload alone).
GONE = "gone"
GONE_ASKED = "gone_asked"


def farewell(conn: Connection, person_id: int, now: datetime) -> None:
    """Tell the women in contact with ``person_id`` (about to be erased) that it ended."""
    rows = conn.execute(
        select(
            mentor_matches.c.id,
            mentor_matches.c.status,
            mentor_matches.c.mentor_id,
            mentor_matches.c.participant_id,
        ).where(
            or_(
                mentor_matches.c.mentor_id == person_id,
                mentor_matches.c.participant_id == person_id,
            ),
            mentor_matches.c.status.in_((states.ACTIVE, states.ASKING_PARTICIPANT)),
        )
    ).all()
    if not rows:
        return
    name = first_name(
        conn.execute(select(people.c.display_name).where(people.c.id == person_id)).scalar()
    )
    for row in rows:
        she_mentors = row.mentor_id == person_id
        other = row.participant_id if she_mentors else row.mentor_id
        side = states.PARTICIPANT if she_mentors else states.MENTOR
        if row.status == states.ACTIVE:
            payload = {"match_id": row.id, "side": side, "step": GONE}
            payload["name"] = cipher().encrypt(name)
        elif not she_mentors:  # the mentor said yes and waits for her answer
            payload = {"match_id": row.id, "side": side, "step": GONE_ASKED}
        else:
            continue
        key = f"mentoring:{row.id}:{side}:{payload['step']}"
        proposals.schedule(conn, other, proposals.ASK, payload, key, now, now)


__all__ = ["GONE", "GONE_ASKED", "farewell"]
