"""Test databases: a fresh SQLite file, or a fresh PostgreSQL database on the local server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "TWC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def postgres_available() -> bool:
    """Whether the local PostgreSQL answers."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database of ``kind`` (``sqlite`` or ``postgres``)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'twc-test.sqlite3'}"
        return
    if not postgres_available():
        if os.environ.get("TWC_REQUIRE_POSTGRES"):
            pytest.fail(
                f"PostgreSQL required (TWC_REQUIRE_POSTGRES) but not reachable at {POSTGRES_URL}"
            )
        pytest.skip(f"no PostgreSQL server at {POSTGRES_URL}")
    with postgres_database(POSTGRES_URL) as url:
        yield url


@contextmanager
def postgres_database(server_url: str, prefix: str = "twc_test") -> Iterator[str]:
    """Create an empty database on a PostgreSQL server, yield its URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
