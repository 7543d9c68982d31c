"""Values for statements run straight through the database driver (``executemany``).

For batches SQLAlchemy Core spends more time preparing each parameter set than SQLite spends
executing it, so the hottest statements convert their values here once: datetimes as
SQLAlchemy stores them (naive UTC text on SQLite, ``timestamptz`` on PostgreSQL), JSON compact
and not ASCII-escaped.  Reading the rows back through the models is unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=256)  # a batch stamps most rows with the same moment
def _sqlite_time(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond:06d}"


def _as_is(value: datetime) -> datetime:
    return value


def encode_json(value: Any) -> str:
    """JSON as every bulk statement stores it (compact, not ASCII-escaped)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SqlTimes:
    """Aware datetimes → what the driver stores for one dialect."""

    def __init__(self, dialect: str) -> None:
        self.convert: Callable[[datetime], Any] = _sqlite_time if dialect == "sqlite" else _as_is


__all__ = ["SqlTimes", "encode_json"]
