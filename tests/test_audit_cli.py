"""``twc audit list``: the same log as the page, in the terminal; the whole of it on the
server (deployment-wide entries too), or one organisation's; a CSV file readable by its owner
only."""

from __future__ import annotations

import csv
import io
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.db.connect import make_engine
from bot.db.tables import organisations
from bot.staff.audit import record
from tests.auxil.constants import TEST_SECRET


@pytest.fixture
def env(sqlite_url: str) -> dict[str, str]:
    settings = {
        "TWC_DATABASE_URL": sqlite_url,
        "TWC_ENVIRONMENT": "development",
        "TWC_SECRET_KEY": TEST_SECRET,
    }
    loaded = CliRunner().invoke(app, ["demo", "load"], env=settings)
    assert loaded.exit_code == 0, loaded.output
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        demo = conn.execute(
            select(organisations.c.id).where(organisations.c.slug == "vnb-nienburg")
        ).scalar_one()
        for hour, actor, action, details, org in (
            (8, "cli:root", "session.move", {"session": 3}, demo),
            (9, "scheduler:retention", "person.erase", {"erasure": "ab", "reason": "chat"}, demo),
            (10, "cli:root", "privacy.purge", {"silent": 2}, None),
        ):
            record(
                conn,
                datetime(2026, 11, 30, hour, tzinfo=UTC),
                actor,
                action,
                details,
                organisation_id=org,
            )
    engine.dispose()
    return settings


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "list", *args], env=env)
    return result.exit_code, result.output


def test_the_whole_log_or_one_organisations(env: dict[str, str]) -> None:
    code, output = run(env)
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0] == "3 entries, page 1 of 1, times in Europe/Berlin"
    assert "2026-11-30 11:00  (deployment)  Command line (root)  Old data deleted" in lines[1]
    assert "Person deleted (person.erase)" in output
    assert "Reason: she herself, in the chat" in output
    assert "Session moved (session.move)" in output
    code, output = run(env, "--organisation", "vnb-nienburg", "--actor", "cli")
    assert code == 0, output
    assert output.splitlines()[0].startswith("1 entries")
    assert "Session moved" in output and "Old data deleted" not in output


def test_csv_and_bad_input(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "log.csv"
    code, output = run(env, "--since", "2026-11-30", "--csv", str(target))
    assert code == 0, output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0] == ["Time", "Organisation", "Who", "What", "Code", "Details"]
    assert [row[4] for row in rows[1:]] == ["privacy.purge", "person.erase", "session.move"]
    assert run(env, "--since", "gestern")[0] == 2
    assert run(env, "--organisation", "nirgendwo")[0] == 2


def test_an_organisation_without_entries(env: dict[str, str]) -> None:
    code, output = run(env, "--organisation", "vnb-nienburg", "--action", "course.create")
    assert code == 0 and output.startswith("0 entries")
