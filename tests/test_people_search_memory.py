"""The people search at a district's size: names folded once and remembered with their
decryption (forgotten when she is erased), scored in one rapidfuzz call; the dashboard's
lists counted and cut by SQL, the inbox's box reading only the ten it shows.
``benchmarks/staff.py`` measures why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from bot.db.tables import inbox_threads, people
from bot.db.types import cipher
from bot.features.inbox import _waiting_panel
from bot.features.people.actions import PersonActions
from bot.features.people.attention import LIMIT, Attention
from bot.features.people.directory import (
    NAME_CUTOFF,
    Directory,
    Filters,
    name_key,
    name_score,
    name_scores,
)
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.people import DEMO, add_person, organisation_id, principal

NAMES = [
    "Amina Haddad",
    "Aminata Diallo",
    "Fátima Al-Khatib",
    "Olena Kovalenko",
    "Zainab",
    "",
    "Maryam  Rahimi",
    "Ayşe Yılmaz",
    "Amina",
]
QUERIES = ["amna", "Amnia Hadad", "FATIMA", "olena k", "zai", "Yilmaz", "x", "Rahimi Maryam"]


@pytest.mark.parametrize("query", QUERIES)
def test_scoring_many_names_at_once_gives_the_scores_of_one_by_one(query: str) -> None:
    keys = [name_key(name) for name in NAMES]
    assert name_scores(query, keys) == [name_score(query, name) for name in NAMES]
    one_by_one = [name_score(query, name) for name in NAMES]
    assert name_scores(query, keys, NAME_CUTOFF) == [
        score if score >= NAME_CUTOFF else 0.0 for score in one_by_one
    ]


def remembered() -> list[str]:
    """Every folded name the process remembers for searches."""
    return [value[0] for derived in cipher()._derived.values() for value in derived.values()]


def test_a_search_remembers_folded_names_until_she_is_renamed_or_erased(
    runtime: Runtime, clock: FrozenClock
) -> None:
    now = clock()
    demo = organisation_id(runtime, DEMO)
    staff = principal(runtime, "ko@example.org", {demo: "coordinator"}, now)
    zora = add_person(runtime, demo, "Zorvelinda Quast", now)
    add_person(runtime, demo, "Olga", now)
    directory = Directory(runtime.db)

    found = directory.search(staff, Filters(name="zorvelnda"))
    assert [row.name for row in found.rows] == ["Zorvelinda Quast"]
    assert "zorvelinda quast" in remembered()

    # A new name is a new ciphertext: the search never answers with the old one.
    with runtime.db.begin() as conn:
        conn.execute(update(people).where(people.c.id == zora).values(display_name="Zora Neu"))
    assert directory.search(staff, Filters(name="Zorvelinda")).rows == []
    assert [row.name for row in directory.search(staff, Filters(name="zora")).rows] == ["Zora Neu"]
    assert "zora neu" in remembered()

    PersonActions(runtime).delete(staff, zora, confirmed=True)
    assert "zora neu" not in remembered()
    assert "Zora Neu" not in cipher()._recent.values()
    assert directory.search(staff, Filters(name="zora")).rows == []


def test_unreachable_means_a_refused_channel_and_none_that_works(
    runtime: Runtime, clock: FrozenClock
) -> None:
    now = clock()
    demo = organisation_id(runtime, DEMO)
    staff = principal(runtime, "ko@example.org", {demo: "coordinator"}, now)
    add_person(
        runtime,
        demo,
        "Halima",
        now,
        channels=[("telegram", "5551", "unreachable"), ("whatsapp", "+4917600000001", "ok")],
    )
    add_person(runtime, demo, "Rana", now, channels=[("whatsapp", "+4917600000002", "opted_out")])
    lost = [
        add_person(
            runtime,
            demo,
            f"Verloren {n}",
            now + timedelta(minutes=n),
            channels=[("telegram", f"66{n:02d}", "unreachable")],
        )
        for n in range(LIMIT + 2)
    ]
    listed = Attention(runtime.db, clock).unreachable(staff)
    assert listed.total == LIMIT + 2
    assert [item.person_id for item in listed.items] == lost[::-1][:LIMIT]  # newest first
    assert listed.items[0].name == f"Verloren {LIMIT + 1}"
    assert listed.items[0].channels == ("telegram",)

    listing = Directory(runtime.db).search(staff, Filters(status="unreachable"))
    assert listing.total == LIMIT + 2 and listing.counts["unreachable"] == LIMIT + 2
    assert "Halima" not in [row.name for row in listing.rows]
    assert listing.rows[0].channels == (("telegram", "unreachable"),)


def test_the_dashboards_waiting_box_shows_the_ten_who_wait_longest(
    runtime: Runtime, clock: FrozenClock
) -> None:
    now = clock()
    demo = organisation_id(runtime, DEMO)
    staff = principal(runtime, "ko@example.org", {demo: "coordinator"}, now)
    people_ids = [add_person(runtime, demo, f"Frau {n}", now) for n in range(13)]
    with runtime.db.begin() as conn:
        conn.execute(
            insert(inbox_threads),
            [
                {
                    "organisation_id": demo,
                    "person_id": person,
                    "status": "open",
                    "reason": "request",
                    "opened_at": now - timedelta(hours=5),
                    # the last one was answered by the team: nobody waits there
                    "waiting_since": None if n == 12 else now - timedelta(minutes=n + 1),
                    "last_message_at": now - timedelta(minutes=n + 1),
                }
                for n, person in enumerate(people_ids)
            ],
        )
    panel = _waiting_panel(runtime, staff)
    assert panel is not None
    shown = [thread.name for thread in panel.context["waiting"]]
    assert shown == [f"Frau {n}" for n in range(11, 1, -1)]
