"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import inspect, text

from bot.db.connect import make_engine
from bot.db.migrate import alembic_config, upgrade
from bot.db.models import Base
from scheduler.runner import JOBS_TABLE


def test_upgrade_on_an_empty_database_matches_the_models(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    # APScheduler's job store table is not ours (see bot/db/migrations/env.py): ignored.
    SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE).start(None, "default")  # type: ignore[arg-type]
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert {
            "people",
            "channel_identities",
            "consent_records",
            "conversation_states",
            "inbound_messages",
            "outbox",
            "organisations",
            "invite_codes",
            "telegram_groups",
            "alembic_version",
        } <= tables
        context = MigrationContext.configure(
            conn,
            opts={
                "include_object": lambda _o, name, kind, *_: (
                    not (kind == "table" and name == JOBS_TABLE)
                )
            },
        )
        differences = compare_metadata(context, Base.metadata)
        assert differences == [], differences
    engine.dispose()


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    engine.dispose()
