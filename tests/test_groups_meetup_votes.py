"""The votes contract (``bot.features.groups.meetup_votes``) shared by the chat and the
Telegram poll: a voter's votes are replaced, never added; the same woman counts once whether
she voted in her chat or the poll; an empty answer removes her votes; counts list every
option in order, with zero where nobody voted.  SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.db.tables import meetup_votes
from bot.features.groups.meetup_votes import counts, person_voter, positions_of, record_votes
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.meetups import add_group, add_meetup, add_person


def test_votes_are_replaced_and_counted_once(runtime: Runtime, clock: FrozenClock) -> None:
    db, now = runtime.db, clock()
    amina, bela = add_person(db, now, "Amina"), add_person(db, now, "Bela")
    group = add_group(db, now, organisers=[amina], members=[bela])
    times = [now + timedelta(days=5, hours=h) for h in (0, 24, 48)]
    meetup = add_meetup(db, group, now, times, proposed_by=amina)
    other = add_meetup(db, group, now, times[:2], title="Nähen")
    with db.begin() as conn:
        assert record_votes(conn, meetup, person_voter(amina), amina, [0, 2], "chat", now) == 2
        assert record_votes(conn, meetup, person_voter(bela), bela, [2, 2, 7], "chat", now) == 1
        record_votes(conn, other, person_voter(bela), bela, [1], "chat", now)
        # Amina answers the Telegram poll afterwards: it replaces her chat votes.
        assert record_votes(conn, meetup, person_voter(amina), amina, [1], "poll", now) == 1
        record_votes(conn, meetup, "t:abc123", None, [1, 2], "poll", now)
    with db.connect() as conn:
        assert counts(conn, meetup) == [(0, times[0], 0), (1, times[1], 2), (2, times[2], 2)]
        assert positions_of(conn, meetup, person_voter(bela)) == [2]
        assert positions_of(conn, other, person_voter(bela)) == [1]
    with db.begin() as conn:
        assert record_votes(conn, meetup, "t:abc123", None, [], "poll", now) == 0
    with db.connect() as conn:
        assert [n for _, _, n in counts(conn, meetup)] == [0, 1, 1]
        stored = conn.execute(select(func.count()).select_from(meetup_votes)).scalar_one()
        assert stored == 3  # Amina 1, Bela 1 here and 1 for the other meetup
