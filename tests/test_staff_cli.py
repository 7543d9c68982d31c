"""``twc staff add|list|reset-password|disable`` (typer's CliRunner, a real SQLite file)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.db.connect import make_engine
from bot.db.tables import audit, staff, staff_memberships
from bot.demo import ORG_SLUG
from tests.auxil.constants import TEST_SECRET

ONE_TIME = re.compile(r"One-time password[^:]*: (\S+)")


@pytest.fixture
def env(sqlite_url: str) -> dict[str, str]:
    runner = CliRunner()
    settings = {
        "TWC_DATABASE_URL": sqlite_url,
        "TWC_ENVIRONMENT": "development",
        "TWC_SECRET_KEY": TEST_SECRET,
    }
    loaded = runner.invoke(app, ["demo", "load"], env=settings)
    assert loaded.exit_code == 0, loaded.output
    return settings


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["staff", *args], env=env, input=stdin)
    return result.exit_code, result.output


def rows(url: str) -> list[tuple[str, bool, bool]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.execute(
            select(staff.c.email, staff.c.active, staff.c.must_change_password).order_by(
                staff.c.email
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in found]


def test_add_prints_a_one_time_password_that_logs_in(env: dict[str, str], tmp_path: Path) -> None:
    from bot.runtime import build_runtime
    from bot.settings import Settings
    from bot.staff.accounts import StaffAccounts

    code, output = run(
        env,
        "add",
        "Neu@Example.org",
        "--organisation",
        ORG_SLUG,
        "--role",
        "admin",
        "--name",
        "Neue Kollegin",
        "--language",
        "pt",
    )
    assert code == 0, output
    assert "Created neu@example.org: admin of vnb-nienburg" in output
    found = ONE_TIME.search(output)
    assert found
    assert ("neu@example.org", True, True) in rows(env["TWC_DATABASE_URL"])
    runtime = build_runtime(
        Settings(_env_file=None, database_url=env["TWC_DATABASE_URL"], secret_key=TEST_SECRET)
    )
    service = StaffAccounts(runtime.db, runtime.clock, TEST_SECRET)
    result = service.login("neu@example.org", found.group(1), None)
    assert result.status == "ok" and result.must_change_password
    user = service.principal(result.staff_id or 0)
    assert user is not None and user.language == "pt" and user.is_admin()
    runtime.close()
    engine = make_engine(env["TWC_DATABASE_URL"])
    with engine.connect() as conn:
        actors = conn.execute(select(audit.c.actor).where(audit.c.action == "staff.create"))
        assert all(a.startswith("cli") for a in actors.scalars())
    engine.dispose()


def test_add_with_a_typed_password(env: dict[str, str]) -> None:
    code, output = run(
        env,
        "add",
        "typed@example.org",
        "--organisation",
        ORG_SLUG,
        "--ask-password",
        stdin="ein getipptes Passwort\nein getipptes Passwort\n",
    )
    assert code == 0, output
    assert "ein getipptes Passwort" not in output and not ONE_TIME.search(output)
    assert ("typed@example.org", True, False) in rows(env["TWC_DATABASE_URL"])


def test_add_refuses_bad_input_cleanly(env: dict[str, str]) -> None:
    code, output = run(env, "add", "x@example.org", "--organisation", "nirgendwo")
    assert code == 2 and "No organisation 'nirgendwo'" in output
    code, output = run(env, "add", "x@example.org", "--organisation", ORG_SLUG, "--role", "boss")
    assert code == 2 and "--role must be one of" in output
    code, output = run(env, "add", "kein-email", "--organisation", ORG_SLUG)
    assert code == 2 and "not a valid email address" in output
    assert "Traceback" not in output


def test_adding_an_existing_email_gives_a_role(env: dict[str, str]) -> None:
    run(env, "add", "zwei@example.org", "--organisation", ORG_SLUG)
    code, output = run(
        env, "add", "zwei@example.org", "--organisation", ORG_SLUG, "--role", "admin"
    )
    assert code == 0 and "already had an account: now admin" in output
    engine = make_engine(env["TWC_DATABASE_URL"])
    with engine.connect() as conn:
        roles = (
            conn.execute(
                select(staff_memberships.c.role)
                .join(staff, staff.c.id == staff_memberships.c.staff_id)
                .where(staff.c.email == "zwei@example.org")
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert roles == ["admin"]


def test_list_reset_and_disable(env: dict[str, str]) -> None:
    run(env, "add", "drei@example.org", "--organisation", ORG_SLUG)
    code, output = run(env, "list")
    assert code == 0
    assert "koordination@example.org" in output and "vnb-nienburg:admin" in output
    assert "drei@example.org" in output and "vnb-nienburg:coordinator" in output
    code, output = run(env, "reset-password", "DREI@example.org")
    assert code == 0 and ONE_TIME.search(output)
    code, output = run(env, "disable", "drei@example.org")
    assert code == 0 and "Disabled drei@example.org" in output
    assert ("drei@example.org", False, True) in rows(env["TWC_DATABASE_URL"])
    assert "disabled" in run(env, "list")[1]
    code, output = run(env, "reset-password", "niemand@example.org")
    assert code == 2 and "No staff account" in output
