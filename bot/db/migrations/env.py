"""Alembic environment: migrates the database named by the settings (or the caller's URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.db.connect import make_engine
from bot.db.models import Base
from bot.settings import load_settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("database_url") or load_settings().database_url


#: Tables that belong to others: APScheduler creates and owns its job store table.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave tables we do not own out of autogenerate's comparison."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations against the database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: Connection) -> None:
    """Run the migrations; on SQLite with foreign keys off while tables are rebuilt.

    SQLite alters a table by copying it and dropping the old one: with foreign keys on,
    dropping ``people`` would cascade to every row about every person.  The pragma only
    takes effect outside a transaction, so it is set before the migrations begin, checked
    (``foreign_key_check``) and restored after.
    """
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        _migrate(connection)
    finally:
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"foreign keys broken by a migration: {len(broken)} rows")


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=True,  # SQLite can only ALTER by copying tables
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
