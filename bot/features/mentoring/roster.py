"""Staff add mentors: directly (she signed the paper form) or with a mentor invite code.

:func:`add_mentor` writes what the people import writes for a participant, but as a mentor:
the ``people`` row (role ``mentor``), her WhatsApp identity (the phone number as E.164, its
lookup key), the paper consents, and her ``mentor_profiles`` row, ``active`` at once since
staff filled in what the chat would have asked.  :func:`create_mentor_invite` writes an
``invite_codes`` row with ``role = 'mentor'``: whoever starts the bot with it signs up as a
mentor (the chat side reads the role).  Both are audit-logged with ids only.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import Connection, insert, select

from bot.db.tables import (
    consents,
    identities,
    invite_codes,
    mentor_profiles,
    organisations,
    people,
)
from bot.features.mentoring.topics import AVAILABILITY, CAPACITIES, TOPICS
from bot.identity import lookup_key
from bot.staff.audit import record
from conversations.consent import MENTORING, MESSAGES, PROFILE, PURPOSES
from conversations.languages import default_languages

#: The consents a mentor must have given on paper: her profile, messages and mentoring.
REQUIRED_PURPOSES = (PROFILE, MESSAGES, MENTORING)
#: How a paper consent is recorded (as the people import does).
PAPER = "paper"
MAX_NAME = 40
MAX_TOWN = 80


class RosterError(ValueError):
    """What staff entered cannot be stored; ``field`` names the form field, ``code`` why."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


@dataclass(frozen=True, slots=True)
class NewMentor:
    """What the staff form (or ``twc mentors add``) gives."""

    organisation_id: int
    name: str
    phone: str
    language: str
    town: str
    languages: Sequence[str]
    topics: Sequence[str]
    availability: Sequence[str]
    capacity: int
    purposes: Collection[str]


def whatsapp_address(raw: str, region: str) -> str:
    """``whatsapp:+49…`` from what staff typed (a national number in ``region``)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise RosterError("phone", "bad_phone") from error
    if not phonenumbers.is_valid_number(number):
        raise RosterError("phone", "bad_phone")
    return "whatsapp:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check(new: NewMentor) -> None:
    """Every field, in the form's order (the first wrong one is raised)."""
    known = {language.code for language in default_languages().languages}
    name = new.name.strip()
    if not name or len(name) > MAX_NAME:
        raise RosterError("name", "bad_name")
    if new.language not in known:
        raise RosterError("language", "bad_language")
    if len(new.town.strip()) > MAX_TOWN:
        raise RosterError("town", "bad_town")
    if not new.languages or not set(new.languages) <= known:
        raise RosterError("languages", "no_languages")
    if not new.topics or not set(new.topics) <= set(TOPICS):
        raise RosterError("topics", "no_topics")
    if not set(new.availability) <= set(AVAILABILITY):
        raise RosterError("availability", "bad_availability")
    if new.capacity not in CAPACITIES:
        raise RosterError("capacity", "bad_capacity")
    if not set(REQUIRED_PURPOSES) <= set(new.purposes) or not set(new.purposes) <= set(PURPOSES):
        raise RosterError("purposes", "consent_needed")


def add_mentor(
    conn: Connection, new: NewMentor, secret_key: str, actor: str, now: datetime
) -> int:
    """Create the mentor (see the module docstring); her id.  A phone number the bot already
    knows is refused (``phone_known``): that woman signs up with a mentor invite instead."""
    check(new)
    org = conn.execute(
        select(organisations.c.id, organisations.c.country).where(
            organisations.c.id == new.organisation_id
        )
    ).first()
    if org is None:
        raise RosterError("organisation", "no_organisation")
    address = whatsapp_address(new.phone, org.country or "DE")
    key = lookup_key(secret_key, "whatsapp", address)
    if conn.execute(select(identities.c.id).where(identities.c.lookup_key == key)).first():
        raise RosterError("phone", "phone_known")
    person = int(
        conn.execute(
            insert(people)
            .values(
                organisation_id=new.organisation_id,
                role="mentor",
                language=new.language,
                display_name=new.name.strip(),
                town=new.town.strip() or None,
                interests=[],
                attend_help=[],
                status="active",
                consent_given_at=now,
                created_at=now,
            )
            .returning(people.c.id)
        ).scalar_one()
    )
    conn.execute(
        insert(identities).values(
            person_id=person,
            channel="whatsapp",
            lookup_key=key,
            address=address,
            status="ok",
            created_at=now,
        )
    )
    conn.execute(
        insert(consents),
        [
            {
                "person_id": person,
                "purpose": purpose,
                "wording_version": PAPER,
                "language": new.language,
                "channel": PAPER,
                "given_at": now,
            }
            for purpose in sorted(set(new.purposes))
        ],
    )
    conn.execute(
        insert(mentor_profiles).values(
            person_id=person,
            organisation_id=new.organisation_id,
            languages=list(dict.fromkeys(new.languages)),
            topics=list(dict.fromkeys(new.topics)),
            availability=list(dict.fromkeys(new.availability)),
            capacity=new.capacity,
            status="active",
            created_at=now,
            updated_at=now,
        )
    )
    record(conn, now, actor, "mentoring.add_mentor", {"people": [person]}, new.organisation_id)
    return person


def create_mentor_invite(conn: Connection, organisation_id: int, actor: str, now: datetime) -> str:
    """A new random mentor invite code of the organisation (``m-…``)."""
    code = f"m-{secrets.token_hex(4)}"
    conn.execute(
        insert(invite_codes).values(
            code=code,
            organisation_id=organisation_id,
            course_id=None,
            role="mentor",
            active=True,
            created_at=now,
        )
    )
    record(conn, now, actor, "mentoring.invite", {"role": "mentor"}, organisation_id)
    return code


def mentor_invites(conn: Connection, organisation_ids: Collection[int]) -> list[tuple[str, int]]:
    """The active mentor invite codes (code, organisation), newest first."""
    return [
        (row.code, row.organisation_id)
        for row in conn.execute(
            select(invite_codes.c.code, invite_codes.c.organisation_id)
            .where(
                invite_codes.c.organisation_id.in_(organisation_ids),
                invite_codes.c.role == "mentor",
                invite_codes.c.active.is_(True),
            )
            .order_by(invite_codes.c.created_at.desc(), invite_codes.c.id.desc())
        )
    ]


__all__ = [
    "REQUIRED_PURPOSES",
    "NewMentor",
    "RosterError",
    "add_mentor",
    "check",
    "create_mentor_invite",
    "mentor_invites",
    "whatsapp_address",
]
