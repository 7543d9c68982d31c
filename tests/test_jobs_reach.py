"""Issue 15, who each open offer would reach now (``bot.features.jobs.reach``) and ``twc jobs
match``: only open, unexpired offers; only women who agree to job offers and messages; what
she was told or said "not for me" to never again; "more like this" raises that kind.

Real database (SQLite and PostgreSQL), frozen clock; the CLI on a demo database.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from bot.cli import app
from bot.db.connect import make_engine
from bot.features.jobs.matching import ranked
from bot.features.jobs.reach import open_offers, reach, seekers
from bot.runtime import Runtime
from tests.auxil.clock import DEFAULT_START, FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.jobs import add_notice, add_offer, add_seeker, org_id

TODAY = DEFAULT_START.date()


def test_only_open_unexpired_offers_are_read(runtime: Runtime, clock: FrozenClock) -> None:
    db, now = runtime.db, clock()
    org = org_id(db)
    live = add_offer(db, org, now)
    last_day = add_offer(db, org, now, expires_on=TODAY)
    add_offer(db, org, now, expires_on=TODAY - timedelta(days=1))  # expired
    add_offer(db, org, now, status="closed")
    add_offer(db, org, now, status="review")  # imported, not yet checked
    with db.connect() as conn:
        found = [o.id for o in open_offers(conn, org, TODAY)]
    assert live in found and last_day in found
    assert len([o for o in found if o >= live]) == 2


def test_consent_answers_and_notices(runtime: Runtime, clock: FrozenClock) -> None:
    db, now = runtime.db, clock()
    org = org_id(db)
    kitchen = add_offer(db, org, now, title="Küchenhilfe")
    shop = add_offer(db, org, now, title="Verkauf", kind="part_time", town="Marklohe")
    school = add_offer(db, org, now, title="Ausbildung", kind="training", town="Hoya")
    amina = add_seeker(db, org, "Amina", now)
    add_seeker(db, org, "Leyla", now, purposes=("profile", "messages"))  # no job offers
    add_seeker(db, org, "Olena", now, purposes=("profile", "job_offers"))  # no messages
    add_notice(db, org, amina, kitchen, now, status="not_for_me")
    add_notice(db, org, amina, school, now, status="more_like_this")
    with db.connect() as conn:
        women = {s.person_id: s for s in seekers(conn, org)}
        offers = open_offers(conn, org, TODAY)
    assert set(women) == {amina}
    her = women[amina]
    assert her.told == {kitchen, school}
    assert her.more_kinds == {"training"}
    assert her.german == "A2" and her.hours == 20 and her.travel_km == 25
    assert [o.id for o in ranked(her, offers, TODAY)] == [shop]

    another = add_offer(db, org, now, title="Berufsschule", kind="training", town="Hoya")
    with db.connect() as conn:
        (her,) = seekers(conn, org)
        offers = open_offers(conn, org, TODAY)
    # "More like this" of the training: a new training place comes before the nearer shop.
    assert [o.id for o in ranked(her, offers, TODAY)] == [another, shop]


def test_reach_counts_women_and_digests(runtime: Runtime, clock: FrozenClock) -> None:
    db, now = runtime.db, clock()
    org = org_id(db)
    offers = [add_offer(db, org, now, title=f"Stelle {i}") for i in range(4)]
    fluent = add_offer(db, org, now, title="Büro", german="B2", hours=30)
    add_seeker(db, org, "Amina", now)
    add_seeker(db, org, "Maria", now, answers={"german": "C1", "hours": 40, "travel_km": 0})
    with db.connect() as conn:
        counts = {r.offer_id: r for r in reach(conn, org, TODAY)}
    mine = [counts[o] for o in offers]
    assert [r.fits for r in mine] == [2, 2, 2, 2]
    assert sum(r.in_digest for r in mine) + counts[fluent].in_digest == 6  # three each
    assert counts[fluent].fits == 1


@pytest.fixture
def env(sqlite_url: str) -> dict[str, str]:
    settings = {
        "TWC_DATABASE_URL": sqlite_url,
        "TWC_ENVIRONMENT": "development",
        "TWC_SECRET_KEY": TEST_SECRET,
        "TWC_CLOCK_START": DEFAULT_START.isoformat(),
    }
    loaded = CliRunner().invoke(app, ["demo", "load"], env=settings)
    assert loaded.exit_code == 0, loaded.output
    return settings


def test_twc_jobs_match(env: dict[str, str], sqlite_url: str) -> None:
    db: Engine = make_engine(sqlite_url)
    try:
        org = org_id(db)
        kitchen = add_offer(
            db, org, DEFAULT_START, title="Küchenhilfe", expires_on=date(2027, 3, 1)
        )
        add_seeker(db, org, "Amina", DEFAULT_START)
    finally:
        db.dispose()
    result = CliRunner().invoke(
        app, ["jobs", "match", "--organisation", "vnb-nienburg", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    rows = {r["offer"]: r for r in json.loads(result.output)}
    assert rows[kitchen]["title"] == "Küchenhilfe"
    assert rows[kitchen]["women_it_fits"] >= 1 and rows[kitchen]["in_next_digest"] >= 1
    assert "Amina" not in result.output  # counts, never a name

    table = CliRunner().invoke(app, ["jobs", "match"], env=env)
    assert table.exit_code == 0 and "Küchenhilfe" in table.output

    missing = CliRunner().invoke(app, ["jobs", "match", "--organisation", "nowhere"], env=env)
    assert missing.exit_code == 1 and "No organisation nowhere." in missing.output
