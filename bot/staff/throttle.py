"""Login slow-down and lock-out, per account and per client address.

Per account (email): after :data:`LOCK_AFTER` wrong passwords in a row the account is locked
for :data:`FIRST_LOCK` (15 minutes), and each further round of failures doubles the lock (up
to a day); a right password clears the count.  A real account keeps this in ``staff``
(``failed_logins``, ``locked_until``: an admin sees it); an email that has no account gets the
same treatment from ``login_failures`` rows keyed by an HMAC of the email, so a guesser can not
tell the two apart by the answers.

Per client address: more than :data:`ADDRESS_LIMIT` failures from one address within
:data:`ADDRESS_WINDOW` refuse every login from it until the window has passed (guessing one
password across many accounts).  The address is stored only as an HMAC under a subkey of
``TWC_SECRET_KEY``, never as such.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select

from bot.crypto import subkey
from bot.db.tables import login_failures

LOCK_AFTER = 5
FIRST_LOCK = timedelta(minutes=15)
LONGEST_LOCK = timedelta(hours=24)
ADDRESS_LIMIT = 20
ADDRESS_WINDOW = timedelta(minutes=15)
#: Failure rows older than this are deleted (the longest lock is a day).
KEEP_FAILURES = timedelta(days=2)

THROTTLE_INFO = b"twc/v1/login-throttle"


def lock_after_failure(failures: int, now: datetime) -> datetime | None:
    """Until when an account is locked after its ``failures``-th failure in a row."""
    if failures < LOCK_AFTER or failures % LOCK_AFTER:
        return None
    rounds = failures // LOCK_AFTER - 1
    lock: timedelta = min(FIRST_LOCK * (2**rounds), LONGEST_LOCK)
    return now + lock


class Throttle:
    """The keyed failure records of :mod:`bot.staff.throttle`."""

    def __init__(self, secret_key: str) -> None:
        self._key = subkey(secret_key, THROTTLE_INFO)

    def _hmac(self, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def email_key(self, email: str) -> str:
        return self._hmac("email", email.strip().lower())

    def address_key(self, address: str) -> str:
        return self._hmac("address", address)

    def address_blocked_until(
        self, conn: Connection, address: str | None, now: datetime
    ) -> datetime | None:
        """When logins from ``address`` are allowed again, or ``None`` when they are now."""
        if not address:
            return None
        times = (
            conn.execute(
                select(login_failures.c.at)
                .where(
                    login_failures.c.key == self.address_key(address),
                    login_failures.c.at > now - ADDRESS_WINDOW,
                )
                .order_by(login_failures.c.at.desc())
                .limit(ADDRESS_LIMIT)
            )
            .scalars()
            .all()
        )
        if len(times) < ADDRESS_LIMIT:
            return None
        oldest: datetime = times[-1]
        return oldest + ADDRESS_WINDOW

    def unknown_email_locked_until(
        self, conn: Connection, email: str, now: datetime
    ) -> datetime | None:
        """The lock an account would have after the failures recorded for this unknown email."""
        times = (
            conn.execute(
                select(login_failures.c.at)
                .where(login_failures.c.key == self.email_key(email))
                .order_by(login_failures.c.at)
            )
            .scalars()
            .all()
        )
        locked: datetime | None = None
        for count, at in enumerate(times, start=1):
            until = lock_after_failure(count, at)
            if until is not None:
                locked = until
        return locked if locked is not None and locked > now else None

    def record_failure(
        self, conn: Connection, now: datetime, address: str | None, email: str | None
    ) -> None:
        """Record one failed login by address, and by email when it has no account."""
        rows = []
        if address:
            rows.append({"key": self.address_key(address), "at": now})
        if email is not None:
            rows.append({"key": self.email_key(email), "at": now})
        if rows:
            conn.execute(insert(login_failures), rows)
        conn.execute(delete(login_failures).where(login_failures.c.at < now - KEEP_FAILURES))

    def count(self, conn: Connection, key: str) -> int:
        """How many failures are recorded under ``key`` (tests, the admin's view)."""
        return conn.execute(
            select(func.count()).select_from(login_failures).where(login_failures.c.key == key)
        ).scalar_one()


__all__ = [
    "ADDRESS_LIMIT",
    "ADDRESS_WINDOW",
    "FIRST_LOCK",
    "LOCK_AFTER",
    "Throttle",
    "lock_after_failure",
]
