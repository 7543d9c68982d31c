"""Golden transcripts of her side of job offers, in German, Arabic and Ukrainian: a woman who
ticked "💼 Arbeit" at onboarding opens the hub, agrees, answers the three questions, sees
her answers, and asks for no more job offers; and the weekly digest card by card ("✋
Interessiert", "🙅 Nicht für mich", "➕ Mehr davon"), then the word that an offer is gone.

Like ``tests/test_golden.py``: what she sends and exactly what the bot answers (texts,
buttons, direction).  After an intended change: ``pytest tests/test_jobs_golden.py
--update-golden`` and review the diff.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from bot.db.tables import job_offers, outbox
from bot.features.jobs.digest_plan import run_plan
from bot.features.jobs.offers import OffersService, Scope
from bot.runtime import Runtime
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.golden import check, play
from tests.auxil.jobs import add_offer, org_id
from tests.auxil.simulator import Simulator

#: Steps: ("send", text) or ("press", the end of a button's id).
STEPS: list[tuple[str, str]] = [
    ("send", "/start"),
    ("press", "choose_language:{lang}"),
    ("press", "privacy_notice:yes"),
    ("send", "{name}"),
    ("press", "ask_town:t1"),
    ("press", "ask_interests:jobs"),
    ("press", "ask_interests:done"),
    ("press", "ask_support:childcare"),
    ("press", "ask_support:done"),
    ("press", "ask_messages:yes"),
    ("press", "menu:jobs"),
    ("press", "hub:answers"),
    ("press", "consent:yes"),
    ("press", "ask_german:a2"),
    ("press", "ask_hours:h20"),
    ("press", "ask_travel:km25"),
    ("press", "menu:jobs"),
    ("press", "hub:stop"),
    ("press", "confirm_stop:yes"),
]

NAMES = {"de": "Amina", "ar": "أمينة", "uk": "Олена"}


@pytest.mark.parametrize("language", sorted(NAMES))
def test_job_answers_transcript(
    sqlite_client: TestClient, language: str, request: pytest.FixtureRequest
) -> None:
    values = {"lang": language, "name": NAMES[language]}
    transcript = play(sqlite_client, STEPS, f"jobs-{language}", values)
    check(f"jobs_answers_{language}.json", transcript, request)


#: Her onboarding and job answers (simple sentences, 20 hours, 25 km), ready for a digest.
ANSWERED = STEPS[:16]


def _shown(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": message.get("text", ""),
        "buttons": [c["label"] for c in message.get("choices", [])],
    }


def _started(runtime: Runtime, person: int, after: int) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        return [
            {"kind": r.kind, **_shown(r.payload)}
            for r in conn.execute(
                select(outbox.c.kind, outbox.c.payload)
                .where(outbox.c.person_id == person, outbox.c.kind != "reply")
                .where(outbox.c.id > after)
                .order_by(outbox.c.id)
            )
        ]


def _last_outbox(runtime: Runtime) -> int:
    with runtime.db.connect() as conn:
        return int(conn.execute(select(outbox.c.id).order_by(outbox.c.id.desc())).scalar() or 0)


@pytest.mark.parametrize("language", sorted(NAMES))
def test_weekly_digest_transcript(
    sqlite_client: TestClient,
    sqlite_runtime: Runtime,
    clock: FrozenClock,
    language: str,
    request: pytest.FixtureRequest,
) -> None:
    """The digest fired by the scheduler, her three answers card by card, and a week later
    the word that the offer she was interested in is gone."""
    runtime, user = sqlite_runtime, f"digest-{language}"
    play(sqlite_client, ANSWERED, user, {"lang": language, "name": NAMES[language]})
    person = person_of(runtime, user)
    db, now, org = runtime.db, clock(), org_id(sqlite_runtime.db)
    ids = [
        add_offer(db, org, now, town=town, hours=hours, kind=kind, childcare=childcare)
        for town, hours, kind, childcare in (
            ("Hoya", 12, "mini_job", True),
            ("Eystrup", 20, "part_time", False),
            ("Nienburg (Weser)", None, "training", False),
        )
    ]
    with db.begin() as conn:
        for offer, title in zip(ids, OFFER_TITLES, strict=True):
            conn.execute(
                update(job_offers)
                .where(job_offers.c.id == offer)
                .values(
                    title=title,
                    description={k: v + "." for k, v in title.items()},
                    hours_note={"de": "nur vormittags", "ar": "صباحًا فقط", "uk": "лише зранку"},
                    starts_on=date(2027, 1, 4),
                )
            )
    steps: list[dict[str, Any]] = []
    seen = _last_outbox(runtime)
    with db.begin() as conn:
        run_plan(conn, clock())
    fire_due(db, runtime.turns, clock)
    steps.append({"she": "(Montag, 10:00)", "bot": _started(runtime, person, seen)})
    sim = Simulator(sqlite_client, user)
    with db.connect() as conn:
        sim.last = [
            conn.execute(
                select(outbox.c.payload)
                .where(outbox.c.person_id == person)
                .order_by(outbox.c.id.desc())
                .limit(1)
            ).scalar_one()
        ]
    for choice in ("card:interested", "card:not_for_me", "card:more"):
        label = next(c["label"] for c in sim.last[-1]["choices"] if c["id"].endswith(choice))
        replies = sim.press(label)
        steps.append({"she": f"[{label}]", "bot": [_shown(r) for r in replies]})
    clock.advance(days=2)
    OffersService(db, clock).close(Scope(frozenset({org}), "test"), ids[0])
    seen = _last_outbox(runtime)
    with db.begin() as conn:
        run_plan(conn, clock())
    fire_due(db, runtime.turns, clock)
    steps.append({"she": "(Angebot 1 geschlossen)", "bot": _started(runtime, person, seen)})
    check(f"jobs_digest_{language}.json", steps, request)


OFFER_TITLES = (
    {"de": "Küchenhilfe im Café", "ar": "مساعدة مطبخ في مقهى", "uk": "Помічниця на кухні в кафе"},
    {"de": "Verkauf in der Bäckerei", "ar": "بائعة في مخبز", "uk": "Продавчиня в пекарні"},
    {
        "de": "Ausbildung Pflegehilfe",
        "ar": "تدريب مهني: مساعدة تمريض",
        "uk": "Навчання: помічниця з догляду",
    },
)
