"""Test data for the linked Telegram group: a group with members, a linked Telegram group and
a meetup with its options, written straight into the tables (issue 16's schema)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from bot.db.tables import (
    group_members,
    groups,
    meetup_options,
    meetups,
    organisations,
    outbox,
    telegram_groups,
)
from bot.runtime import Runtime
from tests.auxil.people import DEMO, add_person, organisation_id

GROUP_CHAT = "-1001234"
LEYLA_TG = "770301"  # an active member with Telegram
MARIAM_TG = "770303"  # a member who left
STRANGER_TG = "770399"  # in the Telegram group, unknown to the bot
MEMBER_NAMES = ("Leyla Yilmaz", "Olena Kovalenko", "Mariam Haddad")
MEMBER_NUMBERS = (LEYLA_TG, "+4915112345678", MARIAM_TG)


@dataclass
class Linked:
    """What :func:`linked_group` made."""

    group: int
    meetup: int
    leyla: int
    olena: int
    mariam: int
    options: list[datetime]


def linked_group(runtime: Runtime, now: datetime, language: str = "de") -> Linked:
    """The women's café in Hoya, linked to a Telegram group, with three members (Mariam has
    left) and a meetup in its vote: three times, three, four and five days from ``now``."""
    org = organisation_id(runtime, DEMO)
    leyla = add_person(runtime, org, MEMBER_NAMES[0], now, channels=[("telegram", LEYLA_TG, "ok")])
    olena = add_person(
        runtime, org, MEMBER_NAMES[1], now, channels=[("whatsapp", MEMBER_NUMBERS[1], "ok")]
    )
    mariam = add_person(
        runtime, org, MEMBER_NAMES[2], now, channels=[("telegram", MARIAM_TG, "ok")]
    )
    day = now.replace(hour=14, minute=0, second=0, microsecond=0)
    options = [day + timedelta(days=n) for n in (3, 4, 5)]
    with runtime.db.begin() as conn:
        conn.execute(
            update(organisations)
            .where(organisations.c.id == org)
            .values(default_language=language)
        )
        chat = conn.execute(
            insert(telegram_groups)
            .values(
                chat_id=GROUP_CHAT,
                title="Frauencafé Hoya",
                organisation_id=org,
                status="member",
                added_at=now,
            )
            .returning(telegram_groups.c.id)
        ).scalar_one()
        group = conn.execute(
            insert(groups)
            .values(
                organisation_id=org,
                code="g-cafe-hoya",
                name={"de": "Frauencafé Hoya", "uk": "Жіноче кафе Хоя"},
                town="Hoya",
                usual_places=["Gemeindehaus Hoya"],
                telegram_group_id=chat,
                created_by="staff:1",
                created_at=now,
                updated_at=now,
            )
            .returning(groups.c.id)
        ).scalar_one()
        for person, role, status in (
            (leyla, "organiser", "active"),
            (olena, "member", "active"),
            (mariam, "member", "left"),
        ):
            conn.execute(
                insert(group_members).values(
                    group_id=group, person_id=person, role=role, status=status, joined_at=now
                )
            )
        meetup = conn.execute(
            insert(meetups)
            .values(
                group_id=group,
                title="Kaffee und Kuchen",
                place="Gemeindehaus Hoya",
                status="voting",
                deadline=now + timedelta(days=2),
                proposed_by=leyla,
                created_at=now,
                updated_at=now,
            )
            .returning(meetups.c.id)
        ).scalar_one()
        conn.execute(
            insert(meetup_options),
            [
                {"meetup_id": meetup, "position": n, "starts_at": at}
                for n, at in enumerate(options)
            ],
        )
    return Linked(group, meetup, leyla, olena, mariam, options)


def group_rows(runtime: Runtime) -> list[dict[str, Any]]:
    """Every outbox row of kind ``group``, oldest first."""
    with runtime.db.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(outbox).where(outbox.c.kind == "group").order_by(outbox.c.id)
            ).mappings()
        ]
