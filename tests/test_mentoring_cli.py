"""``twc mentors``: the matching service at the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from bot.cli import app
from bot.db.connect import make_engine
from bot.db.tables import audit, mentor_matches, organisations
from tests.auxil.constants import TEST_SECRET
from tests.auxil.mentoring_staff import add_mentor, add_request

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


@pytest.fixture
def env(sqlite_url: str) -> dict[str, str]:
    settings = {
        "TWC_DATABASE_URL": sqlite_url,
        "TWC_ENVIRONMENT": "development",
        "TWC_SECRET_KEY": TEST_SECRET,
    }
    loaded = CliRunner().invoke(app, ["demo", "load"], env=settings)
    assert loaded.exit_code == 0, loaded.output
    return settings


@pytest.fixture
def db(sqlite_url: str) -> Engine:
    engine = make_engine(sqlite_url)
    yield engine  # type: ignore[misc]
    engine.dispose()


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["mentors", *args], env=env)
    return result.exit_code, result.output


def test_waiting_suggest_propose_and_matches(env: dict[str, str], db: Engine) -> None:
    with db.connect() as conn:
        org = conn.execute(
            select(organisations.c.id).where(organisations.c.slug == "vnb-nienburg")
        ).scalar_one()
    # The demo mentors (Anna, Leyla) are there too; only Nadia helps with work.
    mentor = add_mentor(db, org, "Nadia", NOW, town="Marklohe", topics=("work",))
    _, request = add_request(db, org, "Samira", NOW, topics=("work",))

    code, out = run(env, "waiting", "--json")
    assert code == 0, out
    waiting = [r for r in json.loads(out) if r["request"] == request]
    assert waiting[0]["name"] == "Samira"
    assert waiting[0]["suggestions"][0].startswith(f"{mentor} Nadia")

    code, out = run(env, "suggest", str(request), "--json")
    assert code == 0, out
    best = json.loads(out)[0]
    assert best["mentor"] == mentor
    assert {"language", "topics_all", "town_near"} <= set(best["reasons"])

    code, out = run(env, "propose", str(request), str(mentor))
    assert code == 0 and "asked first" in out
    code, out = run(env, "propose", str(request), str(mentor))
    assert code == 1 and "Cannot propose" in out
    with db.connect() as conn:
        (match,) = conn.execute(select(mentor_matches)).all()
        assert match.proposed_by.startswith("cli")
        assert conn.execute(select(audit).where(audit.c.action == "mentoring.propose")).first()

    code, out = run(env, "matches", "--status", "in-flight", "--json")
    assert [m["match"] for m in json.loads(out)] == [match.id]
    code, out = run(env, "take-back", str(match.id))
    assert code == 0 and "taken back" in out
    code, out = run(env, "take-back", str(match.id))
    assert code == 1 and "not in flight" in out
    code, out = run(env, "suggest", "999999")
    assert code == 1 and "No request" in out


def test_settings(env: dict[str, str]) -> None:
    code, out = run(env, "settings")
    assert code == 0 and "automatic proposals off, threshold 0.60" in out
    code, out = run(env, "settings", "--auto", "--threshold", "0.75")
    assert code == 0 and "automatic proposals on, threshold 0.75" in out
    code, out = run(env, "settings", "--threshold", "2")
    assert code == 1 and "from 0 to 1" in out


def test_list_shows_the_mentors(env: dict[str, str], db: Engine) -> None:
    with db.connect() as conn:
        org = conn.execute(select(organisations.c.id)).scalars().first()
    assert org is not None
    add_mentor(db, org, "Nadia", NOW, languages=("de", "uk"), capacity=2)
    code, out = run(env, "list", "--json")
    assert code == 0
    nadia = next(m for m in json.loads(out) if m["name"] == "Nadia")
    assert nadia["languages"] == ["de", "uk"] and nadia["places"] == "0/2"


def test_add_a_mentor_from_the_paper_form_and_invite(env: dict[str, str], db: Engine) -> None:
    from bot.db.tables import consents, identities, invite_codes, mentor_profiles, people

    args = ["add", "--name", "Fatma", "--phone", "0176 12345678", "--languages", "de,tr"]
    code, out = run(env, *args, "--topics", "school,health")
    assert code == 1 and "--paper-consent" in out  # nothing stored without her consent
    code, out = run(
        env,
        *args,
        "--topics",
        "school,health",
        "--paper-consent",
        "--capacity",
        "2",
        "--town",
        "Hoya",
        "--availability",
        "evenings",
    )
    assert code == 0, out
    with db.connect() as conn:
        person = conn.execute(
            select(people).where(people.c.role == "mentor").order_by(people.c.id.desc())
        ).first()
        assert person is not None and person.display_name == "Fatma" and person.town == "Hoya"
        profile = conn.execute(
            select(mentor_profiles).where(mentor_profiles.c.person_id == person.id)
        ).one()
        assert (profile.languages, profile.topics, profile.capacity, profile.status) == (
            ["de", "tr"],
            ["school", "health"],
            2,
            "active",
        )
        address = conn.execute(
            select(identities.c.address).where(identities.c.person_id == person.id)
        ).scalar_one()
        assert address == "whatsapp:+4917612345678"
        purposes = set(
            conn.execute(
                select(consents.c.purpose).where(consents.c.person_id == person.id)
            ).scalars()
        )
        assert purposes == {"profile", "messages", "mentoring"}
    code, out = run(env, *args, "--topics", "school", "--paper-consent")
    assert code == 1 and "known already" in out
    code, out = run(
        env,
        "add",
        "--name",
        "X",
        "--phone",
        "12",
        "--languages",
        "de",
        "--topics",
        "school",
        "--paper-consent",
    )
    assert code == 1 and "not a valid phone number" in out

    code, out = run(env, "invite")
    assert code == 0 and "?start=m-" in out
    with db.connect() as conn:
        roles = (
            conn.execute(select(invite_codes.c.role).where(invite_codes.c.code.like("m-%")))
            .scalars()
            .all()
        )
    assert roles == ["mentor"]
