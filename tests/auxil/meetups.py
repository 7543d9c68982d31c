"""Groups, members and meetups written straight into the database for the meetup tests (the
groups part's own service may not be on this branch: the rows are the contract)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert

from bot.db.tables import group_members, groups, meetup_options, meetups
from tests.auxil.jobs import org_id


def add_group(
    db: Engine,
    now: datetime,
    organisers: Sequence[int] = (),
    members: Sequence[int] = (),
    *,
    code: str = "g-cafe",
    name: str = "Frauencafé Hoya",
    places: Sequence[str] = ("Café am Markt", "Gemeindehaus"),
    children: bool = True,
    directions: str = "Bus 12 bis Marktplatz",
) -> int:
    """A group with its organisers and members (all active)."""
    with db.begin() as conn:
        group = conn.execute(
            insert(groups)
            .values(
                organisation_id=org_id(db),
                code=code,
                name={"de": name},
                description={"de": "Wir trinken Kaffee und reden."},
                town="Hoya",
                usual_places=list(places),
                children_welcome=children,
                directions={"de": directions} if directions else {},
                created_by="staff:1",
                created_at=now,
                updated_at=now,
            )
            .returning(groups.c.id)
        ).scalar_one()
        rows = [(p, "organiser") for p in organisers] + [(p, "member") for p in members]
        for person, role in rows:
            conn.execute(
                insert(group_members).values(
                    group_id=group, person_id=person, role=role, status="active", joined_at=now
                )
            )
    return int(group)


def add_meetup(
    db: Engine,
    group: int,
    now: datetime,
    times: Sequence[datetime],
    *,
    title: str = "Kaffee trinken",
    place: str = "Café am Markt",
    proposed_by: int | None = None,
    deadline: datetime | None = None,
) -> int:
    """A meetup in ``voting`` with its options."""
    with db.begin() as conn:
        meetup = conn.execute(
            insert(meetups)
            .values(
                group_id=group,
                title=title,
                place=place,
                deadline=deadline or min(times) - timedelta(days=2),
                proposed_by=proposed_by,
                created_at=now,
                updated_at=now,
            )
            .returning(meetups.c.id)
        ).scalar_one()
        conn.execute(
            insert(meetup_options),
            [{"meetup_id": meetup, "position": i, "starts_at": t} for i, t in enumerate(times)],
        )
    return int(meetup)


def add_person(db: Engine, now: datetime, name: str = "Samira", language: str = "de") -> int:
    """A woman without a channel (enough for what is stored and counted)."""
    from bot.db.tables import people

    with db.begin() as conn:
        return int(
            conn.execute(
                insert(people)
                .values(
                    organisation_id=org_id(db),
                    display_name=name,
                    language=language,
                    status="active",
                    interests=[],
                    attend_help=[],
                    created_at=now,
                )
                .returning(people.c.id)
            ).scalar_one()
        )
