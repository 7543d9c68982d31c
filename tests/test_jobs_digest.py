"""Issue 15, the weekly digest: planned for a working-day morning, at most one a week, at most
three offers (the best first), one card at a time with "✋ Interessiert / 🙅 Nicht für mich /
➕ Mehr davon / 🔕 Keine Job-Angebote"; "interested" leaves an inbox item with the offer and
her answers and tells her what happens next; "not for me" is never sent again; an expired or
closed offer never goes; whoever was interested in a withdrawn offer is told once.

A woman on the simulator channel answers the job questions in the chat; the digest is a
nudge planned by the hourly job (``run_plan``) and fired by the scheduler with a frozen
clock (Monday 30 November 2026, 10:00 in Berlin).  Real database: SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select
from starlette.testclient import TestClient

from bot.db.tables import (
    inbox_messages,
    inbox_threads,
    job_notices,
    job_offers,
    nudges,
    outbox,
    people,
)
from bot.features.jobs.digest_plan import DIGEST_KIND, next_slot, run_plan
from bot.features.jobs.importing import Importer, save_settings
from bot.features.jobs.offers import OffersService, Scope
from bot.runtime import Runtime
from scheduler.due import fire_due
from tests.auxil.ba_jobsearch import StandInOffer, ba_jobsearch
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.jobs import add_offer, org_id
from tests.auxil.simulator import Simulator, onboard

BERLIN = "Europe/Berlin"
CARD_BUTTONS = ["✋ Interessiert", "🙅 Nicht für mich", "➕ Mehr davon", "🔕 Keine Job-Angebote"]


def plan(runtime: Runtime, clock: FrozenClock) -> dict[str, int]:
    with runtime.db.begin() as conn:
        return dict(run_plan(conn, clock()))


def fire(runtime: Runtime, clock: FrozenClock) -> int:
    return fire_due(runtime.db, runtime.turns, clock)


def started(runtime: Runtime, person: int) -> list[dict[str, Any]]:
    """What the bot started for her (not answers to her), in order."""
    with runtime.db.connect() as conn:
        return list(
            conn.execute(
                select(outbox.c.payload)
                .where(outbox.c.person_id == person, outbox.c.kind != "reply")
                .order_by(outbox.c.id)
            ).scalars()
        )


def kinds(runtime: Runtime, person: int) -> list[str]:
    with runtime.db.connect() as conn:
        return list(
            conn.execute(
                select(outbox.c.kind)
                .where(outbox.c.person_id == person, outbox.c.kind != "reply")
                .order_by(outbox.c.id)
            ).scalars()
        )


def notices(runtime: Runtime, person: int) -> dict[int, str]:
    with runtime.db.connect() as conn:
        return {
            r.offer_id: r.status
            for r in conn.execute(
                select(job_notices.c.offer_id, job_notices.c.status).where(
                    job_notices.c.person_id == person
                )
            )
        }


def digest_nudges(runtime: Runtime, person: int) -> list[tuple[datetime, str]]:
    with runtime.db.connect() as conn:
        return [
            (r.due_at, r.status)
            for r in conn.execute(
                select(nudges.c.due_at, nudges.c.status)
                .where(nudges.c.person_id == person, nudges.c.kind == DIGEST_KIND)
                .order_by(nudges.c.id)
            )
        ]


def job_answers(sim: Simulator, german: str, hours: str, travel: str) -> None:
    """She opens "💼 Arbeit", agrees and answers the three questions."""
    sim.press("💼 Arbeit")
    sim.press("📝 Fragen beantworten")
    sim.press("✅ Ja")
    sim.press(german)
    sim.press(hours)
    sim.press(travel)


def test_a_digest_card_by_card_then_a_week_later_the_rest(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    db, now = runtime.db, clock()
    org = org_id(db)
    sim = Simulator(client, "amina")
    onboard(sim)  # lives in Hoya
    amina = person_of(runtime, "amina")
    job_answers(sim, "Einfache Sätze", "Bis 20 Stunden", "Bis 25 km")

    here = add_offer(db, org, now, title="Küchenhilfe", town="Hoya", hours=12, childcare=True)
    near = add_offer(db, org, now, title="Verkauf Bäckerei", town="Eystrup", hours=20)
    far = add_offer(db, org, now, title="Lager", town="Nienburg (Weser)", kind="part_time")
    fourth = add_offer(
        db,
        org,
        now,
        title="Reinigung",
        town="Nienburg (Weser)",
        kind="part_time",
        expires_on=date(2027, 2, 28),
    )
    add_offer(db, org, now, title="Büro", town="Hoya", german="B2")  # needs more German
    add_offer(db, org, now, title="Vollzeit", town="Hoya", hours=40)  # too many hours
    add_offer(db, org, now, title="Alt", town="Hoya", expires_on=date(2026, 11, 29))  # expired
    add_offer(db, org, now, title="Zu", town="Hoya", status="closed")
    add_offer(db, org, now, title="Neu importiert", town="Hoya", status="review")

    assert plan(runtime, clock)["digests"] == 1
    assert digest_nudges(runtime, amina) == [(now, "pending")]  # Monday 10:00: the slot
    assert plan(runtime, clock)["digests"] == 0  # one waiting at a time
    fire(runtime, clock)
    first = started(runtime, amina)
    assert len(first) == 1 and kinds(runtime, amina) == ["job_digest"]
    card = first[0]["text"]
    assert card.splitlines()[:3] == ["💼 Job-Angebote für Sie", "Angebot 1 von 3:", "Küchenhilfe"]
    assert "📍 Hoya (in Ihrem Ort)" in card
    assert "🕘 Minijob, 12 Stunden pro Woche" in card
    assert "🗣️ Deutsch: nicht nötig" in card
    assert "👶 Die Arbeitszeiten passen zu Kita und Schule." in card
    assert "🏢 Beispiel GmbH" in card
    assert [c["label"] for c in first[0]["choices"]] == CARD_BUTTONS
    assert notices(runtime, amina) == {here: "sent"}  # only the card she saw

    sim.last = first
    sim.press("✋ Interessiert")
    text = sim.text()
    assert "Jemand aus dem Team schreibt Ihnen in den nächsten 2 Arbeitstagen" in text
    assert "Angebot 2 von 3:" in text and "Verkauf Bäckerei" in text
    assert "📍 Eystrup (etwa 6 km von Ihnen)" in text
    assert sim.labels() == CARD_BUTTONS
    with db.connect() as conn:
        thread = conn.execute(
            select(inbox_threads).where(inbox_threads.c.person_id == amina)
        ).one()
        message = conn.execute(
            select(inbox_messages.c.text).where(inbox_messages.c.thread_id == thread.id)
        ).scalar_one()
        with_team = conn.execute(
            select(people.c.with_team_since).where(people.c.id == amina)
        ).scalar()
    assert thread.reason == "interested" and thread.status == "open"
    assert message.splitlines() == [
        f"✋ Interesse an Job-Angebot Nr. {here}: Küchenhilfe in Hoya",
        "Angaben der Teilnehmerin: Deutsch: einfache Sätze · Stunden: bis 20 Stunden · "
        "Weg: bis 25 km",
    ]
    assert with_team is None  # she goes on with the cards; the team's reply connects her

    sim.press("🙅 Nicht für mich")
    assert "👌 In Ordnung. Dieses Angebot schicken wir Ihnen nicht mehr." in sim.text()
    assert "Angebot 3 von 3:" in sim.text() and "Lager" in sim.text()
    sim.press("➕ Mehr davon")
    assert "👍 Gut. Solche Angebote zeigen wir Ihnen in Zukunft zuerst." in sim.text()
    assert "📭 Das waren alle Angebote für diese Woche." in sim.text()
    assert notices(runtime, amina) == {
        here: "interested",
        near: "not_for_me",
        far: "more_like_this",
    }

    # At most one a week: the next one is planned for next Monday morning, not before.
    clock.advance(hours=1)
    assert plan(runtime, clock)["digests"] == 1
    assert digest_nudges(runtime, amina)[-1] == (now + timedelta(days=7), "pending")
    clock.advance(days=6, hours=23)
    fire(runtime, clock)
    week_two = started(runtime, amina)[1:]
    assert len(week_two) == 1
    assert "Angebot 1 von 1:" in week_two[0]["text"] and "Reinigung" in week_two[0]["text"]
    assert notices(runtime, amina)[fourth] == "sent"
    # Nothing left she was not told of: no third digest is planned.
    clock.advance(days=7)
    assert plan(runtime, clock)["digests"] == 0


def test_what_closed_or_expired_after_planning_is_not_sent(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    db = runtime.db
    org = org_id(db)
    sim = Simulator(client, "leyla")
    onboard(sim, name="Leyla")
    leyla = person_of(runtime, "leyla")
    job_answers(sim, "Ein paar Wörter", "Bis 30 Stunden", "Nur in meinem Ort")
    # Planned on Saturday evening: the next good moment is Monday at 10:00.
    clock.now = datetime(2026, 12, 5, 19, 0, tzinfo=UTC)
    today = add_offer(
        db, org, clock(), title="Endet Sonntag", town="Hoya", expires_on=date(2026, 12, 6)
    )
    closing = add_offer(db, org, clock(), title="Wird geschlossen", town="Hoya")
    plan(runtime, clock)
    assert digest_nudges(runtime, leyla) == [(datetime(2026, 12, 7, 9, 0, tzinfo=UTC), "pending")]
    OffersService(db, clock).close(Scope(frozenset({org}), "test"), closing)
    clock.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    fire(runtime, clock)
    assert started(runtime, leyla) == []  # nothing left to send: the row is skipped
    assert digest_nudges(runtime, leyla) == [(datetime(2026, 12, 7, 9, 0, tzinfo=UTC), "skipped")]
    assert notices(runtime, leyla) == {}
    assert today < closing


def test_she_never_hears_without_her_consent_to_job_offers(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    db, now = runtime.db, clock()
    org = org_id(db)
    sim = Simulator(client, "olena")
    onboard(sim, name="Olena")
    olena = person_of(runtime, "olena")
    add_offer(db, org, now, title="Küchenhilfe", town="Hoya")
    assert plan(runtime, clock)["digests"] == 0  # never answered the job questions
    job_answers(sim, "Ein paar Wörter", "Bis 30 Stunden", "Nur in meinem Ort")
    assert plan(runtime, clock)["digests"] == 1
    # She withdraws before the morning comes: the digest is skipped when it fires.
    sim.press("💼 Arbeit")
    sim.press("🔕 Keine Job-Angebote")
    sim.press("✅ Ja")
    fire(runtime, clock)
    assert started(runtime, olena) == []
    assert digest_nudges(runtime, olena)[-1][1] == "skipped"


def test_the_digest_waits_for_a_working_day_morning_and_the_daily_cap(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    # Friday 11:30 still counts (until noon); Friday 12:30 waits for Monday 10:00.
    friday = datetime(2026, 12, 4, 10, 30, tzinfo=UTC)
    assert next_slot(friday, friday.date(), BERLIN) == friday
    later = datetime(2026, 12, 4, 11, 30, tzinfo=UTC)
    assert next_slot(later, later.date(), BERLIN) == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    # A week after her last digest (Wednesday): the next Wednesday morning, not earlier.
    assert next_slot(later, date(2026, 12, 9), BERLIN) == datetime(2026, 12, 9, 9, 0, tzinfo=UTC)

    db, now = runtime.db, clock()
    org = org_id(db)
    sim = Simulator(client, "mariam")
    onboard(sim, name="Mariam")
    mariam = person_of(runtime, "mariam")
    job_answers(sim, "Ein paar Wörter", "Bis 30 Stunden", "Nur in meinem Ort")
    add_offer(db, org, now, title="Küchenhilfe", town="Hoya")
    # Three other messages the bot starts are due this Monday: her day is full.
    with db.begin() as conn:
        for hour in (11, 13, 15):
            conn.execute(
                insert(nudges).values(
                    person_id=mariam,
                    kind="checkin",
                    due_at=datetime(2026, 11, 30, hour, 0, tzinfo=UTC),
                    payload={"starts_at": datetime(2026, 11, 30, hour, tzinfo=UTC).isoformat()},
                    idempotency_key=f"test:{hour}",
                    status="pending",
                    created_at=now,
                )
            )
    plan(runtime, clock)
    ((due, status),) = digest_nudges(runtime, mariam)
    assert status == "pending" and due.astimezone(UTC).date() == date(2026, 12, 1)


def test_who_was_interested_in_a_withdrawn_offer_is_told_once(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    db, now = runtime.db, clock()
    org = org_id(db)
    sim = Simulator(client, "amina")
    onboard(sim)
    amina = person_of(runtime, "amina")
    job_answers(sim, "Einfache Sätze", "Bis 20 Stunden", "Bis 25 km")
    offer = add_offer(db, org, now, title="Küchenhilfe", town="Hoya")
    plan(runtime, clock)
    fire(runtime, clock)
    sim.last = started(runtime, amina)
    sim.press("✋ Interessiert")
    clock.advance(hours=2)
    OffersService(db, clock).close(Scope(frozenset({org}), "test"), offer)
    assert plan(runtime, clock)["withdrawals"] == 1
    fire(runtime, clock)
    told = started(runtime, amina)[-1]["text"]
    assert told.splitlines() == [
        "ℹ️ Sie hatten Interesse an diesem Angebot: Küchenhilfe",
        "Leider gibt es dieses Angebot nicht mehr. Das tut uns leid.",
        "Wir schicken Ihnen weiter passende Angebote.",
    ]
    clock.advance(hours=1)
    assert plan(runtime, clock)["withdrawals"] == 0  # told once
    with db.connect() as conn:
        assert conn.execute(select(job_notices.c.withdrawn_told_at)).scalar() is not None


def test_an_imported_offer_waits_for_review_then_goes_in_the_digest(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    """From the BA job search's stand-in (real HTTP) to her phone: imported as ``review``,
    never planned until a coordinator publishes it."""
    db, now = runtime.db, clock()
    org = org_id(db)
    sim = Simulator(client, "amina")
    onboard(sim)  # Hoya; Marklohe is 16 km away
    amina = person_of(runtime, "amina")
    job_answers(sim, "Einfache Sätze", "Bis 20 Stunden", "Bis 25 km")
    with db.begin() as conn:
        save_settings(
            conn,
            org,
            enabled=True,
            place="Nienburg (Weser)",
            radius_km=25,
            keywords="Reinigung",
            actor="staff:1",
            now=now,
        )
    with ba_jobsearch(now.date()) as ba:
        ba.offers = [
            StandInOffer(
                "10000-2000001-S",
                "Minijob Reinigung Praxis, vormittags",
                "Reinigungskraft",
                "Marklohe",
                "31608",
                now.date() - timedelta(days=2),
                arbeitszeit="mj",
            )
        ]
        result = Importer(db, clock, ba.url, timeout=httpx.Timeout(5.0)).run(org)
    assert result.new == 1
    with db.connect() as conn:
        offer = conn.execute(select(job_offers.c.id, job_offers.c.status)).one()
    assert offer.status == "review"
    assert plan(runtime, clock)["digests"] == 0  # never sent on its own
    assert OffersService(db, clock).publish(Scope(frozenset({org}), "staff:1"), offer.id)
    assert plan(runtime, clock)["digests"] == 1
    fire(runtime, clock)
    (card,) = started(runtime, amina)
    assert "Minijob Reinigung Praxis, vormittags" in card["text"]
    assert "📍 Marklohe (etwa 16 km von Ihnen)" in card["text"]
    assert "🕘 Minijob" in card["text"]
    assert notices(runtime, amina) == {offer.id: "sent"}
