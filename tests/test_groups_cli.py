"""``twc groups create|list|show|close|add-organiser|link-telegram``: groups at the command
line, audited, with plain sentences and exit code 1 for bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, select
from typer.testing import CliRunner

from bot.cli import app
from bot.db.connect import make_engine
from bot.db.tables import audit, groups, nudges, organisations, people, telegram_groups
from bot.features.groups.membership import organisers
from tests.auxil.constants import TEST_SECRET

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


@pytest.fixture
def env(sqlite_url: str) -> dict[str, str]:
    settings = {
        "TWC_DATABASE_URL": sqlite_url,
        "TWC_ENVIRONMENT": "development",
        "TWC_SECRET_KEY": TEST_SECRET,
        "TWC_CLOCK_START": NOW.isoformat(),
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
    result = CliRunner().invoke(app, ["groups", *args], env=env)
    return result.exit_code, result.output


def a_participant(db: Engine) -> tuple[int, int]:
    with db.begin() as conn:
        org = conn.execute(select(organisations.c.id)).scalar_one()
        person = conn.execute(
            insert(people)
            .values(
                organisation_id=org,
                role="participant",
                language="de",
                display_name="Fatima Yilmaz",
                town="Hoya",
                status="active",
                consent_given_at=NOW,
                created_at=NOW,
            )
            .returning(people.c.id)
        ).scalar_one()
    return org, int(person)


def test_create_list_show_organiser_link_close(env: dict[str, str], db: Engine) -> None:
    code, out = run(
        env,
        "create",
        "--name",
        "Frauencafé Hoya",
        "--name",
        "ar=مقهى النساء",
        "--town",
        "Hoya",
        "--description",
        "Wir trinken Kaffee.",
        "--children",
        "--approval",
        "--place",
        "Rathaus",
    )
    assert code == 0, out
    assert "Group 1 is active (invite code" in out
    with db.connect() as conn:
        row = conn.execute(select(groups)).one()
        assert conn.execute(select(audit).where(audit.c.action == "groups.create")).first()
    assert row.name == {"de": "Frauencafé Hoya", "ar": "مقهى النساء"}
    assert (row.town, row.approval, row.children_welcome) == ("Hoya", True, True)
    assert row.usual_places == ["Rathaus"] and row.created_by.startswith("cli")

    org, fatima = a_participant(db)
    code, out = run(env, "add-organiser", "1", str(fatima))
    assert code == 0, out
    with db.connect() as conn:
        assert organisers(conn, 1) == [fatima]
        assert conn.execute(
            select(nudges.c.kind).where(nudges.c.person_id == fatima)
        ).scalar() == ("group_news")

    code, out = run(env, "list", "--json")
    assert code == 0, out
    (listed,) = json.loads(out)
    assert listed["name"] == "Frauencafé Hoya"
    assert (listed["members"], listed["organisers"]) == (1, ["Fatima"])  # first name only

    with db.begin() as conn:
        conn.execute(
            insert(telegram_groups).values(
                chat_id="-100123", title="Café", organisation_id=org, status="member", added_at=NOW
            )
        )
    code, out = run(env, "link-telegram", "1", "--chat=-100123")
    assert code == 0, out
    code, out = run(env, "show", "1", "--json")
    shown = json.loads(out)
    assert shown["telegram_group"] == "Café" and shown["description"] == {
        "de": "Wir trinken Kaffee."
    }
    code, out = run(env, "link-telegram", "1", "--chat=-999")
    assert code == 1 and "no Telegram group -999" in out

    code, out = run(env, "close", "1")
    assert code == 0 and "is closed" in out
    code, out = run(env, "close", "1")
    assert code == 1 and "closed already" in out


def test_bad_input_is_one_plain_sentence(env: dict[str, str], db: Engine) -> None:
    code, out = run(env, "create", "--name", "ar=مقهى", "--town", "Hoya")
    assert code == 1 and "The name in the organisation's language (de) is needed." in out
    code, out = run(env, "show", "42")
    assert code == 1 and "No group 42." in out
    run(env, "create", "--name", "Nähgruppe", "--town", "Nienburg")
    code, out = run(env, "add-organiser", "1", "9999")
    assert code == 1 and "No person 9999" in out


def test_the_demo_groups_come_with_the_history_once(env: dict[str, str]) -> None:
    for _ in range(2):
        loaded = CliRunner().invoke(app, ["demo", "load", "--history"], env=env)
        assert loaded.exit_code == 0, loaded.output
    code, out = run(env, "list", "--json")
    assert code == 0, out
    listed = {g["name"]: g for g in json.loads(out)}
    assert set(listed) == {"Frauencafé Hoya", "Nähgruppe Nienburg"}
    cafe, sewing = listed["Frauencafé Hoya"], listed["Nähgruppe Nienburg"]
    assert (cafe["town"], cafe["approval"], cafe["members"]) == ("Hoya", False, 4)
    assert (sewing["town"], sewing["approval"], sewing["members"]) == (
        "Nienburg (Weser)",
        True,
        4,
    )
    assert len(cafe["organisers"]) == 1 and cafe["organisers"][0].startswith("Demo")
