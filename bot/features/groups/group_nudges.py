"""The groups' nudge kinds: an organiser asked about a request to join (``group_request``),
a woman told the answer or that she organises a group now (``group_news``).

Each row becomes a :class:`~conversations.events.TriggerIn` into ``flows/groups.yaml`` with
values already in her language (the group's name, the first name of the woman who asks), or
``skipped`` when it no longer holds when it fires: the request was answered, the group
closed, she left, she no longer organises.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from bot.db.tables import group_members, groups, organisations, people
from bot.features.groups import membership as m
from bot.features.groups.groups import NEWS, REQUEST, first_name
from bot.nudges.kinds import Built, ClaimedNudge, NudgeEnv, NudgeKind
from conversations.events import TriggerIn

SKIPPED = "skipped"
_NEWS_TARGETS = {
    "accepted": "groups.news_accepted",
    "declined": "groups.news_declined",
    "organiser": "groups.news_organiser",
}


def _group(conn: Connection, group_id: Any) -> Any:
    try:
        wanted = int(group_id)
    except (TypeError, ValueError):
        return None
    return conn.execute(
        select(groups.c.id, groups.c.name, groups.c.status, organisations.c.default_language)
        .join(organisations, organisations.c.id == groups.c.organisation_id)
        .where(groups.c.id == wanted)
    ).first()


def request_event(conn: Connection, row: ClaimedNudge) -> Built:
    """Ask an organiser about a waiting request, or ``skipped``."""
    try:
        member_id = int(row.payload.get("member_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return SKIPPED
    member = conn.execute(
        select(group_members.c.group_id, group_members.c.status, people.c.display_name)
        .join(people, people.c.id == group_members.c.person_id)
        .where(group_members.c.id == member_id)
    ).first()
    if member is None or member.status != m.PENDING:
        return SKIPPED
    found = _group(conn, member.group_id)
    if found is None or found.status != "active":
        return SKIPPED
    if not m.is_organiser(conn, found.id, row.person_id):
        return SKIPPED
    return TriggerIn(
        "groups.request",
        {
            "member_id": member_id,
            "name": first_name(member.display_name),
            "group_name": m.group_name(found, row.language or "", found.default_language),
        },
    )


def news_event(conn: Connection, row: ClaimedNudge) -> Built:
    """Tell her an answer, or that she organises a group now, or ``skipped``."""
    step = str(row.payload.get("step"))
    target = _NEWS_TARGETS.get(step)
    found = _group(conn, row.payload.get("group_id"))
    if target is None or found is None or found.status != "active":
        return SKIPPED
    if step == "accepted" and not m.is_member(conn, found.id, row.person_id):
        return SKIPPED
    if step == "organiser" and not m.is_organiser(conn, found.id, row.person_id):
        return SKIPPED
    name = m.group_name(found, row.language or "", found.default_language)
    return TriggerIn(target, {"group_id": found.id, "group_name": name})


def _requests(conn: Connection, rows: Sequence[ClaimedNudge], _env: NudgeEnv) -> list[Built]:
    return [request_event(conn, row) for row in rows]


def _news(conn: Connection, rows: Sequence[ClaimedNudge], _env: NudgeEnv) -> list[Built]:
    return [news_event(conn, row) for row in rows]


REQUEST_KIND = NudgeKind(REQUEST, build=_requests, quiet=True)
NEWS_KIND = NudgeKind(NEWS, build=_news, quiet=True)

__all__ = ["NEWS_KIND", "REQUEST_KIND", "news_event", "request_event"]
