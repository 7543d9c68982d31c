"""Server-side staff sessions (table ``staff_sessions``).

The browser holds a random token in an HttpOnly, SameSite=Lax cookie (Secure, and named with
the ``__Host-`` prefix, when the public URL is https); the database holds only its SHA-256, so
a copy of the database logs nobody in.  A session ends after :data:`IDLE` without a request or
:data:`ABSOLUTE` after the login, whichever comes first, and at logout (the row is deleted).
Every login makes a new session (the token is never reused across a login: no fixation), and
so does passing the second factor.

Each session has its own CSRF token, which every unsafe request under ``/staff`` must carry
(:mod:`bot.web.staff.csrf`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update

from bot.db.tables import staff_sessions

Clock = Callable[[], datetime]

#: A session unused this long ends (a phone left on a table).
IDLE = timedelta(hours=2)
#: A session ends this long after its login, however busy.
ABSOLUTE = timedelta(hours=12)
#: ``last_seen_at`` is written at most this often (not on every request).
TOUCH_EVERY = timedelta(minutes=1)

COOKIE = "twc_staff"
SECURE_COOKIE = "__Host-twc_staff"


def token_hash(token: str) -> str:
    """What the database stores of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def cookie_name(secure: bool) -> str:
    """The session cookie's name: ``__Host-`` prefixed when it is Secure (https)."""
    return SECURE_COOKIE if secure else COOKIE


@dataclass(frozen=True, slots=True)
class StaffSession:
    """A live session, as a request sees it."""

    id: int
    staff_id: int
    csrf_token: str
    second_factor_pending: bool
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just made: the token goes into the cookie, once."""

    token: str
    session: StaffSession


class SessionStore:
    """Creates, finds, refreshes and ends staff sessions."""

    def __init__(
        self, db: Engine, clock: Clock, idle: timedelta = IDLE, absolute: timedelta = ABSOLUTE
    ) -> None:
        self.db = db
        self.clock = clock
        self.idle = idle
        self.absolute = absolute

    def create(
        self, staff_id: int, *, second_factor_pending: bool = False, replacing: str | None = None
    ) -> NewSession:
        """A new session for ``staff_id``; the session of token ``replacing`` ends (rotation)."""
        now = self.clock()
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = min(now + self.idle, now + self.absolute)
        with self.db.begin() as conn:
            # Browsers that never logged out leave rows behind: each login clears them.
            conn.execute(delete(staff_sessions).where(staff_sessions.c.expires_at <= now))
            if replacing:
                conn.execute(
                    delete(staff_sessions).where(
                        staff_sessions.c.token_hash == token_hash(replacing)
                    )
                )
            session_id = conn.execute(
                insert(staff_sessions)
                .values(
                    token_hash=token_hash(token),
                    staff_id=staff_id,
                    csrf_token=csrf,
                    second_factor_pending=second_factor_pending,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=expires,
                )
                .returning(staff_sessions.c.id)
            ).scalar_one()
        return NewSession(
            token,
            StaffSession(session_id, staff_id, csrf, second_factor_pending, now, expires),
        )

    def find(self, token: str | None) -> StaffSession | None:
        """The live session of ``token`` (refreshing its idle deadline), or ``None``."""
        if not token or len(token) > 128:
            return None
        now = self.clock()
        with self.db.begin() as conn:
            row = conn.execute(
                select(
                    staff_sessions.c.id,
                    staff_sessions.c.staff_id,
                    staff_sessions.c.csrf_token,
                    staff_sessions.c.second_factor_pending,
                    staff_sessions.c.created_at,
                    staff_sessions.c.last_seen_at,
                    staff_sessions.c.expires_at,
                ).where(staff_sessions.c.token_hash == token_hash(token))
            ).first()
            if row is None:
                return None
            if row.expires_at <= now or row.created_at + self.absolute <= now:
                conn.execute(delete(staff_sessions).where(staff_sessions.c.id == row.id))
                return None
            expires = row.expires_at
            if now - row.last_seen_at >= TOUCH_EVERY:
                expires = min(now + self.idle, row.created_at + self.absolute)
                conn.execute(
                    update(staff_sessions)
                    .where(staff_sessions.c.id == row.id)
                    .values(last_seen_at=now, expires_at=expires)
                )
        return StaffSession(
            row.id,
            row.staff_id,
            row.csrf_token,
            row.second_factor_pending,
            row.created_at,
            expires,
        )

    def end(self, token: str | None) -> None:
        """Log out: the session of ``token`` is deleted."""
        if token:
            with self.db.begin() as conn:
                conn.execute(
                    delete(staff_sessions).where(staff_sessions.c.token_hash == token_hash(token))
                )

    def end_all(self, staff_id: int, keep: int | None = None) -> int:
        """End every session of a staff member (password changed, deactivated, reset); one
        may be kept (the browser that changed its own password).  Returns how many ended."""
        with self.db.begin() as conn:
            query = delete(staff_sessions).where(staff_sessions.c.staff_id == staff_id)
            if keep is not None:
                query = query.where(staff_sessions.c.id != keep)
            return conn.execute(query).rowcount or 0

    def purge_expired(self) -> int:
        """Delete sessions past their deadline (the rows of browsers that never logged out)."""
        with self.db.begin() as conn:
            return (
                conn.execute(
                    delete(staff_sessions).where(staff_sessions.c.expires_at <= self.clock())
                ).rowcount
                or 0
            )


__all__ = [
    "ABSOLUTE",
    "COOKIE",
    "IDLE",
    "SECURE_COOKIE",
    "NewSession",
    "SessionStore",
    "StaffSession",
    "cookie_name",
    "token_hash",
]
