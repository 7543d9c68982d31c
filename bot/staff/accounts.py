"""Staff accounts: create, memberships, log in, change and reset passwords, deactivate.

One service for the pages and ``twc staff``.  Emails are stored lower case (the login name).
Every change an admin (or the command line) makes to an account is written to ``audit_log``
in the same transaction; passwords and second-factor secrets never are.

Logging in (:meth:`StaffAccounts.login`) answers the same for an unknown email as for a wrong
password, after the same work (an argon2 verification against a dummy hash), and applies the
slow-down and lock-out of :mod:`bot.staff.throttle`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.db.tables import organisations, staff, staff_memberships
from bot.staff import passwords
from bot.staff.audit import record, record_for_staff
from bot.staff.principal import ROLES, StaffUser
from bot.staff.texts import N_
from bot.staff.throttle import Throttle, lock_after_failure

Clock = Callable[[], datetime]

LANGUAGES = ("de", "en", "it", "pt", "el")
"""The staff app's languages (German is the master text)."""

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class AccountError(Exception):
    """A refused account change; ``message`` is a msgid of the ``staff`` catalog."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.values = values


@dataclass(frozen=True, slots=True)
class LoginResult:
    """What a login attempt came to."""

    status: Literal["ok", "refused", "locked"]
    staff_id: int | None = None
    second_factor: bool = False
    """Her TOTP code is still to come."""
    must_change_password: bool = False
    retry_at: datetime | None = None
    """When ``locked``: when she may try again."""


@dataclass(frozen=True, slots=True)
class StaffRow:
    """A staff member as an admin's list shows her."""

    id: int
    email: str
    display_name: str
    language: str
    active: bool
    roles: Mapping[int, str]
    second_factor: bool
    locked_until: datetime | None
    last_login_at: datetime | None


def normalise_email(email: str) -> str:
    """The login name: trimmed, lower case."""
    return email.strip().lower()


class StaffAccounts:
    """The staff accounts in the database."""

    def __init__(self, db: Engine, clock: Clock, secret_key: str) -> None:
        self.db = db
        self.clock = clock
        self.throttle = Throttle(secret_key)

    # ---- accounts -------------------------------------------------------------------------

    def create(
        self,
        email: str,
        password: str,
        *,
        organisation_id: int,
        role: str,
        actor: str,
        display_name: str = "",
        language: str = "de",
        must_change_password: bool = False,
    ) -> int:
        """A new active account with one membership; refuses a taken or malformed email."""
        email = normalise_email(email)
        if not EMAIL.match(email):
            raise AccountError(N_("Das ist keine gültige E-Mail-Adresse."))
        if role not in ROLES:
            raise AccountError(N_("Unbekannte Rolle."))
        if language not in LANGUAGES:
            raise AccountError(N_("Unbekannte Sprache."))
        problem = passwords.password_problem(password, email)
        if problem:
            raise AccountError(problem)
        now = self.clock()
        hashed = passwords.hash_password(password)
        try:
            with self.db.begin() as conn:
                self._organisation_exists(conn, organisation_id)
                staff_id = conn.execute(
                    insert(staff)
                    .values(
                        email=email,
                        display_name=(display_name.strip() or email.split("@")[0])[:200],
                        password_hash=hashed,
                        language=language,
                        active=True,
                        must_change_password=must_change_password,
                        created_at=now,
                        password_changed_at=now,
                    )
                    .returning(staff.c.id)
                ).scalar_one()
                conn.execute(
                    insert(staff_memberships).values(
                        staff_id=staff_id,
                        organisation_id=organisation_id,
                        role=role,
                        created_at=now,
                    )
                )
                record(
                    conn,
                    now,
                    actor,
                    "staff.create",
                    {"staff_id": staff_id, "organisation_id": organisation_id, "role": role},
                    organisation_id=organisation_id,
                )
        except IntegrityError as error:
            raise AccountError(N_("Diese E-Mail-Adresse hat schon ein Konto.")) from error
        return int(staff_id)

    def set_role(self, staff_id: int, organisation_id: int, role: str | None, actor: str) -> None:
        """Give her ``role`` in the organisation (``None``: remove her from it)."""
        if role is not None and role not in ROLES:
            raise AccountError(N_("Unbekannte Rolle."))
        now = self.clock()
        with self.db.begin() as conn:
            self._organisation_exists(conn, organisation_id)
            where = (
                staff_memberships.c.staff_id == staff_id,
                staff_memberships.c.organisation_id == organisation_id,
            )
            conn.execute(delete(staff_memberships).where(*where))
            if role is not None:
                conn.execute(
                    insert(staff_memberships).values(
                        staff_id=staff_id,
                        organisation_id=organisation_id,
                        role=role,
                        created_at=now,
                    )
                )
            record(
                conn,
                now,
                actor,
                "staff.role",
                {"staff_id": staff_id, "organisation_id": organisation_id, "role": role},
                organisation_id=organisation_id,
            )

    def id_of(self, email: str) -> int | None:
        """The id of the account with this email (active or not)."""
        with self.db.connect() as conn:
            return conn.execute(
                select(staff.c.id).where(staff.c.email == normalise_email(email))
            ).scalar()

    def principal(self, staff_id: int) -> StaffUser | None:
        """The active staff member with her roles, or ``None`` (gone or deactivated)."""
        with self.db.connect() as conn:
            return principal_of(conn, staff_id)

    def listing(self, organisation_ids: Iterable[int]) -> list[StaffRow]:
        """Every account with a membership in one of ``organisation_ids`` (active first)."""
        wanted = frozenset(organisation_ids)
        if not wanted:
            return []
        with self.db.connect() as conn:
            members = conn.execute(
                select(
                    staff_memberships.c.staff_id,
                    staff_memberships.c.organisation_id,
                    staff_memberships.c.role,
                ).where(staff_memberships.c.organisation_id.in_(wanted))
            ).all()
            roles: dict[int, dict[int, str]] = {}
            for member in members:
                roles.setdefault(member.staff_id, {})[member.organisation_id] = member.role
            rows = conn.execute(
                select(staff)
                .where(staff.c.id.in_(roles))
                .order_by(staff.c.active.desc(), staff.c.display_name, staff.c.id)
            ).all()
        return [
            StaffRow(
                id=row.id,
                email=row.email,
                display_name=row.display_name,
                language=row.language,
                active=row.active,
                roles=roles[row.id],
                second_factor=row.totp_enabled_at is not None,
                locked_until=row.locked_until,
                last_login_at=row.last_login_at,
            )
            for row in rows
        ]

    def set_language(self, staff_id: int, language: str) -> None:
        """Her staff app's language."""
        if language not in LANGUAGES:
            raise AccountError(N_("Unbekannte Sprache."))
        with self.db.begin() as conn:
            conn.execute(update(staff).where(staff.c.id == staff_id).values(language=language))

    # ---- passwords ------------------------------------------------------------------------

    def change_password(self, staff_id: int, current: str, new: str) -> None:
        """Her own change: the current password first; the new one must be acceptable."""
        with self.db.connect() as conn:
            row = conn.execute(
                select(staff.c.email, staff.c.password_hash).where(staff.c.id == staff_id)
            ).first()
        if row is None:
            raise AccountError(N_("Dieses Konto gibt es nicht."))
        if not passwords.verify(row.password_hash, current).ok:
            raise AccountError(N_("Das bisherige Passwort stimmt nicht."))
        if new == current:
            raise AccountError(N_("Das neue Passwort muss sich vom bisherigen unterscheiden."))
        problem = passwords.password_problem(new, row.email)
        if problem:
            raise AccountError(problem)
        now = self.clock()
        with self.db.begin() as conn:
            conn.execute(
                update(staff)
                .where(staff.c.id == staff_id)
                .values(
                    password_hash=passwords.hash_password(new),
                    must_change_password=False,
                    password_changed_at=now,
                )
            )
            record_for_staff(conn, now, f"staff:{staff_id}", "staff.password_change", staff_id)

    def password_matches(self, staff_id: int, password: str) -> bool:
        """Whether ``password`` is hers (asked again before switching the second factor off)."""
        with self.db.connect() as conn:
            stored = conn.execute(
                select(staff.c.password_hash).where(staff.c.id == staff_id)
            ).scalar()
        return stored is not None and passwords.verify(stored, password).ok

    def reset_password(self, staff_id: int, actor: str) -> str:
        """An admin's reset: a one-time password (returned once, to be shown once); she must
        choose her own at the next login.  Clears a lock-out."""
        one_time = passwords.generate_password()
        now = self.clock()
        with self.db.begin() as conn:
            changed = conn.execute(
                update(staff)
                .where(staff.c.id == staff_id)
                .values(
                    password_hash=passwords.hash_password(one_time),
                    must_change_password=True,
                    failed_logins=0,
                    locked_until=None,
                    password_changed_at=now,
                )
            ).rowcount
            if not changed:
                raise AccountError(N_("Dieses Konto gibt es nicht."))
            record_for_staff(conn, now, actor, "staff.password_reset", staff_id)
        return one_time

    def set_active(self, staff_id: int, active: bool, actor: str) -> None:
        """Deactivate (she can no longer log in; her sessions end elsewhere) or reactivate."""
        now = self.clock()
        with self.db.begin() as conn:
            changed = conn.execute(
                update(staff).where(staff.c.id == staff_id).values(active=active)
            ).rowcount
            if not changed:
                raise AccountError(N_("Dieses Konto gibt es nicht."))
            record_for_staff(
                conn, now, actor, "staff.activate" if active else "staff.deactivate", staff_id
            )

    # ---- logging in -----------------------------------------------------------------------

    def login(self, email: str, password: str, address: str | None) -> LoginResult:
        """Check a login.  The same answer, after the same work, for an unknown email as for
        a wrong password; locked accounts and addresses are refused before the password is
        looked at (but after the same work)."""
        email = normalise_email(email)[:254]
        now = self.clock()
        with self.db.connect() as conn:
            blocked = self.throttle.address_blocked_until(conn, address, now)
            row = conn.execute(
                select(
                    staff.c.id,
                    staff.c.password_hash,
                    staff.c.active,
                    staff.c.locked_until,
                    staff.c.failed_logins,
                    staff.c.must_change_password,
                    staff.c.totp_enabled_at,
                ).where(staff.c.email == email)
            ).first()
            unknown_lock = (
                self.throttle.unknown_email_locked_until(conn, email, now) if row is None else None
            )
        account_lock = row.locked_until if row is not None else unknown_lock
        if account_lock is not None and account_lock <= now:
            account_lock = None
        retry = max((t for t in (blocked, account_lock) if t is not None), default=None)
        if retry is not None:
            passwords.burn_time(password)
            return LoginResult("locked", retry_at=retry)
        if row is None:
            passwords.burn_time(password)
            with self.db.begin() as conn:
                self.throttle.record_failure(conn, now, address, email)
                lock = self.throttle.unknown_email_locked_until(conn, email, now)
            return LoginResult("locked", retry_at=lock) if lock else LoginResult("refused")
        checked = passwords.verify(row.password_hash, password)
        if not checked.ok or not row.active:
            failures = row.failed_logins + 1
            lock = lock_after_failure(failures, now)
            with self.db.begin() as conn:
                conn.execute(
                    update(staff)
                    .where(staff.c.id == row.id)
                    .values(failed_logins=failures, locked_until=lock)
                )
                self.throttle.record_failure(conn, now, address, None)
            return LoginResult("locked", retry_at=lock) if lock else LoginResult("refused")
        second_factor = row.totp_enabled_at is not None
        values: dict[str, object] = {}
        if not second_factor:
            # With a second factor the count goes on until the code is right, so a known
            # password does not reset the guessing of codes.
            values.update(failed_logins=0, locked_until=None, last_login_at=now)
        if checked.new_hash:
            values["password_hash"] = checked.new_hash
        if values:
            with self.db.begin() as conn:
                conn.execute(update(staff).where(staff.c.id == row.id).values(**values))
        return LoginResult(
            "ok",
            staff_id=row.id,
            second_factor=second_factor,
            must_change_password=row.must_change_password,
        )

    def second_factor_failed(self, staff_id: int, address: str | None) -> LoginResult:
        """A wrong TOTP code counts like a wrong password (the same lock-out)."""
        now = self.clock()
        with self.db.begin() as conn:
            failures = (
                conn.execute(select(staff.c.failed_logins).where(staff.c.id == staff_id)).scalar()
                or 0
            ) + 1
            lock = lock_after_failure(failures, now)
            conn.execute(
                update(staff)
                .where(staff.c.id == staff_id)
                .values(failed_logins=failures, locked_until=lock)
            )
            self.throttle.record_failure(conn, now, address, None)
        return LoginResult("locked", retry_at=lock) if lock else LoginResult("refused")

    def second_factor_passed(self, staff_id: int) -> None:
        """The code was right: the login is complete."""
        with self.db.begin() as conn:
            conn.execute(
                update(staff)
                .where(staff.c.id == staff_id)
                .values(failed_logins=0, locked_until=None, last_login_at=self.clock())
            )

    def must_change_password(self, staff_id: int) -> bool:
        """Whether an admin's reset still waits for her own password."""
        with self.db.connect() as conn:
            return bool(
                conn.execute(
                    select(staff.c.must_change_password).where(staff.c.id == staff_id)
                ).scalar()
            )

    # ---- helpers --------------------------------------------------------------------------

    @staticmethod
    def _organisation_exists(conn: Connection, organisation_id: int) -> None:
        found = conn.execute(
            select(organisations.c.id).where(organisations.c.id == organisation_id)
        ).scalar()
        if found is None:
            raise AccountError(N_("Diese Organisation gibt es nicht."))


def principal_of(conn: Connection, staff_id: int) -> StaffUser | None:
    """The active staff member ``staff_id`` with her roles, read in ``conn``."""
    row = conn.execute(
        select(staff.c.id, staff.c.email, staff.c.display_name, staff.c.language).where(
            staff.c.id == staff_id, staff.c.active.is_(True)
        )
    ).first()
    if row is None:
        return None
    roles = {
        member.organisation_id: member.role
        for member in conn.execute(
            select(staff_memberships.c.organisation_id, staff_memberships.c.role).where(
                staff_memberships.c.staff_id == staff_id
            )
        )
    }
    return StaffUser(row.id, row.email, row.display_name, row.language, roles)


def organisation_id(conn: Connection, slug: str) -> int | None:
    """The id of the organisation with ``slug``."""
    return conn.execute(select(organisations.c.id).where(organisations.c.slug == slug)).scalar()


__all__ = [
    "LANGUAGES",
    "AccountError",
    "LoginResult",
    "StaffAccounts",
    "StaffRow",
    "normalise_email",
    "organisation_id",
    "principal_of",
]
