"""Golden transcripts of a meetup, both phones, in German, Arabic, Ukrainian and Persian.

One file per language (``tests/golden/meetup_<lang>.json``) with one story: an organiser
proposes a meetup (what, one of the group's usual places, two times); the member is asked and
ticks both times; the organiser opens her meetups ("treffen" in her language), sees the counts
and confirms the first time; both are told and answer; the reminders the day before and two
hours before; the organiser moves the meetup, the member hears it and answers "maybe"; the
reminders of the new day, and afterwards "how was it?" to the one who said yes (the organiser),
who rates it.  Each step records who did what, her direct answers, and every message either
woman received since (text and buttons, read from the outbox).  Texts are the point: SQLite
only.  After an intended change: ``pytest tests/test_groups_meetup_golden.py --update-golden``,
then review the diff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, select, update
from starlette.testclient import TestClient

from bot.db.tables import groups, outbox
from bot.features.groups.meetup_deadlines import run_deadlines
from bot.runtime import Runtime
from conversations.events import TriggerIn
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.golden import check
from tests.auxil.meetups import add_group
from tests.auxil.simulator import Simulator, onboard


@dataclass(frozen=True)
class Cast:
    """One language's story: the women, the group and what the organiser types."""

    label: str  # her language's button on the language menu
    organiser: str
    member: str
    group: str
    places: tuple[str, str]
    directions: str
    what: str
    first: str  # the first time (Saturday 5 December, 15:00), as she types it
    second: str  # the second (Sunday 6 December, 15:00)
    moved: str  # the new time (Saturday 12 December, 15:00)
    hub: str  # the word that opens her meetups


CASTS = {
    "de": Cast(
        "Deutsch",
        "Amina",
        "Bela",
        "Frauencafé Hoya",
        ("Café am Markt", "Gemeindehaus"),
        "Bus 12 bis Marktplatz",
        "Kaffee trinken",
        "5.12. 15:00",
        "6.12. 15 Uhr",
        "12.12. 15:00",
        "treffen",
    ),
    "ar": Cast(
        "العربية",
        "أمينة",
        "بشرى",
        "مقهى النساء في هويا",
        ("مقهى السوق", "بيت الجماعة"),
        "الحافلة 12 حتى ساحة السوق",
        "نشرب القهوة معًا",
        "5.12. 15:00",
        "6.12. 15:00",
        "12.12. 15:00",
        "لقاء",
    ),
    "uk": Cast(
        "Українська",
        "Олена",
        "Ірина",
        "Жіноче кафе в Гої",
        ("Кафе на ринку", "Громадський дім"),
        "Автобус 12 до Ринкової площі",
        "Кава разом",
        "5.12. 15:00",
        "6.12. 15:00",
        "12.12. 15:00",
        "зустріч",
    ),
    "fa": Cast(
        "فارسی",
        "زهرا",
        "مریم",
        "کافه زنان هویا",
        ("کافه بازار", "خانه محله"),
        "اتوبوس ۱۲ تا میدان بازار",
        "قهوه با هم",
        "۵.۱۲. ۱۵:۰۰",
        "۶.۱۲. ۱۵:۰۰",
        "۱۲.۱۲. ۱۵:۰۰",
        "دیدار",
    ),
}


#: The languages written right to left.
RTL = {"ar", "fa"}


def _shown(message: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "text": message.get("text", ""),
        "buttons": [c["label"] for c in message.get("choices", [])],
    }
    if "direction" in message:  # an answer, as the simulator shows it
        shown["direction"] = message["direction"]
    elif "rtl" in message:  # a message from the outbox, as the channel will send it
        shown["direction"] = "rtl" if message["rtl"] else "ltr"
    return shown


class Story:
    """Records both phones: what each woman did and what each received since."""

    def __init__(self, runtime: Runtime, clock: FrozenClock, people: dict[str, int]) -> None:
        self.runtime, self.clock, self.people = runtime, clock, people
        self.steps: list[dict[str, Any]] = []
        self.seen = self._last_id()

    def _last_id(self, conn: Connection | None = None) -> int:
        if conn is None:
            with self.runtime.db.connect() as fresh:
                return self._last_id(fresh)
        return int(conn.execute(select(outbox.c.id).order_by(outbox.c.id.desc())).scalar() or 0)

    def step(self, who: str, did: str, run: Callable[[], object]) -> None:
        """Run one action; record her direct answers (from her phone) and every message the
        bot started for either woman since (from the outbox)."""
        answered = run()
        with self.runtime.db.connect() as conn:
            rows = conn.execute(
                select(outbox.c.person_id, outbox.c.payload)
                .where(outbox.c.id > self.seen, outbox.c.kind != "reply")
                .order_by(outbox.c.id)
            ).all()
            self.seen = self._last_id(conn)
        entry: dict[str, Any] = {"who": who, "did": did}
        if isinstance(answered, list) and answered:
            entry["answer"] = [_shown(r) for r in answered]
        for side, person in self.people.items():
            got = [_shown(r.payload) for r in rows if r.person_id == person]
            if got:
                entry[side] = got
        self.steps.append(entry)

    def press(self, who: str, sim: Simulator, choice: str) -> None:
        """Tap the button of her latest message whose id ends with ``choice``."""
        sim.last = self._latest(who)
        label = next(
            c["label"] for r in sim.last for c in r["choices"] if c["id"].endswith(choice)
        )
        self.step(who, f"[{label}]", lambda: sim.press(label))

    def press_nth(self, who: str, sim: Simulator, index: int) -> None:
        """Tap the ``index``-th button of her latest message (times, places, meetups)."""
        sim.last = self._latest(who)
        label = sim.last[-1]["choices"][index]["label"]
        self.step(who, f"[{label}]", lambda: sim.press(label))

    def send(self, who: str, sim: Simulator, text: str) -> None:
        self.step(who, text, lambda: sim.send(text))

    def trigger(self, who: str, did: str, target: str, values: dict[str, Any]) -> None:
        self.step(
            who,
            did,
            lambda: self.runtime.turns.fire(
                self.people[who], TriggerIn(target, values), "golden:trigger"
            ),
        )

    def fire(self) -> None:
        self.step(
            "bot", "(scheduler)", lambda: fire_due(self.runtime.db, self.runtime.turns, self.clock)
        )

    def until(self, moment: datetime) -> None:
        """Move the frozen clock on to ``moment``; run the deadline job, then what is due."""

        def run() -> None:
            self.clock.now = moment
            with self.runtime.db.begin() as conn:
                run_deadlines(conn, self.clock())
            fire_due(self.runtime.db, self.runtime.turns, self.clock)

        self.step("bot", f"({moment:%a %d.%m. %H:%M} UTC)", run)

    def _latest(self, who: str) -> list[dict[str, Any]]:
        with self.runtime.db.connect() as conn:
            payloads = conn.execute(
                select(outbox.c.payload)
                .where(outbox.c.person_id == self.people[who])
                .order_by(outbox.c.id.desc())
                .limit(5)
            ).scalars()
            # Her latest message with buttons (a text may follow it, e.g. the usual places).
            return [next((p for p in payloads if p.get("choices")), {"choices": []})]


def transcript(
    runtime: Runtime, client: TestClient, clock: FrozenClock, language: str
) -> list[dict[str, Any]]:
    cast = CASTS[language]
    organiser, member = Simulator(client, "organiser"), Simulator(client, "member")
    onboard(organiser, language=cast.label, name=cast.organiser)
    onboard(member, language=cast.label, name=cast.member)
    organiser_id, member_id = person_of(runtime, "organiser"), person_of(runtime, "member")
    group = add_group(
        runtime.db,
        clock(),
        organisers=[organiser_id],
        members=[member_id],
        places=cast.places,
        directions=cast.directions,
    )
    with runtime.db.begin() as conn:  # the group's name and directions in her language too
        conn.execute(
            update(groups)
            .where(groups.c.id == group)
            .values(
                name={"de": "Frauencafé Hoya", language: cast.group},
                directions={"de": "Bus 12 bis Marktplatz", language: cast.directions},
            )
        )
    story = Story(runtime, clock, {"organiser": organiser_id, "member": member_id})

    # She proposes (what the groups chat's "📅 Treffen vorschlagen" does: the group and its
    # usual places, which become buttons).
    story.trigger(
        "organiser",
        "[📅 Treffen vorschlagen]",
        "meetup.propose",
        {"group": group, "places": list(cast.places)},
    )
    story.send("organiser", organiser, cast.what)
    story.press_nth("organiser", organiser, 0)  # the first of the usual places
    story.send("organiser", organiser, cast.first)
    story.send("organiser", organiser, cast.second)
    story.press("organiser", organiser, "skip")
    story.press("organiser", organiser, "send")
    story.fire()  # both are asked (the organiser is a member too)

    # The member ticks both times.
    story.press_nth("member", member, 0)
    story.press_nth("member", member, 1)
    story.press("member", member, "done")

    # The organiser's hub: the counts; she confirms the first time.
    story.send("organiser", organiser, cast.hub)
    story.press_nth("organiser", organiser, 0)
    story.press_nth("organiser", organiser, 0)
    story.fire()
    story.press("organiser", organiser, "yes")
    story.press("member", member, "yes")

    # The reminders: Friday 17:00 and Saturday 13:00 in Berlin.
    story.until(datetime(2026, 12, 4, 16, 0, tzinfo=UTC))
    story.until(datetime(2026, 12, 5, 12, 0, tzinfo=UTC))

    # She moves it a week on; the member may come.
    story.send("organiser", organiser, cast.hub)
    story.press_nth("organiser", organiser, 0)
    story.press("organiser", organiser, "move")
    story.send("organiser", organiser, cast.moved)
    story.fire()
    story.press("organiser", organiser, "yes")  # she is asked again too
    story.press("member", member, "maybe")

    # The new day's reminders, then "how was it?" to the one who said yes.
    story.until(datetime(2026, 12, 11, 16, 0, tzinfo=UTC))
    story.until(datetime(2026, 12, 12, 12, 0, tzinfo=UTC))
    story.until(datetime(2026, 12, 12, 17, 0, tzinfo=UTC))
    story.press("organiser", organiser, "r4")
    return story.steps


@pytest.mark.parametrize("language", sorted(CASTS))
def test_meetup_transcript(
    sqlite_runtime: Runtime,
    sqlite_client: TestClient,
    clock: FrozenClock,
    language: str,
    request: pytest.FixtureRequest,
) -> None:
    steps = transcript(sqlite_runtime, sqlite_client, clock, language)
    # Arabic and Persian read right to left, every message of both women.
    direction = "rtl" if language in RTL else "ltr"
    shown = [m for s in steps for k in ("answer", "organiser", "member") for m in s.get(k, [])]
    assert {m.get("direction") for m in shown} == {direction}
    check(f"meetup_{language}.json", steps, request)
