"""Builds the SQLAlchemy engine with the settings each backend needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from bot.private_files import create_private, make_private


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    """Create an engine; for SQLite turn on WAL, foreign keys, secure delete and a busy timeout.

    WAL with ``synchronous=NORMAL`` survives a crash of the process (every committed transaction
    is in the log) and lets readers run beside the one writer.  A database file is its owner's
    alone (``0600``); SQLite gives its ``-wal`` and ``-shm`` files the database file's mode, and
    ones left by an earlier, less careful process are narrowed too.  ``secure_delete``
    overwrites deleted rows with zeros instead of leaving them in free space, so an erased
    person's bytes do not outlive her rows (the WAL's old frames go with a checkpoint after an
    erasure: :mod:`bot.db.checkpoint`).
    """
    url = make_url(database_url)
    # SQL errors must not copy message texts or names into the logs.
    kwargs.setdefault("hide_parameters", True)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            path = Path(url.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            create_private(path)
            for suffix in ("-wal", "-shm", "-journal"):
                make_private(path.with_name(path.name + suffix))
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)
