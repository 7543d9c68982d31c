"""The course service's rules and the practical facts in her messages.

* A session that would start in the past is refused, so is cancelling, moving or changing one
  that is over, and moving one into the past (the frozen clock decides what "now" is).
* The preview before a move, cancellation or change of place names who will be told (language
  and channel), who will not and why, and shows the exact message in each language; nothing is
  stored until the change is made, and then the same text goes out.
* A reminder and a "moved" notice say whether there is childcare and how to get there (bus
  line, stop, directions as written), in Arabic and Ukrainian, and leave the lines out when
  there is nothing to say.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from bot.db.models import OutboxMessage
from bot.db.tables import audit
from bot.features.courses.service import NO_CHANNEL, NO_MESSAGES, NOT_ACTIVE, CourseError
from bot.runtime import Runtime
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.course_pages import a_class
from tests.auxil.courses import person_of, reminder_payload, rows, service_of
from tests.auxil.simulator import Simulator, onboard

outbox = OutboxMessage.__table__

FACTS = {
    "place": "Treff Hoya",
    "address": "Lange Str. 5",
    "directions": "Eingang im Hof, 1. Stock",
    "childcare": True,
    "transit_line": "Bus 31",
    "transit_stop": "Hoya, Bahnhof",
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def add(service, course, start="2026-12-03 09:00", end="2026-12-03 12:00", **facts):  # type: ignore[no-untyped-def]
    values = {**FACTS, **facts}
    return service.add_session(
        course,
        start,
        end,
        values["place"],
        values["address"],
        values["directions"],
        values["childcare"],
        values["transit_line"],
        values["transit_stop"],
    )


# ---- refusals ---------------------------------------------------------------------------------


def test_a_session_in_the_past_is_refused(sqlite_runtime: Runtime, clock: FrozenClock) -> None:
    group = a_class(sqlite_runtime, clock())
    # The clock says Monday 30 November 2026, 10:00 in Berlin.
    with pytest.raises(CourseError, match="in the past") as refused:
        add(group.service, group.course, "2026-11-30 09:30", "2026-11-30 11:00")
    assert refused.value.reason == "past"
    with pytest.raises(CourseError, match="in the past"):
        add(group.service, group.course, "2026-10-29 09:00", "2026-10-29 11:00")
    assert group.service.list_sessions(group.course) == []
    later = add(group.service, group.course, "2026-11-30 10:30", "2026-11-30 12:00")
    assert later["start"] == "2026-11-30 10:30"


def test_a_session_that_is_over_cannot_be_cancelled_moved_or_changed(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    group = a_class(sqlite_runtime, clock())
    session = add(group.service, group.course)["id"]
    with pytest.raises(CourseError, match="in the past") as refused:
        group.service.move_session(session, "2026-11-29 09:00")
    assert refused.value.reason == "past"
    with pytest.raises(CourseError) as refused:
        group.service.preview(session, "move", start="2026-11-30 08:00")
    assert refused.value.reason == "past"

    clock.now = utc(2026, 12, 3, 11, 30)  # 12:30 in Berlin: it ended at 12:00
    notices = len(rows(sqlite_runtime, outbox))
    for attempt in (
        lambda: group.service.cancel_session(session, "zu spät"),
        lambda: group.service.move_session(session, "2026-12-10 09:00"),
        lambda: group.service.update_session(session, place="Rathaus"),
        lambda: group.service.preview(session, "cancel"),
    ):
        with pytest.raises(CourseError, match="is over") as refused:
            attempt()
        assert refused.value.reason == "over"
    assert group.service.session(session)["status"] == "planned"
    assert len(rows(sqlite_runtime, outbox)) == notices


def test_the_default_language_title_is_required(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    service = service_of(sqlite_runtime, clock)
    with pytest.raises(CourseError, match="default language") as refused:
        service.create_course("vnb-nienburg", "", {"ar": "خياطة"})
    assert refused.value.reason == "title_required"
    made = service.create_course("vnb-nienburg", "", {"de": "Deutsch A2 in Hoya"})
    again = service.create_course("vnb-nienburg", "", {"de": "Deutsch A2 in Hoya"})
    assert (made["code"], again["code"]) == ("deutsch-a2-in-hoya", "deutsch-a2-in-hoya-2")


# ---- the preview ------------------------------------------------------------------------------


def test_the_preview_names_who_is_told_in_which_language_and_who_not(
    runtime: Runtime, clock: FrozenClock
) -> None:
    group = a_class(runtime, clock())
    session = add(group.service, group.course)["id"]
    before = len(rows(runtime, outbox))

    preview = group.service.preview(session, "move", start="2026-12-04 14:00")

    assert [(p["name"], p["language"], p["channel"]) for p in preview.told] == [
        ("Amina", "ar", "whatsapp"),
        ("Olena", "uk", "telegram"),
    ]
    assert preview.groups == [("ar", "whatsapp", ["Amina"]), ("uk", "telegram", ["Olena"])]
    assert {(p["name"], p["why"]) for p in preview.not_told} == {
        ("Darya", NO_MESSAGES),
        ("Nora", NOT_ACTIVE),
        ("Lina", NO_CHANNEL),
    }
    assert not preview.delayed  # 10:00 in Berlin: not quiet
    assert sorted(preview.messages) == ["ar", "uk"]
    assert "خياطة" in preview.messages["ar"] and "Шиття" in preview.messages["uk"]
    assert len(rows(runtime, outbox)) == before  # a preview stores nothing

    moved = group.service.move_session(session, "2026-12-04 14:00")

    assert moved["told"] == 2
    sent = {
        r["payload"]["language"]: r["payload"]["text"]
        for r in rows(runtime, outbox, outbox.c.kind == "course")
    }
    assert sent == preview.messages


def test_the_preview_in_the_quiet_hours_says_when_the_messages_go(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    group = a_class(sqlite_runtime, clock())
    session = add(group.service, group.course)["id"]
    clock.now = utc(2026, 11, 30, 21, 0)  # 22:00 in Berlin
    preview = group.service.preview(session, "cancel")
    assert preview.delayed and preview.send_at == utc(2026, 12, 1, 7, 0)  # 08:00 in Berlin
    assert "Шиття" in preview.messages["uk"]


def test_a_change_of_place_is_told_and_other_details_are_not(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    group = a_class(sqlite_runtime, clock())
    session = add(group.service, group.course)["id"]

    quiet = group.service.preview(session, "change", childcare=False, transit_stop="Hoya, Markt")
    assert quiet.told == [] and quiet.messages == {}
    changed = group.service.update_session(session, childcare=False, transit_stop="Hoya, Markt")
    assert changed["told"] == 0 and changed["changed"] == ["childcare", "transit_stop"]
    assert rows(sqlite_runtime, outbox, outbox.c.kind == "course") == []

    preview = group.service.preview(session, "change", place="Rathaus Hoya")
    assert [p["name"] for p in preview.told] == ["Amina", "Olena"]
    moved = group.service.update_session(session, place="Rathaus Hoya")
    assert moved["told"] == 2 and moved["place"] == "Rathaus Hoya"
    [notice] = [
        r["payload"]["text"]
        for r in rows(sqlite_runtime, outbox, outbox.c.kind == "course")
        if r["payload"]["language"] == "uk"
    ]
    assert notice == preview.messages["uk"]
    assert notice.splitlines()[0] == "📍 Нове місце: Шиття"
    assert "📍 Нове: Rathaus Hoya, Lange Str. 5" in notice
    assert "🚏 Зупинка: Hoya, Markt" in notice and "👶" not in notice
    actions = [r["action"] for r in rows(sqlite_runtime, audit)]
    assert actions.count("session.edit") == 2


# ---- the practical facts in her language -------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "childcare", "stop", "directions"),
    [
        ("العربية", "👶 رعاية الأطفال: نعم", "🚏 المحطة: Hoya, Bahnhof", "🧭 الطريق: "),
        (
            "Українська",
            "👶 Догляд за дітьми: так",
            "🚏 Зупинка: Hoya, Bahnhof",
            "🧭 Як дістатися: ",
        ),
    ],
)
def test_a_reminder_and_a_moved_notice_carry_the_practical_facts(
    runtime: Runtime,
    client: TestClient,
    clock: FrozenClock,
    language: str,
    childcare: str,
    stop: str,
    directions: str,
) -> None:
    sim = Simulator(client, "leyla")
    onboard(sim, language=language, name="Leyla")
    person = person_of(runtime, "leyla")
    service = service_of(runtime, clock)
    service.create_course("vnb-nienburg", "naehen", {"de": "Nähen"})
    service.enrol("naehen", [person])
    session = add(service, "naehen")["id"]
    plain = add(
        service,
        "naehen",
        "2026-12-10 09:00",
        "2026-12-10 12:00",
        childcare=False,
        transit_line="",
        transit_stop="",
        directions="",
    )["id"]

    clock.now = utc(2026, 12, 2, 16, 0)  # the day before at 17:00 in Berlin
    fire_due(runtime.db, runtime.turns, clock)
    sim.last = [reminder_payload(runtime, person)]
    lines = sim.text().splitlines()
    assert childcare in lines and "🚌 Bus 31" in lines and stop in lines
    assert f"{directions}Eingang im Hof, 1. Stock" in lines
    # The lines come between the place and the repetition, one idea each.
    assert lines.index(childcare) == 3

    moved = service.move_session(session, "2026-12-04 14:00")
    assert moved["told"] == 1
    [notice] = [r["payload"]["text"] for r in rows(runtime, outbox, outbox.c.kind == "course")]
    notice_lines = notice.splitlines()
    assert childcare in notice_lines and "🚌 Bus 31" in notice_lines and stop in notice_lines
    assert f"{directions}Eingang im Hof, 1. Stock" in notice_lines

    # Nothing to say: no empty lines, no "—", no "no childcare".
    clock.now = utc(2026, 12, 9, 16, 0)
    fire_due(runtime.db, runtime.turns, clock)
    sim.last = [reminder_payload(runtime, person)]
    text = sim.text()
    assert "👶" not in text and "🚌" not in text and "🧭" not in text and "—" not in text
    assert "\n\n" not in text
    service.move_session(plain, "2026-12-11 09:00")
    notices = [r["payload"]["text"] for r in rows(runtime, outbox, outbox.c.kind == "course")]
    assert "👶" not in notices[-1] and "\n\n" not in notices[-1]
