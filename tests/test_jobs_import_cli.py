"""``twc jobs import`` and ``twc jobs import-settings`` against the BA job search stand-in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from bot.cli import app
from bot.db.connect import make_engine
from bot.db.tables import audit, job_offers
from tests.auxil.ba_jobsearch import JobSearchStandIn, StandInOffer, ba_jobsearch
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET


@pytest.fixture
def ba(clock: FrozenClock) -> Iterator[JobSearchStandIn]:
    with ba_jobsearch(clock().date()) as stand_in:
        yield stand_in


@pytest.fixture
def env(sqlite_url: str, ba: JobSearchStandIn) -> dict[str, str]:
    settings = {
        "TWC_DATABASE_URL": sqlite_url,
        "TWC_ENVIRONMENT": "development",
        "TWC_SECRET_KEY": TEST_SECRET,
        "TWC_BA_JOBSEARCH_URL": ba.url,
    }
    loaded = CliRunner().invoke(app, ["demo", "load"], env=settings)
    assert loaded.exit_code == 0, loaded.output
    return settings


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["jobs", *args], env=env)
    return result.exit_code, result.output


def test_settings_then_import(env: dict[str, str], ba: JobSearchStandIn, db: Engine) -> None:
    code, out = run(env, "import")
    assert code == 0, out
    assert "No organisation has the import turned on" in out

    code, out = run(
        env,
        "import-settings",
        "--place",
        "Nienburg (Weser)",
        "--radius",
        "30",
        "--keywords",
        "Küche, Reinigung",
        "--enable",
        "--json",
    )
    assert code == 0, out
    (shown,) = json.loads(out)
    assert shown["organisation"] == "vnb-nienburg"
    assert (shown["enabled"], shown["place"], shown["radius_km"]) == (True, "Nienburg (Weser)", 30)
    assert shown["keywords"] == ["Küche", "Reinigung"]
    with db.connect() as conn:
        actor = conn.execute(
            select(audit.c.actor).where(audit.c.action == "jobs.import_settings")
        ).scalar_one()
    assert actor.startswith("cli")

    today: date = ba.today
    ba.offers = [
        StandInOffer(
            "10000-1-S",
            "Küchenhilfe (m/w/d)",
            "Küchenhelfer/in",
            "Nienburg",
            "31582",
            today - timedelta(days=2),
        ),
        StandInOffer(
            "10000-2-S",
            "Reinigungskraft",
            "Reinigungskraft",
            "Hoya",
            "27318",
            today,
            arbeitszeit="mj",
        ),
    ]
    code, out = run(env, "import", "--organisation", "vnb-nienburg")
    assert code == 0, out
    assert "vnb-nienburg: 2 new, 0 updated, 0 unchanged (new offers wait for review)" in out
    assert {r["was"] for r in ba.requests} == {"Küche", "Reinigung"}
    assert {r["umkreis"] for r in ba.requests} == {"30"}
    with db.connect() as conn:
        rows = conn.execute(select(job_offers.c.external_id, job_offers.c.status)).all()
    assert sorted(rows) == [("10000-1-S", "review"), ("10000-2-S", "review")]

    code, out = run(env, "import")  # every enabled organisation: nothing new
    assert code == 0, out
    assert "vnb-nienburg: 0 new, 0 updated, 2 unchanged" in out


def test_failures_are_plain_sentences_and_exit_1(
    env: dict[str, str], ba: JobSearchStandIn
) -> None:
    code, out = run(env, "import", "--organisation", "vnb-nienburg")
    assert code == 1
    assert "No place is set for the import." in out

    code, out = run(env, "import-settings", "--place", "Nienburg", "--radius", "500")
    assert code == 1
    assert "The radius is a number of km from 0 to 200." in out
    assert "Traceback" not in out

    code, out = run(env, "import-settings", "--place", "Nienburg")
    assert code == 0, out
    ba.fail_next = [500, 500, 500]
    code, out = run(env, "import", "--organisation", "vnb-nienburg")
    assert code == 1
    assert "The job search answered with an error (500)." in out
    code, out = run(env, "import-settings", "--json")
    assert code == 0, out
    assert json.loads(out)[0]["last_error"] == "server_error:500"

    code, out = run(env, "import", "--organisation", "nowhere")
    assert code == 1
    assert "No organisation nowhere." in out
    code, out = run(env, "import-settings", "--organisation", "nowhere")
    assert code == 1
    assert "No organisation nowhere." in out
