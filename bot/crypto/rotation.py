"""``twc keys rotate``: every encrypted value and lookup key moved to the current secret.

Each encrypted column is walked in primary-key order, in batches, each batch in its own
transaction: a value already under the current key id is skipped, any other is decrypted
(with a previous secret, the pre-key-id *legacy* derivation, or, for a column that was plain
before migration 0008, read as it is) and encrypted again.  A channel identity's lookup key is
recomputed from its address in the same row update, so the address's key id tells for both
whether the row is done.  An interrupted run is finished by running it again.

The start-up check (:func:`unreadable_or_stale`) uses the same column list: the bot refuses to
run while any value is under a key it does not have (it would show blank names and fail to
recognise every returning woman), or under an old key (lookup keys would not match).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, column, func, select, table, update
from sqlalchemy.sql.expression import ColumnClause, TableClause

from bot.crypto.keyring import LEGACY, Keyring, UnknownKeyError, kid_of
from bot.identity import lookup_key_with

BATCH = 500

#: Columns stored in plain text before migration 0008: a value without a key id there is the
#: plain value itself, not a legacy ciphertext.
PLAIN_BEFORE_0008 = frozenset(
    {
        ("people", "town"),
        ("people", "interests"),
        ("people", "attend_help"),
        ("conversation_states", "data"),
        ("outbox", "payload"),
        ("attendance", "reason"),
        ("simulator_messages", "text"),
    }
)


@dataclass(frozen=True)
class EncryptedColumn:
    """One encrypted column and its table's primary key."""

    table: str
    key: str
    name: str


def encrypted_columns() -> list[EncryptedColumn]:
    """Every column of the schema stored with an encrypted type (read from the models)."""
    from bot.db.models import Base
    from bot.db.types import EncryptedJSON, EncryptedText

    found = []
    for table_ in Base.metadata.sorted_tables:
        key = next(iter(table_.primary_key.columns)).name
        for col in table_.columns:
            if isinstance(col.type, EncryptedText | EncryptedJSON):
                found.append(EncryptedColumn(table_.name, key, col.name))
    return found


@dataclass
class ColumnReport:
    """What a rotation did to one column."""

    column: EncryptedColumn
    rewritten: int = 0
    unreadable: list[int] = field(default_factory=list)


def _raw(
    col: EncryptedColumn, *extra: str
) -> tuple[TableClause, ColumnClause[Any], ColumnClause[Any]]:
    """The column as untyped SQL (the stored text, no decryption)."""
    t = table(col.table, column(col.key), column(col.name), *(column(e) for e in extra))
    return t, t.c[col.key], t.c[col.name]


def to_rotate(conn: Connection, keyring: Keyring, col: EncryptedColumn) -> int:
    """How many values of ``col`` are not yet under the current key."""
    t, _key, value = _raw(col)
    return int(
        conn.execute(
            select(func.count())
            .select_from(t)
            .where(value.is_not(None), value.not_like(f"{keyring.current_prefix}%"))
        ).scalar_one()
    )


def _plain(keyring: Keyring, col: EncryptedColumn, stored: str) -> str:
    kid = kid_of(stored)
    if kid == LEGACY and (col.table, col.name) in PLAIN_BEFORE_0008:
        return stored
    return keyring.decrypt(stored)


def rotate_column(
    begin: Callable[[], AbstractContextManager[Connection]],
    keyring: Keyring,
    col: EncryptedColumn,
    on_batch: Callable[[int], None] = lambda done: None,
    batch: int = BATCH,
) -> ColumnReport:
    """Re-encrypt every value of ``col`` not under the current key, ``batch`` rows per
    transaction (``begin`` opens one); ``on_batch`` hears how many rows each batch did."""
    report = ColumnReport(col)
    identities = col.table == "channel_identities" and col.name == "address"
    t, key, value = _raw(col, *(["channel", "lookup_key"] if identities else []))
    after: object = None
    while True:
        with begin() as conn:
            query = (
                select(key, value, *([t.c.channel] if identities else []))
                .where(value.is_not(None), value.not_like(f"{keyring.current_prefix}%"))
                .order_by(key)
                .limit(batch)
            )
            if after is not None:
                query = query.where(key > after)
            rows = conn.execute(query).all()
            if not rows:
                return report
            for row in rows:
                after = row[0]
                try:
                    plain = _plain(keyring, col, row[1])
                except UnknownKeyError:
                    report.unreadable.append(row[0])
                    continue
                values = {col.name: keyring.encrypt(plain)}
                if identities:
                    values["lookup_key"] = lookup_key_with(keyring.current.lookup, row[2], plain)
                conn.execute(update(t).where(key == row[0]).values(values))
                report.rewritten += 1
        on_batch(len(rows))


def rotate_all(
    begin: Callable[[], AbstractContextManager[Connection]],
    keyring: Keyring,
    on_batch: Callable[[EncryptedColumn, int], None] = lambda col, done: None,
    batch: int = BATCH,
) -> list[ColumnReport]:
    """:func:`rotate_column` for every encrypted column."""
    reports = []
    for col in encrypted_columns():

        def heard(done: int, col: EncryptedColumn = col) -> None:
            on_batch(col, done)

        reports.append(rotate_column(begin, keyring, col, heard, batch))
    return reports


@dataclass(frozen=True)
class KeyProblem:
    """Why the bot must not start: values under a key it lacks, or under an old one."""

    column: EncryptedColumn
    kid: str
    missing: bool

    def explain(self) -> str:
        """One line for the operator."""
        where = f"{self.column.table}.{self.column.name}"
        if self.missing:
            return (
                f"{where} holds values under key id {self.kid!r}, which is not configured: "
                "set TWC_SECRET_KEY (or TWC_PREVIOUS_SECRET_KEYS) to the secret they were "
                "written with"
            )
        return (
            f"{where} holds values under the older key id {self.kid!r}: "
            "finish 'twc keys rotate' before starting the bot"
        )


def unreadable_or_stale(conn: Connection, keyring: Keyring) -> list[KeyProblem]:
    """Every column holding a value that is not under the current key (one sample each)."""
    problems = []
    for col in encrypted_columns():
        _table, _key, value = _raw(col)
        stored: str | None = conn.execute(
            select(value)
            .where(value.is_not(None), value.not_like(f"{keyring.current_prefix}%"))
            .limit(1)
        ).scalar()
        if stored is None:
            continue
        kid = kid_of(stored)
        try:
            _plain(keyring, col, stored)
            missing = False
        except UnknownKeyError:
            missing = True
        problems.append(KeyProblem(col, kid, missing))
    return problems


__all__ = [
    "BATCH",
    "PLAIN_BEFORE_0008",
    "ColumnReport",
    "EncryptedColumn",
    "KeyProblem",
    "encrypted_columns",
    "rotate_all",
    "rotate_column",
    "to_rotate",
    "unreadable_or_stale",
]
