"""The people services below the staff pages: directory, profile, actions, dashboard lists.

Two organisations, each with its own people; a coordinator of one never sees the other's.
Runs on SQLite and PostgreSQL (``runtime``); time is a frozen clock moved by the tests.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select
from starlette.testclient import TestClient

from bot.db.tables import audit, courses, enrolments, inbox_threads, outbox, people
from bot.features.people.actions import ActionError, PersonActions
from bot.features.people.attention import Attention
from bot.features.people.directory import PAGE_SIZE, Directory, Filters, Listing, name_score
from bot.features.people.profile import Profiles
from bot.features.people.scope import PersonNotFoundError
from bot.runtime import Runtime
from bot.staff.principal import StaffUser
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.leftovers import rows_about
from tests.auxil.people import (
    DEMO,
    add_course,
    add_person,
    answer,
    enrol,
    held_message,
    organisation_id,
    principal,
    second_organisation,
)
from tests.auxil.simulator import Simulator, onboard


@dataclass(frozen=True)
class World:
    ids: dict[str, int]
    demo: int
    other: int
    coordinator: StaffUser
    admin: StaffUser
    foreign: StaffUser
    both: StaffUser


@pytest.fixture
def world(runtime: Runtime, clock: FrozenClock) -> World:
    """Amina, Olga, Fatima (unreachable) in the demo organisation; Amira and Bahar in the
    other; a coordinator and an admin of the demo one, a coordinator of the other."""
    now = clock()
    demo = organisation_id(runtime, DEMO)
    other = second_organisation(runtime, now)
    ids = {
        "amina": add_person(
            runtime,
            demo,
            "Amina",
            now,
            town="Nienburg (Weser)",
            language="ar",
            channels=[("whatsapp", "+4917611111111", "ok")],
            interests=["course"],
            attend_help=["childcare"],
        ),
        "olga": add_person(
            runtime,
            demo,
            "Olga",
            now + timedelta(minutes=1),
            town="Uchte",
            language="uk",
            status="new",
            channels=[("telegram", "778899", "ok")],
        ),
        "fatima": add_person(
            runtime,
            demo,
            "Fatima",
            now + timedelta(minutes=2),
            town="Hoya",
            language="fa",
            channels=[("telegram", "445566", "unreachable")],
        ),
        "amira": add_person(
            runtime,
            other,
            "Amira",
            now,
            town="Hoya",
            language="ar",
            channels=[("whatsapp", "+4917622222222", "ok")],
        ),
        "bahar": add_person(
            runtime,
            other,
            "Bahar",
            now,
            town="Bücken",
            language="fa",
            channels=[("telegram", "112233", "unreachable")],
        ),
    }
    return World(
        ids=ids,
        demo=demo,
        other=other,
        coordinator=principal(runtime, "ko@example.org", {demo: "coordinator"}, now),
        admin=principal(runtime, "admin@example.org", {demo: "admin"}, now),
        foreign=principal(runtime, "hoya@example.org", {other: "coordinator"}, now),
        both=principal(runtime, "both@example.org", {demo: "coordinator", other: "admin"}, now),
    )


def names(listing: Listing) -> list[str]:
    return [row.name for row in listing.rows]


# ---- directory -------------------------------------------------------------------------------


def test_a_coordinator_sees_only_her_organisations_people(runtime: Runtime, world: World) -> None:
    directory = Directory(runtime.db)
    mine = directory.search(world.coordinator, Filters())
    # Newest first; the demo's two mentors came first of all.
    assert names(mine) == ["Fatima", "Olga", "Amina", "Leyla", "Anna"]
    assert mine.counts == {"new": 1, "active": 4, "opted_out": 0, "unreachable": 1, "all": 5}
    theirs = directory.search(world.foreign, Filters())
    assert sorted(names(theirs)) == ["Amira", "Bahar"]
    assert theirs.counts["all"] == 2 and theirs.counts["unreachable"] == 1
    # Searching by name never reaches into the other organisation.
    assert "Amina" not in names(directory.search(world.foreign, Filters(name="Amina")))
    both = directory.search(world.both, Filters(organisation=world.other))
    assert sorted(names(both)) == ["Amira", "Bahar"]
    # Nothing in a list carries an address: channels and their status only.
    amina = next(r for r in mine.rows if r.name == "Amina")
    assert amina.channels == (("whatsapp", "ok"),)


def test_search_forgives_typos_accents_and_town_suffixes(runtime: Runtime, world: World) -> None:
    directory = Directory(runtime.db)
    staff = world.coordinator
    assert names(directory.search(staff, Filters(name="amna"))) == ["Amina"]
    assert names(directory.search(staff, Filters(name="FÁTIMA"))) == ["Fatima"]
    assert names(directory.search(staff, Filters(name="Zainab"))) == []
    ids = world.ids
    assert names(directory.search(staff, Filters(name=str(ids["olga"])))) == ["Olga"]
    in_nienburg = directory.search(staff, Filters(town="nienburg"))
    assert sorted(names(in_nienburg)) == ["Amina", "Anna", "Leyla"]
    assert names(directory.search(staff, Filters(town="Hoja"))) == ["Fatima"]
    assert names(directory.search(staff, Filters(language="uk"))) == ["Olga"]
    assert names(directory.search(staff, Filters(status="new"))) == ["Olga"]
    assert names(directory.search(staff, Filters(status="unreachable"))) == ["Fatima"]
    assert names(directory.search(staff, Filters(status="active", language="ar"))) == ["Amina"]
    assert name_score("amna", "Amina") >= 80 and name_score("olga", "Amina") < 80


def test_course_filter_and_pages(runtime: Runtime, world: World, clock: FrozenClock) -> None:
    now = clock()
    demo = world.demo
    course, _ = add_course(
        runtime, demo, "a2-uchte", "Deutsch A2 Uchte", [now + timedelta(days=3)]
    )
    enrol(runtime, course, world.ids["olga"], now)
    directory = Directory(runtime.db)
    staff = world.coordinator
    listing = directory.search(staff, Filters(course=course))
    assert names(listing) == ["Olga"]
    assert (str(course), "Deutsch A2 Uchte") in {(c.value, c.label) for c in listing.courses}
    # A course of the other organisation finds nobody of hers.
    foreign, _ = add_course(runtime, world.other, "hoya-1", "Hoya 1", [now + timedelta(days=3)])
    enrol(runtime, foreign, world.ids["amira"], now)
    assert names(directory.search(staff, Filters(course=foreign))) == []

    for number in range(PAGE_SIZE + 3):
        add_person(
            runtime, demo, f"Teilnehmerin {number}", now + timedelta(hours=1, minutes=number)
        )
    first = directory.search(staff, Filters())
    assert (first.total, first.pages, len(first.rows)) == (PAGE_SIZE + 8, 2, PAGE_SIZE)
    assert first.rows[0].name == f"Teilnehmerin {PAGE_SIZE + 2}"
    second = directory.search(staff, Filters(page=2))
    assert names(second) == [f"Teilnehmerin {n}" for n in (2, 1, 0)] + [
        "Fatima",
        "Olga",
        "Amina",
        "Leyla",
        "Anna",
    ]
    assert directory.search(staff, Filters(page=99)).page == 2


# ---- profile ---------------------------------------------------------------------------------


def test_the_profile_shows_what_she_shared_consents_with_dates_and_no_address_to_coordinators(
    runtime: Runtime, client: TestClient, clock: FrozenClock, world: World
) -> None:
    start = clock()
    onboard(Simulator(client, "sima"), name="Sima")
    sima = person_of(runtime, "sima")
    clock.advance(days=2)
    Simulator(client, "sima").send("/stop")  # withdraws her consent to messages

    profiles = Profiles(runtime.db)
    seen = profiles.get(world.coordinator, sima)
    assert (seen.name, seen.town, seen.language) == ("Sima", "Hoya", "de")
    assert seen.interests == ["course"]
    assert [(c.channel, c.status, c.address) for c in seen.channels] == [("simulator", "ok", None)]
    assert not seen.shows_addresses
    consents = {c.purpose: (c.given_at, c.withdrawn_at) for c in seen.consents}
    assert consents == {"profile": (start, None), "messages": (start, start + timedelta(days=2))}
    assert all(c.wording for c in seen.consents)  # the words she agreed to
    assert seen.messages and {m.kind for m in seen.messages} >= {"reply"}

    # The admin of her organisation sees the address she is reached at.
    admin_view = profiles.get(world.admin, sima)
    assert [c.address for c in admin_view.channels] == ["sima"]
    # Another organisation's staff: as if she did not exist, like an id nobody has.
    with pytest.raises(PersonNotFoundError):
        profiles.get(world.foreign, sima)
    with pytest.raises(PersonNotFoundError):
        profiles.get(world.coordinator, 999_999)


def test_the_profile_lists_sessions_with_her_answers_and_her_inbox_threads(
    runtime: Runtime, clock: FrozenClock, world: World
) -> None:
    now = clock()
    amina = world.ids["amina"]
    course, (past, coming) = add_course(
        runtime,
        world.demo,
        "a2-hoya",
        "Deutsch A2 Hoya",
        [now - timedelta(days=7), now + timedelta(days=7)],
    )
    enrol(runtime, course, amina, now)
    answer(runtime, past, amina, "not_coming", "childcare", now - timedelta(days=8))
    with runtime.db.begin() as conn:
        thread = conn.execute(
            insert(inbox_threads)
            .values(
                organisation_id=world.demo,
                person_id=amina,
                status="open",
                reason="not_coming",
                language="ar",
                channel="whatsapp",
                opened_at=now,
                waiting_since=now,
                last_message_at=now,
            )
            .returning(inbox_threads.c.id)
        ).scalar_one()
    seen = Profiles(runtime.db).get(world.coordinator, amina)
    assert [(s.id, s.intention, s.reason) for s in seen.sessions] == [
        (past, "not_coming", "childcare"),
        (coming, None, None),
    ]
    assert [c.code for c in seen.courses] == ["a2-hoya"]
    assert "a2-hoya" not in [c.code for c in seen.other_courses]
    assert "deutsch-a2-nienburg" in [c.code for c in seen.other_courses]
    assert [(t.id, t.status, t.reason) for t in seen.threads] == [(thread, "open", "not_coming")]
    assert seen.attend_help == ["childcare"]


# ---- actions ---------------------------------------------------------------------------------


def audit_entries(runtime: Runtime, action: str) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        return [
            {"actor": r.actor, "details": r.details}
            for r in conn.execute(
                select(audit).where(audit.c.action == action).order_by(audit.c.id)
            )
        ]


def course_id(runtime: Runtime, code: str) -> int:
    with runtime.db.connect() as conn:
        return int(conn.execute(select(courses.c.id).where(courses.c.code == code)).scalar_one())


def test_enrolling_her_is_audited_with_the_staff_member_and_stays_in_her_organisation(
    runtime: Runtime, clock: FrozenClock, world: World
) -> None:
    actions = PersonActions(runtime)
    coordinator = world.coordinator
    amina = world.ids["amina"]
    demo_course = course_id(runtime, "deutsch-a2-nienburg")
    result = actions.enrol(coordinator, amina, demo_course)
    assert (result.course_code, result.already) == ("deutsch-a2-nienburg", False)
    with runtime.db.connect() as conn:
        assert conn.execute(
            select(enrolments.c.course_id).where(enrolments.c.person_id == amina)
        ).scalars().all() == [demo_course]
    assert audit_entries(runtime, "course.enrol") == [
        {
            "actor": f"staff:{coordinator.id}",
            "details": {"course": "deutsch-a2-nienburg", "people": [amina]},
        }
    ]
    assert actions.enrol(coordinator, amina, demo_course).already

    foreign_course, _ = add_course(
        runtime, world.other, "hoya-1", "Hoya 1", [clock() + timedelta(days=2)]
    )
    with pytest.raises(ActionError) as refused:
        actions.enrol(coordinator, amina, foreign_course)
    assert refused.value.code == "no_such_course"
    with pytest.raises(PersonNotFoundError):
        actions.enrol(world.foreign, amina, demo_course)
    with pytest.raises(PersonNotFoundError):
        actions.enrol(coordinator, world.ids["amira"], foreign_course)
    assert len(audit_entries(runtime, "course.enrol")) == 1


def test_export_gives_the_files_of_twc_people_export_and_is_audited(
    runtime: Runtime, clock: FrozenClock, world: World
) -> None:
    actions = PersonActions(runtime)
    amina = world.ids["amina"]
    export = actions.export(world.coordinator, amina, language="de")
    assert export.filename == f"person-{amina}-2026-11-30.zip"
    with zipfile.ZipFile(io.BytesIO(export.data)) as archive:
        assert sorted(archive.namelist()) == ["my-data.json", "my-data.txt"]
        document = json.loads(archive.read("my-data.json"))
        text = archive.read("my-data.txt").decode()
    assert document["format"] == "twc-personal-data/1"
    assert document["person_id"] == amina
    assert document["profile"]["display_name"] == "Amina"
    assert document["channels"][0]["address"] == "+4917611111111"
    assert "Amina" in text and "Nienburg (Weser)" in text
    assert audit_entries(runtime, "people.export") == [
        {
            "actor": f"staff:{world.coordinator.id}",
            "details": {"people": [amina], "to": "web", "language": "de"},
        }
    ]
    # In her own language by default (Arabic here); an unknown language is refused.
    assert "Amina" in actions.export(world.coordinator, amina).text
    with pytest.raises(ActionError):
        actions.export(world.coordinator, amina, language="xx")
    with pytest.raises(PersonNotFoundError):
        actions.export(world.foreign, amina)
    assert len(audit_entries(runtime, "people.export")) == 2


def test_deleting_on_request_needs_confirmation_and_leaves_nothing_of_her(
    runtime: Runtime, client: TestClient, clock: FrozenClock, world: World
) -> None:
    onboard(Simulator(client, "sima"), name="Sima")
    sima = person_of(runtime, "sima")
    actions = PersonActions(runtime)
    actions.export(world.coordinator, sima)
    with pytest.raises(ActionError):
        actions.delete(world.coordinator, sima, confirmed=False)
    with pytest.raises(PersonNotFoundError):
        actions.delete(world.foreign, sima, confirmed=True)
    assert Profiles(runtime.db).get(world.coordinator, sima).name == "Sima"

    erased = actions.delete(world.coordinator, sima, confirmed=True)
    assert rows_about(runtime.db, sima, ["Sima", "sima"]) == []
    [entry] = audit_entries(runtime, "person.erase")
    assert entry == {
        "actor": f"staff:{world.coordinator.id}",
        "details": {"erasure": erased.erasure_id, "reason": "request"},
    }
    # The earlier export's entry stays, without her id.
    assert audit_entries(runtime, "people.export")[0]["details"]["people"] == []
    # She is told nothing by the bot: no last message waits for any address.
    with runtime.db.connect() as conn:
        assert conn.execute(select(outbox.c.id).where(outbox.c.address.is_not(None))).all() == []
        assert conn.execute(select(people.c.id).where(people.c.id == sima)).all() == []
    with pytest.raises(PersonNotFoundError):
        actions.delete(world.coordinator, sima, confirmed=True)


# ---- the dashboard's lists -------------------------------------------------------------------


def berlin(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in 2026 given in Berlin's time, as aware UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(
        UTC
    )


def test_the_panels_list_who_needs_a_human_scoped_and_by_the_clock(
    runtime: Runtime, clock: FrozenClock, world: World
) -> None:
    now = clock()  # Monday 30 November, 10:00 in Berlin
    ids = world.ids
    amina, olga, fatima = ids["amina"], ids["olga"], ids["fatima"]
    course, (yesterday, tomorrow, thursday) = add_course(
        runtime,
        world.demo,
        "a2-hoya",
        "Deutsch A2 Hoya",
        [berlin(11, 29, 10), berlin(12, 1, 10), berlin(12, 3, 10)],
    )
    for person in (amina, olga, fatima):
        enrol(runtime, course, person, now)
    answer(runtime, yesterday, amina, "not_coming", "ill", now - timedelta(days=2))
    answer(runtime, thursday, amina, "not_coming", "childcare", now)
    answer(runtime, tomorrow, olga, "coming", None, now)
    foreign_course, (foreign_tomorrow,) = add_course(
        runtime,
        world.other,
        "hoya-1",
        "Hoya 1",
        [berlin(12, 1, 18)],
    )
    enrol(runtime, foreign_course, ids["amira"], now)
    enrol(runtime, foreign_course, ids["bahar"], now)
    answer(runtime, foreign_tomorrow, ids["bahar"], "not_coming", "transport", now)
    held_message(runtime, amina, "course_reminder", now - timedelta(hours=30), "held-1")
    held_message(runtime, amina, "broadcast", now - timedelta(hours=2), "held-2")

    attention = Attention(runtime.db, clock)
    coordinator, foreign = world.coordinator, world.foreign

    not_coming = attention.not_coming(coordinator)
    assert not_coming.total == 1  # yesterday's "ill" is over
    [entry] = not_coming.items
    assert (entry.person_id, entry.name, entry.reason, entry.starts_at) == (
        amina,
        "Amina",
        "childcare",
        berlin(12, 3, 10),
    )
    assert [(e.name, e.reason) for e in attention.not_coming(foreign).items] == [
        ("Bahar", "transport")
    ]

    no_answer = attention.no_answer_tomorrow(coordinator)
    # The demo course's own first session is tomorrow too: nobody of ours is enrolled there.
    assert [(e.name, e.course_code) for e in no_answer.items] == [
        ("Amina", "a2-hoya"),
        ("Fatima", "a2-hoya"),
    ]
    assert no_answer.total == 2
    assert [e.name for e in attention.no_answer_tomorrow(foreign).items] == ["Amira"]

    held = attention.held(coordinator)
    assert held.total == 2
    [waiting] = held.items
    assert (waiting.name, waiting.count, waiting.kinds, waiting.oldest) == (
        "Amina",
        2,
        ("broadcast", "course_reminder"),
        now - timedelta(hours=30),
    )
    assert attention.held(foreign).total == 0

    assert [e.name for e in attention.unreachable(coordinator).items] == ["Fatima"]
    assert [e.name for e in attention.unreachable(foreign).items] == ["Bahar"]

    # "Tomorrow" is the organisation's: at 23:30 in Berlin it is still Tuesday's session...
    clock.now = berlin(11, 30, 23, 30)
    assert attention.no_answer_tomorrow(coordinator).total == 2
    # ...half an hour later (still Monday in UTC) tomorrow is Wednesday: nothing then.
    clock.now = berlin(12, 1, 0, 30)
    assert attention.no_answer_tomorrow(coordinator).total == 0
    # Once Thursday's session has begun, her "cannot come" is no longer news.
    clock.now = berlin(12, 3, 10, 1)
    assert attention.not_coming(coordinator).total == 0
