"""Invite codes: the ``<code>`` of ``t.me/<bot>?start=<code>`` on a flyer or QR code.

A code ties a newcomer to an organisation and, optionally, a course (or a group, later), or
makes her a mentor (``role="mentor"``: she signs up as a mentor, or an already signed-up
participant who opens the link becomes one).  The
organisation applies at once (her pseudonymous row must belong to someone); the course
enrolment waits for her consent: the engine keeps the code in the conversation's working data
and emits :class:`conversations.events.JoinByInvite` when she agrees, which
:class:`bot.turns.writer.TurnWriter` writes with :data:`ENROL_BY_CODE`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, bindparam, insert, select, text

from bot.db.tables import courses, invite_codes, organisations
from bot.db.types import UTCDateTime
from conversations.actions import invite_code

codes = invite_codes

#: Enrol a person in the course of an active invite code; nothing for an unknown code.
ENROL_BY_CODE = text(
    "INSERT INTO enrolments (course_id, person_id, created_at) "
    "SELECT course_id, :person_id, :created_at FROM invite_codes "
    "WHERE code = :code AND active = :active AND course_id IS NOT NULL "
    "ON CONFLICT DO NOTHING"
).bindparams(bindparam("created_at", type_=UTCDateTime()), bindparam("active", value=True))

#: The role an invite code may give (``invite_codes.role``); ``None``: a participant.
MENTOR = "mentor"
ROLES = (MENTOR,)

#: A signed-up woman who opens a mentor invite becomes a mentor (nothing for other codes).
ROLE_BY_CODE = text(
    "UPDATE people SET role = :mentor WHERE id = :person_id AND EXISTS ("
    "SELECT 1 FROM invite_codes WHERE code = :code AND active = :active AND role = :mentor)"
).bindparams(bindparam("active", value=True), bindparam("mentor", value=MENTOR))

_ORGANISATION_OF = (
    select(organisations.c.slug)
    .join(codes, codes.c.organisation_id == organisations.c.id)
    .where(codes.c.code == bindparam("code"), codes.c.active.is_(True))
)


def organisation_for_code(db: Engine, code: str | None) -> str | None:
    """The slug of the organisation an active invite code belongs to, else ``None``."""
    with db.connect() as conn:
        return organisation_of_code(conn, code)


def role_of_code(conn: Connection, code: str | None) -> str | None:
    """The role an active invite code gives a newcomer (``"mentor"``), else ``None``."""
    code = invite_code(code)
    if code is None:
        return None
    role = conn.execute(
        select(codes.c.role).where(codes.c.code == code, codes.c.active.is_(True))
    ).scalar()
    return None if role is None else str(role)


def organisation_of_code(conn: Connection, code: str | None) -> str | None:
    """:func:`organisation_for_code` in the caller's transaction (a newcomer's first turn)."""
    code = invite_code(code)
    if code is None:
        return None
    slug = conn.execute(_ORGANISATION_OF, {"code": code}).scalar()
    return None if slug is None else str(slug)


@dataclass(frozen=True, slots=True)
class Invite:
    """One invite code as listed by ``twc invites list``."""

    code: str
    organisation: str
    course: str | None
    active: bool
    role: str | None = None
    """``"mentor"``: whoever opens it signs up as (or becomes) a mentor."""


class InviteError(ValueError):
    """The invite cannot be created; the message says why."""


def create_invite(
    db: Engine,
    now: datetime,
    *,
    course: str | None,
    organisation: str | None,
    code: str | None,
    role: str | None = None,
) -> Invite:
    """Create an invite code for a course (its organisation) or just for an organisation;
    ``role="mentor"`` makes it a mentor invite (for an organisation, not a course)."""
    if role is not None and role not in ROLES:
        raise InviteError(f"a role is one of {', '.join(ROLES)}")
    if role is not None and course:
        raise InviteError("a mentor invite is for an organisation, not a course")
    wanted = invite_code(code) if code else f"c-{secrets.token_urlsafe(6).lower()}"
    if wanted is None or (code and wanted != code.strip().lower()):
        raise InviteError("a code is 1-64 characters: a-z, 0-9, _ and -")
    wanted = wanted.replace("=", "")
    with db.begin() as conn:
        course_id = None
        if course:
            found = conn.execute(
                select(courses.c.id, courses.c.organisation_id).where(courses.c.code == course)
            ).first()
            if found is None:
                raise InviteError(f"no course with the code {course!r}")
            course_id, organisation_id = found
        elif organisation:
            organisation_id = conn.execute(
                select(organisations.c.id).where(organisations.c.slug == organisation)
            ).scalar()
            if organisation_id is None:
                raise InviteError(f"no organisation {organisation!r}")
        else:
            raise InviteError("give --course or --organisation")
        if conn.execute(select(codes.c.id).where(codes.c.code == wanted)).first():
            raise InviteError(f"the code {wanted!r} exists already")
        conn.execute(
            insert(codes).values(
                code=wanted,
                organisation_id=organisation_id,
                course_id=course_id,
                role=role,
                active=True,
                created_at=now,
            )
        )
    return next(i for i in list_invites(db) if i.code == wanted)


def list_invites(db: Engine) -> list[Invite]:
    """Every invite code, oldest first."""
    query = (
        select(codes.c.code, organisations.c.slug, courses.c.code, codes.c.active, codes.c.role)
        .join(organisations, organisations.c.id == codes.c.organisation_id)
        .outerjoin(courses, courses.c.id == codes.c.course_id)
        .order_by(codes.c.id)
    )
    with db.connect() as conn:
        return [Invite(*row) for row in conn.execute(query)]
