"""``twc organisations create|list|edit`` and the service below it: every field checked and
stored, every change in the audit log, and a running bot sees an edit."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from bot import cli_support
from bot.cli import app
from bot.db.migrate import upgrade
from bot.db.tables import audit, organisations
from bot.organisations.service import OrganisationError, OrganisationService
from bot.runtime import Runtime
from bot.turns.organisations import OrganisationCache
from conversations.opening_hours import WeeklyHours
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET

EVERYTHING = [
    "organisations",
    "create",
    "cpia-verona",
    "--name",
    "CPIA Verona",
    "--country",
    "it",
    "--district",
    "Provincia di Verona",
    "--timezone",
    "Europe/Rome",
    "--default-language",
    "it",
    "--languages",
    "it, en, ar",
    "--towns",
    "Verona, Villafranca di Verona",
    "--hours",
    "mon-fri 09:00-13:00; thu 14:00-17:00",
    "--office-hours",
    "lun–ven 9–13",
    "--quiet-hours",
    "21:00-07:30",
    "--privacy-contact",
    "privacy@cpia.example.org",
    "--retention-days",
    "90",
    "--no-notify-by-email",
    "--staff-telegram-chat",
    "-1001234567890",
]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """``twc`` on a fresh SQLite file with the demo organisation."""
    monkeypatch.setenv("TWC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("TWC_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWC_ENVIRONMENT", "test")
    monkeypatch.setenv("TWC_CLOCK_START", "2026-12-07T08:00:00+00:00")
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: table cells are not folded
    # Rich fixes a console's width when it is made (at import) if COLUMNS was set then, as
    # pytest-xdist does for its workers: widen the CLI's console itself too.
    monkeypatch.setattr(cli_support.console, "_width", 200)
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "load"]).exit_code == 0
    return runner


def _row(slug: str, tmp_path: Path) -> dict[str, object]:
    engine = create_engine(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    with engine.connect() as conn:
        row = conn.execute(select(organisations).where(organisations.c.slug == slug)).mappings()
        found = dict(row.one())
    engine.dispose()
    return found


def _audit(tmp_path: Path) -> list[dict[str, object]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(audit).order_by(audit.c.id)).mappings()]
    engine.dispose()
    return [r for r in rows if str(r["action"]).startswith("organisation.")]


def test_create_stores_every_field_and_audits_it(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, EVERYTHING)
    assert result.exit_code == 0, result.output
    assert "Created organisation cpia-verona" in result.output
    row = _row("cpia-verona", tmp_path)
    assert row["name"] == "CPIA Verona"
    assert row["country"] == "IT"
    assert row["district"] == "Provincia di Verona"
    assert row["timezone"] == "Europe/Rome"
    assert row["default_language"] == "it"
    assert row["languages"] == ["it", "en", "ar"]
    assert row["towns"] == ["Verona", "Villafranca di Verona"]
    assert row["opening_hours"]["thu"] == [["09:00", "13:00"], ["14:00", "17:00"]]
    assert row["office_hours"] == "lun–ven 9–13"
    assert (row["quiet_hours_start"], row["quiet_hours_end"]) == ("21:00", "07:30")
    assert row["privacy_contact"] == "privacy@cpia.example.org"
    assert row["retention_days"] == 90
    assert row["notify_by_email"] is False
    assert row["staff_telegram_chat"] == "-1001234567890"
    (entry,) = _audit(tmp_path)
    assert entry["action"] == "organisation.create"
    assert entry["actor"] == f"cli:{getpass.getuser()}"
    details = entry["details"]
    assert isinstance(details, dict)
    assert details["organisation"] == "cpia-verona"
    assert details["values"]["opening_hours"] == "mon-fri 09:00-13:00; thu 14:00-17:00"


def test_list_shows_a_table_of_every_organisation(cli: CliRunner) -> None:
    assert cli.invoke(app, EVERYTHING).exit_code == 0
    listed = cli.invoke(app, ["organisations", "list"])
    assert listed.exit_code == 0, listed.output
    for expected in (
        "vnb-nienburg",
        "cpia-verona",
        "CPIA Verona",
        "IT Provincia di Verona",
        "it, en, ar",
        "mon-fri 09:00-13:00;",
        "thu 14:00-17:00",
        "quiet 21:00-07:30",
        "retention 90 d",
        "Telegram -1001234567890",
        "Mo–Fr 9–13 Uhr",  # the demo organisation's free text (no structured hours)
    ):
        assert expected in listed.output, expected


def test_edit_changes_only_what_is_given_and_audits_old_and_new(
    cli: CliRunner, tmp_path: Path
) -> None:
    result = cli.invoke(
        app,
        [
            "organisations",
            "edit",
            "vnb-nienburg",
            "--hours",
            "mon-thu 09:00-15:00",
            "--country",
            "DE",
            "--district",
            "Landkreis Nienburg/Weser",
            "--languages",
            "de en ar uk",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Changed district, languages, opening_hours" in result.output
    row = _row("vnb-nienburg", tmp_path)
    assert row["opening_hours"] == {d: [["09:00", "15:00"]] for d in ("mon", "tue", "wed", "thu")}
    assert row["languages"] == ["de", "en", "ar", "uk"]
    assert row["name"] == "VNB – Pilot Landkreis Nienburg"  # untouched
    (entry,) = _audit(tmp_path)
    assert entry["action"] == "organisation.edit"
    changed = entry["details"]["changed"]  # type: ignore[index]
    assert set(changed) == {"district", "languages", "opening_hours"}
    assert changed["opening_hours"] == {"from": "", "to": "mon-thu 09:00-15:00"}
    assert changed["district"]["to"] == "Landkreis Nienburg/Weser"
    again = cli.invoke(app, ["organisations", "edit", "vnb-nienburg", "--country", "DE"])
    assert again.exit_code == 0
    assert "Nothing changed" in again.output
    cleared = cli.invoke(
        app, ["organisations", "edit", "vnb-nienburg", "--hours", "", "--staff-telegram-chat", ""]
    )
    assert cleared.exit_code == 0, cleared.output
    assert _row("vnb-nienburg", tmp_path)["opening_hours"] == {}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["create", "x", "--name", "X"], "slug 'x'"),
        (["create", "vnb-nienburg", "--name", "Again"], "exists already"),
        (["create", "neu", "--country", "DE"], "a name is required"),
        (["create", "neu", "--name", "N", "--country", "Germany"], "not an ISO 3166 code"),
        (["create", "neu", "--name", "N", "--timezone", "Europe/Nienburg"], "time zone"),
        (["create", "neu", "--name", "N", "--languages", "de,xx"], "unknown language 'xx'"),
        (
            ["create", "neu", "--name", "N", "--languages", "en,ar"],
            "default language 'de' is not among the languages offered",
        ),
        (["edit", "vnb-nienburg", "--hours", "mon-fry 9-12"], "unknown day 'fry'"),
        (["edit", "vnb-nienburg", "--quiet-hours", "20-8"], "HH:MM-HH:MM"),
        (["edit", "vnb-nienburg", "--retention-days", "3"], "7 to 730 days"),
        (["edit", "vnb-nienburg", "--staff-telegram-chat", "our group"], "chat id"),
        (["edit", "nowhere", "--name", "N"], "no organisation 'nowhere'"),
        (["edit", "vnb-nienburg"], "nothing to change"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_code_2(
    cli: CliRunner, tmp_path: Path, arguments: list[str], message: str
) -> None:
    before = _row("vnb-nienburg", tmp_path)
    result = cli.invoke(app, ["organisations", *arguments])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert _row("vnb-nienburg", tmp_path) == before
    assert _audit(tmp_path) == []


def test_the_service_on_every_database(database_url: str, clock: FrozenClock) -> None:
    """The same service the staff app will use, on SQLite and PostgreSQL."""
    upgrade(database_url)
    engine = create_engine(database_url)
    service = OrganisationService(engine, clock)
    created = service.create(
        "vhs-hoya",
        {
            "name": "VHS Hoya",
            "district": "Samtgemeinde Grafschaft Hoya",
            "languages": ["de", "uk"],
            "opening_hours": "tue,thu 10:00-12:00",
            "notify_by_email": False,
        },
        "cli:test",
    )
    assert created.country == "DE"
    assert created.opening_hours == WeeklyHours.parse("tue,thu 10-12")
    edited, changed = service.edit("vhs-hoya", {"towns": "Hoya, Bücken"}, "staff:7")
    assert changed == {"towns": ["Hoya", "Bücken"]}
    assert edited.towns == ("Hoya", "Bücken")
    assert [o.slug for o in service.all()] == ["vhs-hoya"]
    with pytest.raises(OrganisationError, match="unknown fields"):
        service.edit("vhs-hoya", {"colour": "red"}, "staff:7")
    with engine.connect() as conn:
        actors = conn.execute(select(audit.c.actor).order_by(audit.c.id)).scalars().all()
    assert actors == ["cli:test", "staff:7"]
    engine.dispose()


def test_a_running_bot_sees_an_edit(sqlite_runtime: Runtime) -> None:
    """In the same process at once (the cache is told); from the command line within the
    cache's age (30 s: here a cache of age 0 stands for "later")."""
    turns = sqlite_runtime.turns
    assert turns.organisations.by_slug("vnb-nienburg").info.opening_hours == WeeklyHours()  # type: ignore[union-attr]
    service = OrganisationService.for_runtime(sqlite_runtime)
    service.edit("vnb-nienburg", {"opening_hours": "mon 09:00-10:00"}, "staff:1")
    seen = turns.organisations.by_slug("vnb-nienburg")
    assert seen is not None
    assert seen.info.opening_hours == WeeklyHours.parse("mon 09:00-10:00")
    other_process = OrganisationCache(sqlite_runtime.db, max_age_seconds=0)
    OrganisationService(sqlite_runtime.db, sqlite_runtime.clock).edit(
        "vnb-nienburg", {"district": "Landkreis Nienburg/Weser"}, "cli:test"
    )
    moved = other_process.by_slug("vnb-nienburg")
    assert moved is not None
    assert moved.info.district == "Landkreis Nienburg/Weser"
