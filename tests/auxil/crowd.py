"""Many participants at once, written straight into the database (as ``twc people import``
would leave them), for broadcast tests: a few hundred people in several languages, towns and
channels, some opted out, some without consent, some unreachable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, insert, select

from bot.db.models import ChannelIdentity, ConsentRecord, Organisation, Person
from bot.identity import lookup_key

people = Person.__table__
identities = ChannelIdentity.__table__
consents = ConsentRecord.__table__
organisations = Organisation.__table__


@dataclass(frozen=True)
class Member:
    """One test participant: her address on her channel is ``user``."""

    user: str
    language: str = "de"
    name: str | None = None
    town: str | None = "Hoya"
    interests: tuple[str, ...] = ()
    channel: str = "simulator"
    status: str = "active"
    consent: bool = True
    identity_status: str = "ok"
    last_inbound_at: datetime | None = None
    also: tuple[tuple[str, str], ...] = field(default=())
    """Further identities: (channel, address)."""


def add_people(
    db: Engine, secret: str, members: list[Member], now: datetime, org: str = "vnb-nienburg"
) -> dict[str, int]:
    """Insert the members with their identities (and consent); return user → person id."""
    ids: dict[str, int] = {}
    with db.begin() as conn:
        org_id = conn.execute(
            select(organisations.c.id).where(organisations.c.slug == org)
        ).scalar_one()
        for member in members:
            person_id = conn.execute(
                insert(people)
                .values(
                    organisation_id=org_id,
                    role="participant",
                    language=member.language,
                    display_name=member.name,
                    town=member.town,
                    interests=list(member.interests),
                    attend_help=[],
                    status=member.status,
                    consent_given_at=now if member.consent else None,
                    created_at=now,
                )
                .returning(people.c.id)
            ).scalar_one()
            ids[member.user] = person_id
            channels = [
                (member.channel, member.user, member.identity_status),
                *[(channel, address, "ok") for channel, address in member.also],
            ]
            for channel, address, status in channels:
                conn.execute(
                    insert(identities).values(
                        person_id=person_id,
                        channel=channel,
                        lookup_key=lookup_key(secret, channel, address),
                        address=address,
                        status=status,
                        created_at=now,
                        last_inbound_at=member.last_inbound_at
                        if channel == member.channel
                        else None,
                    )
                )
            if member.consent:
                conn.execute(
                    insert(consents),
                    [
                        {
                            "person_id": person_id,
                            "purpose": purpose,
                            "wording_version": "test",
                            "language": member.language,
                            "channel": member.channel,
                            "given_at": now,
                        }
                        for purpose in ("profile", "messages")
                    ],
                )
    return ids
