"""Creating, closing and linking groups, for ``twc groups`` (and later the staff pages).

Each change runs in one transaction with its audit entry (ids only).  Bad input raises
:class:`GroupError` with one plain sentence for whoever acts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from bot.db.tables import groups, organisations, people, telegram_groups
from bot.features.groups import groups as service
from bot.staff.audit import record


class GroupError(ValueError):
    """The change cannot be made; the message says why."""


#: What the columns hold (``groups.town`` is a VARCHAR(200): PostgreSQL refuses more) and a
#: sane bound for the usual places a form or the command line may give.
TOWN_CHARS, PLACE_CHARS, MAX_PLACES = 200, 120, 10


def organisation_of(conn: Connection, slug: str | None) -> int:
    """The organisation named by ``slug``, or the only one; else :class:`GroupError`."""
    query = select(organisations.c.id)
    if slug:
        query = query.where(organisations.c.slug == slug)
    ids = list(conn.execute(query).scalars())
    if not ids:
        raise GroupError(f"No organisation {slug}." if slug else "No organisation.")
    if len(ids) > 1:
        raise GroupError("Several organisations: name one with --organisation.")
    return int(ids[0])


class GroupAdmin:
    """Changes to groups by whoever runs the deployment (or staff), audited as ``actor``."""

    def __init__(self, db: Engine, clock: Callable[[], datetime], actor: str) -> None:
        self.db = db
        self.clock = clock
        self.actor = actor

    def create(
        self,
        organisation: str | int | None,
        *,
        names: dict[str, str],
        town: str,
        descriptions: dict[str, str] | None = None,
        directions: dict[str, str] | None = None,
        approval: bool = False,
        children_welcome: bool = False,
        places: Sequence[str] = (),
    ) -> tuple[int, str]:
        """A new active group of ``organisation`` (an id, a slug, or ``None`` for the only
        one); its id and invite code."""
        names = {k: v.strip() for k, v in names.items() if v and v.strip()}
        if not names:
            raise GroupError("A group needs a name.")
        if any(len(v) > 80 for v in names.values()):
            raise GroupError("A group's name has at most 80 characters.")
        now = self.clock()
        with self.db.begin() as conn:
            organisation_id = (
                organisation
                if isinstance(organisation, int)
                else organisation_of(conn, organisation)
            )
            default = conn.execute(
                select(organisations.c.default_language).where(
                    organisations.c.id == organisation_id
                )
            ).scalar_one()
            if default not in names:
                raise GroupError(f"The name in the organisation's language ({default}) is needed.")
            code = service.new_code(conn)
            group_id = int(
                conn.execute(
                    insert(groups)
                    .values(
                        organisation_id=organisation_id,
                        code=code,
                        name=names,
                        description=descriptions or {},
                        town=town.strip()[:TOWN_CHARS],
                        approval=approval,
                        children_welcome=children_welcome,
                        directions=directions or {},
                        usual_places=[p.strip()[:PLACE_CHARS] for p in places if p.strip()][
                            :MAX_PLACES
                        ],
                        status="active",
                        created_by=self.actor,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(groups.c.id)
                ).scalar_one()
            )
            record(conn, now, self.actor, "groups.create", {"group": group_id}, organisation_id)
        return group_id, code

    def edit(
        self,
        group_id: int,
        *,
        names: dict[str, str],
        town: str,
        descriptions: dict[str, str],
        directions: dict[str, str],
        approval: bool,
        children_welcome: bool,
        places: Sequence[str],
    ) -> None:
        """Change a group's fields (its members, code and status stay)."""
        names = {k: v.strip() for k, v in names.items() if v and v.strip()}
        now = self.clock()
        with self.db.begin() as conn:
            row = self._group(conn, group_id)
            default = conn.execute(
                select(organisations.c.default_language).where(
                    organisations.c.id == row.organisation_id
                )
            ).scalar_one()
            if default not in names:
                raise GroupError(f"The name in the organisation's language ({default}) is needed.")
            conn.execute(
                update(groups)
                .where(groups.c.id == group_id)
                .values(
                    name=names,
                    description={k: v.strip() for k, v in descriptions.items() if v.strip()},
                    directions={k: v.strip() for k, v in directions.items() if v.strip()},
                    town=town.strip()[:TOWN_CHARS],
                    approval=approval,
                    children_welcome=children_welcome,
                    usual_places=[p.strip()[:PLACE_CHARS] for p in places if p.strip()][
                        :MAX_PLACES
                    ],
                    updated_at=now,
                )
            )
            record(conn, now, self.actor, "groups.edit", {"group": group_id}, row.organisation_id)

    def _group(self, conn: Connection, group_id: int) -> Any:
        row = service.group(conn, group_id)
        if row is None:
            raise GroupError(f"No group {group_id}.")
        return row

    def close(self, group_id: int) -> bool:
        """Close a group (``False`` when it was closed already): nothing more goes out."""
        now = self.clock()
        with self.db.begin() as conn:
            row = self._group(conn, group_id)
            if row.status == "closed":
                return False
            conn.execute(
                update(groups)
                .where(groups.c.id == group_id)
                .values(status="closed", updated_at=now)
            )
            record(conn, now, self.actor, "groups.close", {"group": group_id}, row.organisation_id)
        return True

    def add_organiser(self, group_id: int, person_id: int) -> None:
        """She organises the group from now (an active participant of its organisation)."""
        now = self.clock()
        with self.db.begin() as conn:
            row = self._group(conn, group_id)
            if row.status != "active":
                raise GroupError(f"Group {group_id} is closed.")
            her = conn.execute(
                select(people.c.organisation_id, people.c.status).where(people.c.id == person_id)
            ).first()
            if her is None or her.organisation_id != row.organisation_id:
                raise GroupError(f"No person {person_id} in the group's organisation.")
            if her.status != "active":
                raise GroupError(f"Person {person_id} is not active.")
            service.make_organiser(conn, group_id, person_id, now)
            record(
                conn,
                now,
                self.actor,
                "groups.add_organiser",
                {"group": group_id, "person": person_id},
                row.organisation_id,
            )

    def link_telegram(self, group_id: int, chat_id: str | None) -> None:
        """Link the Telegram group the bot is in (its chat id), or unlink (``None``)."""
        now = self.clock()
        with self.db.begin() as conn:
            row = self._group(conn, group_id)
            linked: int | None = None
            if chat_id is not None:
                chat = conn.execute(
                    select(
                        telegram_groups.c.id,
                        telegram_groups.c.organisation_id,
                        telegram_groups.c.status,
                    ).where(telegram_groups.c.chat_id == str(chat_id))
                ).first()
                if chat is None or chat.organisation_id not in (None, row.organisation_id):
                    raise GroupError(f"The bot is in no Telegram group {chat_id}.")
                if chat.status != "member":
                    raise GroupError(f"The bot has left the Telegram group {chat_id}.")
                linked = int(chat.id)
            conn.execute(
                update(groups)
                .where(groups.c.id == group_id)
                .values(telegram_group_id=linked, updated_at=now)
            )
            record(
                conn,
                now,
                self.actor,
                "groups.link_telegram",
                {"group": group_id, "telegram_group": linked},
                row.organisation_id,
            )


__all__ = ["GroupAdmin", "GroupError", "organisation_of"]
