"""The membership contract the groups' parts share (``bot.features.groups.membership``):
who is an active member, who organises, and the group's name in her language.

SQLite and PostgreSQL; frozen clock.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.tables import groups
from bot.features.groups.group_admin import GroupAdmin
from bot.features.groups.membership import (
    active_members,
    group_name,
    is_member,
    is_organiser,
    organisers,
)
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.groups import add_group, add_member
from tests.auxil.people import add_person, organisation_id


def test_members_and_organisers_by_status_and_role(runtime: Runtime, clock: FrozenClock) -> None:
    now = clock.now
    org = organisation_id(runtime, "vnb-nienburg")
    group = add_group(runtime, org, now)
    other = add_group(runtime, org, now, code="other")
    amina = add_person(runtime, org, "Amina", now)
    olena = add_person(runtime, org, "Olena", now)
    leyla = add_person(runtime, org, "Leyla", now)
    sara = add_person(runtime, org, "Sara", now)
    nadia = add_person(runtime, org, "Nadia", now)
    add_member(runtime, group, amina, now, role="organiser")
    add_member(runtime, group, olena, now + timedelta(minutes=1))
    add_member(runtime, group, leyla, now, status="pending")
    add_member(runtime, group, sara, now, status="left")
    add_member(runtime, group, nadia, now, role="organiser", status="left")
    add_member(runtime, other, leyla, now)

    with runtime.db.connect() as conn:
        assert active_members(conn, group) == [amina, olena]
        assert organisers(conn, group) == [amina]
        assert is_member(conn, group, amina) and is_member(conn, group, olena)
        assert not is_member(conn, group, leyla)  # waiting for approval
        assert not is_member(conn, group, sara)  # left: nothing more of the group
        assert is_member(conn, other, leyla)
        assert is_organiser(conn, group, amina)
        assert not is_organiser(conn, group, olena)
        assert not is_organiser(conn, group, nadia)  # a former organiser who left
        row = conn.execute(select(groups).where(groups.c.id == group)).one()
    assert group_name(row, "de", "de") == "Frauencafé Hoya"


def test_group_name_in_her_language_else_the_default() -> None:
    names = {"de": "Nähgruppe", "ar": "مجموعة الخياطة"}
    assert group_name(names, "ar", "de") == "مجموعة الخياطة"
    assert group_name(names, "uk", "de") == "Nähgruppe"
    assert group_name({"name": names}, "uk", "de") == "Nähgruppe"
    assert group_name({"en": "Sewing group"}, "uk", "de") == "Sewing group"
    assert group_name({}, "de", "de") == ""


def test_a_closed_group_has_nobody_to_tell(runtime: Runtime, clock: FrozenClock) -> None:
    now = clock.now
    org = organisation_id(runtime, "vnb-nienburg")
    group = add_group(runtime, org, now, status="closed")
    amina = add_person(runtime, org, "Amina", now)
    add_member(runtime, group, amina, now, role="organiser")
    with runtime.db.connect() as conn:
        assert active_members(conn, group) == [] and organisers(conn, group) == []
        assert not is_member(conn, group, amina) and not is_organiser(conn, group, amina)


def test_an_overlong_town_or_place_is_cut_to_what_the_columns_hold(
    runtime: Runtime, clock: FrozenClock
) -> None:
    """A form or the command line may send 1 000 characters: PostgreSQL's VARCHAR(200) would
    refuse them, so the service stores what fits instead of failing."""
    admin = GroupAdmin(runtime.db, clock, "staff:1")
    group, _code = admin.create(
        "vnb-nienburg",
        names={"de": "Frauencafé"},
        town="H" * 1000,
        places=["P" * 500] * 30,
    )
    with runtime.db.connect() as conn:
        row = conn.execute(
            select(groups.c.town, groups.c.usual_places).where(groups.c.id == group)
        ).one()
    assert len(row.town) == 200
    assert len(row.usual_places) == 10 and {len(p) for p in row.usual_places} == {120}
