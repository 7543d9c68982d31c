"""Golden transcripts of introductions: both sides, in German, Arabic and Ukrainian.

One file per language (``tests/golden/intro_<lang>.json``), with four stories: the whole
double opt-in with a relayed exchange, "have you met?" and the ending with a rating; the
mentor says no; the participant says no; nobody answers (a reminder after three days, the
lapse after six).  Each step records who did what and everything either woman received,
read from the outbox (answers and scheduled messages alike).  After an intended change:
``pytest tests/test_mentoring_intro_golden.py --update-golden``, then review the diff.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection, select
from starlette.testclient import TestClient

from bot.db.tables import outbox
from bot.runtime import Runtime
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.golden import check
from tests.auxil.mentoring_intro import setup
from tests.auxil.simulator import Simulator

#: Her language's button label, the participant's and the mentor's names.
LANGUAGES = {
    "de": ("Deutsch", "Amina", "Marta Schulz"),
    "ar": ("العربية", "أمينة", "مريم حداد"),
    "uk": ("Українська", "Олена", "Марта Коваль"),
}


def _shown(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": message.get("text", ""),
        "buttons": [c["label"] for c in message.get("choices", [])],
    }


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
        bot started for either woman since (from the outbox, not sent yet)."""
        answered = run()
        with self.runtime.db.connect() as conn:
            rows = conn.execute(
                select(outbox.c.id, outbox.c.person_id, outbox.c.kind, outbox.c.payload)
                .where(outbox.c.id > self.seen, outbox.c.kind != "reply")
                .order_by(outbox.c.id)
            ).all()
            self.seen = self._last_id(conn)
        entry: dict[str, Any] = {"who": who, "did": did}
        if isinstance(answered, list) and answered:
            entry["answer"] = [_shown(r) for r in answered]
        for side, person in self.people.items():
            got = [{"kind": r.kind, **_shown(r.payload)} for r in rows if r.person_id == person]
            if got:
                entry[side] = got
        self.steps.append(entry)

    def press(self, who: str, sim: Simulator, choice: str) -> None:
        sim.last = self._latest(who)
        label = next(
            c["label"] for r in sim.last for c in r["choices"] if c["id"].endswith(choice)
        )
        self.step(who, f"[{label}]", lambda: sim.press(label))

    def send(self, who: str, sim: Simulator, text: str) -> None:
        self.step(who, text, lambda: sim.send(text))

    def fire(self) -> None:
        self.step(
            "bot", "(scheduler)", lambda: fire_due(self.runtime.db, self.runtime.turns, self.clock)
        )

    def later(self, days: int, hours: int = 0) -> None:
        from bot.features.mentoring.intro_sweep import run_sweep

        def run() -> None:
            self.clock.advance(days=days, hours=hours)
            run_sweep(self.runtime.db, self.clock)
            fire_due(self.runtime.db, self.runtime.turns, self.clock)

        self.step("bot", f"(+{days} d {hours} h)", run)

    def _latest(self, who: str) -> list[dict[str, Any]]:
        with self.runtime.db.connect() as conn:
            payloads = conn.execute(
                select(outbox.c.payload)
                .where(outbox.c.person_id == self.people[who])
                .order_by(outbox.c.id.desc())
                .limit(1)
            ).scalars()
            return list(payloads)


def whole_introduction(
    story: Story, participant: Simulator, mentor: Simulator, hello: str
) -> None:
    story.fire()
    story.press("mentor", mentor, "mentor_ask:yes")
    story.fire()
    story.press("participant", participant, "participant_ask:yes")
    story.fire()
    story.press("participant", participant, "contact_ask:relay")
    story.press("mentor", mentor, "contact_ask:relay")
    story.send("participant", participant, hello)
    story.fire()
    story.send("mentor", mentor, "👍 10:00?")
    story.fire()
    story.later(days=7, hours=1)
    story.press("mentor", mentor, "met:yes")
    story.press("participant", participant, "met:not_yet")
    story.press("participant", participant, "chat:end")
    story.press("participant", participant, "confirm_end:yes")
    story.press("participant", participant, "rate:great")
    story.fire()
    story.press("mentor", mentor, "rate:good")


def mentor_says_no(story: Story, participant: Simulator, mentor: Simulator, _hello: str) -> None:
    story.fire()
    story.press("mentor", mentor, "mentor_ask:no")
    story.fire()


def participant_says_no(
    story: Story, participant: Simulator, mentor: Simulator, _hello: str
) -> None:
    story.fire()
    story.press("mentor", mentor, "mentor_ask:yes")
    story.fire()
    story.press("participant", participant, "participant_ask:no")
    story.fire()


def nobody_answers(story: Story, participant: Simulator, mentor: Simulator, _hello: str) -> None:
    story.fire()
    story.later(days=3, hours=1)
    story.later(days=3)


STORIES = {
    "whole_introduction": whole_introduction,
    "mentor_says_no": mentor_says_no,
    "participant_says_no": participant_says_no,
    "nobody_answers": nobody_answers,
}
HELLO = {
    "de": "Hallo! Wann haben Sie Zeit?",
    "ar": "مرحبًا! متى لديكِ وقت؟",
    "uk": "Привіт! Коли у вас є час?",
}


def transcript(
    runtime: Runtime, client: TestClient, clock: FrozenClock, language: str, story: str
) -> list[dict[str, Any]]:
    label, participant_name, mentor_name = LANGUAGES[language]
    participant, mentor, participant_id, mentor_id, _match = setup(
        runtime, client, label, label, participant_name, mentor_name
    )
    recorded = Story(runtime, clock, {"participant": participant_id, "mentor": mentor_id})
    STORIES[story](recorded, participant, mentor, HELLO[language])
    return recorded.steps


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("story", sorted(STORIES))
def test_introduction_transcript(
    sqlite_runtime: Runtime,
    sqlite_client: TestClient,
    clock: FrozenClock,
    language: str,
    story: str,
    request: pytest.FixtureRequest,
) -> None:
    steps = transcript(sqlite_runtime, sqlite_client, clock, language, story)
    check(f"intro_{language}_{story}.json", steps, request)
