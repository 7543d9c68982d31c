"""What is left of an erased person: in any row of any table, and in the database's bytes.

:func:`rows_about` reads every table the models declare (through their column types, so
encrypted columns are compared decrypted: a marker hidden by encryption is still found) and
returns each row that carries one of her markers (name, typed text, address) or her person id
in a column that refers to people.  :func:`bytes_containing` reads SQLite's main file and its
write-ahead log raw, for deleted rows that survive below the tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from bot.db.models import Base

#: Columns that hold a person's id.
PERSON_COLUMNS = {("people", "id"), *((t.name, "person_id") for t in Base.metadata.sorted_tables)}


def rows_about(db: Engine, person_id: int | None, markers: Iterable[str]) -> list[str]:
    """``table: row`` for every row with one of ``markers`` (case-insensitive) anywhere in it,
    or with ``person_id`` in a person column or in an audit entry's list of people."""
    wanted = [m.casefold() for m in markers]
    found = []
    with db.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                text = json.dumps(_plain(dict(row)), ensure_ascii=False, default=str).casefold()
                if any(marker in text for marker in wanted):
                    found.append(f"{table.name}: {text[:300]}")
                    continue
                if person_id is None:
                    continue
                if any(
                    (table.name, column) in PERSON_COLUMNS and value == person_id
                    for column, value in row.items()
                ):
                    found.append(f"{table.name}: refers to person {person_id}")
                elif table.name == "audit_log" and person_id in (row["details"] or {}).get(
                    "people", []
                ):
                    found.append(f"audit_log: lists person {person_id}")
    return found


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if value is not None}


def database_files(url: str) -> list[Path]:
    """SQLite's main file and its write-ahead log (if there is one)."""
    database = make_url(url).database
    assert database, url
    main = Path(database)
    return [path for path in (main, Path(f"{main}-wal")) if path.exists()]


def bytes_containing(url: str, markers: Iterable[str]) -> list[str]:
    """``file: marker`` for each marker found in the raw bytes of the SQLite files."""
    found = []
    for path in database_files(url):
        data = path.read_bytes()
        found.extend(
            f"{path.name}: {marker}" for marker in markers if marker.encode("utf-8") in data
        )
    return found


__all__ = ["bytes_containing", "database_files", "rows_about"]
