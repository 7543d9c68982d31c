"""What a due meetup nudge says, in her language, decided again when it fires.

A row is ``skipped`` when she is no longer an active member of the group (she left: she gets
nothing more of it), when the vote has closed (``meetup_vote``), or when the meetup is no
longer confirmed or has begun (``meetup_confirmed``), or when she no longer said yes or maybe
or the meetup moved (``meetup_reminder``).

Outside WhatsApp's 24-hour window only an approved template reaches her: each trigger names its
template kind (``template``: ``meetup_vote``, ``meetup_confirmed``, ``meetup_reminder``,
``meetup_changed``, all Utility templates in ``config/whatsapp_templates.example.yaml``) and
carries the template's variables on one line each (a template variable cannot hold a line
break): ``times_line`` ("1 = Sa., 5.12., 15:00; 2 = …", so that she answers with the numbers),
``place_line`` (the place, children welcome, how to get there) and ``change`` (moved to … /
cancelled).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from bot.db.tables import groups, meetup_options, meetup_rsvps, meetups, organisations
from bot.features.groups import meetup_texts as t
from bot.features.groups.meetup_changes import CANCELLED, CHANGED_KIND, MOVED
from bot.features.groups.meetup_deadlines import DEADLINE_KIND
from bot.features.groups.meetup_effects import button_when, when
from bot.features.groups.meetup_extras import extras
from bot.features.groups.meetup_members import group_name, is_member, is_organiser
from bot.features.groups.meetup_reminders import (
    AFTER_KIND,
    COMING,
    REMINDER_KIND,
    starts_at_of,
)
from bot.features.groups.meetup_schedule import CONFIRMED_KIND, VOTE_KIND
from bot.nudges.kinds import Built, ClaimedNudge, NudgeEnv, NudgeKind
from conversations.events import TriggerIn
from conversations.i18n import native_digits
from conversations.languages import Language
from conversations.texts import Text

SKIPPED = "skipped"
MISSED = "missed"
#: The trigger value naming the WhatsApp template kind (``bot.outbox.kinds.TEMPLATE_KEY``).
TEMPLATE = "template"
VOTE_TEMPLATE, CONFIRMED_TEMPLATE = "meetup_vote", "meetup_confirmed"
REMINDER_TEMPLATE, CHANGED_TEMPLATE = "meetup_reminder", "meetup_changed"


def _row(conn: Connection, payload: dict[str, Any]) -> Any:
    try:
        meetup_id = int(payload.get("meetup"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return conn.execute(
        select(
            meetups,
            groups.c.name.label("group_names"),
            groups.c.children_welcome,
            groups.c.directions,
            organisations.c.timezone,
            organisations.c.default_language,
        )
        .join(groups, groups.c.id == meetups.c.group_id)
        .join(organisations, organisations.c.id == groups.c.organisation_id)
        .where(meetups.c.id == meetup_id)
    ).first()


def _language(env: NudgeEnv, code: str | None, fallback: str) -> Language:
    table = env.languages
    found = table.get(code) or table.get(fallback) or table.get(table.master)
    assert found is not None
    return found


def place_text(env: NudgeEnv, meetup: Any, language: Language) -> str:
    """The place, then "children welcome" and how to get there, where the group set them."""
    return "\n".join(
        line for line in [meetup.place, *extras(env.catalogs, meetup, language)] if line
    )


def one_line(text: str) -> str:
    """``text`` for a template variable: WhatsApp refuses line breaks (and long runs of
    spaces) in a variable, so the lines are joined with " · "."""
    return " · ".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _base(env: NudgeEnv, meetup: Any, language: Language) -> dict[str, Any]:
    place = place_text(env, meetup, language)
    return {
        "meetup": meetup.id,
        "group": group_name(meetup.group_names, language.code, meetup.default_language),
        "what": meetup.title,
        "place": place,
        "place_line": one_line(place),
    }


def vote_event(conn: Connection, row: ClaimedNudge, env: NudgeEnv) -> Built:
    """ "When can you come?" with the times as choices (``meetup.vote``)."""
    meetup = _row(conn, row.payload)
    if meetup is None or meetup.status != "voting" or meetup.deadline <= env.now:
        return SKIPPED
    if not is_member(conn, meetup.group_id, row.person_id):
        return SKIPPED
    language = _language(env, row.language, meetup.default_language)
    options = list(
        conn.execute(
            select(meetup_options.c.starts_at)
            .where(meetup_options.c.meetup_id == meetup.id)
            .order_by(meetup_options.c.position)
        ).scalars()
    )
    values = _base(env, meetup, language)
    values["opts"] = [button_when(m, language, meetup.timezone) for m in options]
    values["times"] = "\n".join(
        f"{native_digits(str(n), language)}. {when(m, language, meetup.timezone)}"
        for n, m in enumerate(options, start=1)
    )
    values["times_line"] = "; ".join(
        f"{n} = {when(m, language, meetup.timezone)}" for n, m in enumerate(options, start=1)
    )
    values["organiser"] = "1" if is_organiser(conn, meetup.group_id, row.person_id) else ""
    values[TEMPLATE] = VOTE_TEMPLATE
    return TriggerIn("meetup.vote", values)


def confirmed_event(conn: Connection, row: ClaimedNudge, env: NudgeEnv) -> Built:
    """ "It takes place" with the time and place, asking yes / maybe / no."""
    meetup = _row(conn, row.payload)
    if meetup is None or meetup.status != "confirmed" or meetup.starts_at is None:
        return SKIPPED
    if meetup.starts_at <= env.now or not is_member(conn, meetup.group_id, row.person_id):
        return SKIPPED
    language = _language(env, row.language, meetup.default_language)
    values = _base(env, meetup, language)
    values["when"] = when(meetup.starts_at, language, meetup.timezone)
    values[TEMPLATE] = CONFIRMED_TEMPLATE
    return TriggerIn("meetup.confirmed", values)


def reminder_event(conn: Connection, row: ClaimedNudge, env: NudgeEnv) -> Built:
    """ "Tomorrow" / "in two hours": only while she still said yes or maybe, is still a member,
    and the meetup is still confirmed at the time the reminder was written for."""
    meetup = _row(conn, row.payload)
    planned = starts_at_of(row.payload)
    if meetup is None or meetup.status != "confirmed" or meetup.starts_at is None:
        return SKIPPED
    if planned != meetup.starts_at or not is_member(conn, meetup.group_id, row.person_id):
        return SKIPPED
    if meetup.starts_at <= env.now:
        return MISSED  # found due only after it began (the scheduler was down)
    answer = conn.execute(
        select(meetup_rsvps.c.answer).where(
            meetup_rsvps.c.meetup_id == meetup.id, meetup_rsvps.c.person_id == row.person_id
        )
    ).scalar()
    if answer not in COMING:
        return SKIPPED
    language = _language(env, row.language, meetup.default_language)
    values = _base(env, meetup, language)
    values["when"] = when(meetup.starts_at, language, meetup.timezone)
    values[TEMPLATE] = REMINDER_TEMPLATE
    return TriggerIn("meetup.reminder", values)


def deadline_event(conn: Connection, row: ClaimedNudge, env: NudgeEnv) -> Built:
    """To an organiser at the deadline: confirmed on its own, or too few can come."""
    meetup = _row(conn, row.payload)
    if meetup is None or not is_organiser(conn, meetup.group_id, row.person_id):
        return SKIPPED
    language = _language(env, row.language, meetup.default_language)
    values = _base(env, meetup, language)
    if row.payload.get("outcome") == "confirmed" and meetup.status == "confirmed":
        values["when"] = when(meetup.starts_at, language, meetup.timezone)
        return TriggerIn("meetup.auto_confirmed", values)
    if meetup.status != "voting":
        return SKIPPED
    values["best"] = int(row.payload.get("best") or 0)
    return TriggerIn("meetup.too_few", values)


def _fill(env: NudgeEnv, language: Language, text: Text, moment: str) -> str:
    return env.catalogs.fill(language, env.catalogs.translate(language, text), {"when": moment})


def changed_event(conn: Connection, row: ClaimedNudge, env: NudgeEnv) -> Built:
    """Moved (asked again yes / maybe / no) or cancelled, to a woman who answered."""
    meetup = _row(conn, row.payload)
    if meetup is None or not is_member(conn, meetup.group_id, row.person_id):
        return SKIPPED
    language = _language(env, row.language, meetup.default_language)
    values = _base(env, meetup, language)
    if meetup.starts_at is not None:
        values["when"] = when(meetup.starts_at, language, meetup.timezone)
    values[TEMPLATE] = CHANGED_TEMPLATE
    if row.payload.get("change") == CANCELLED and meetup.status == CANCELLED:
        values["change"] = _fill(env, language, t.CHANGE_CANCELLED, values.get("when", ""))
        return TriggerIn("meetup.cancelled", values)
    moved_to = row.payload.get("moved_to")
    if (
        row.payload.get("change") == MOVED
        and meetup.status == "confirmed"
        and meetup.starts_at is not None
        and moved_to == meetup.starts_at.isoformat()
        and meetup.starts_at > env.now
    ):
        values["change"] = _fill(env, language, t.CHANGE_MOVED, values["when"])
        return TriggerIn("meetup.moved", values)
    return SKIPPED


def after_event(conn: Connection, row: ClaimedNudge, env: NudgeEnv) -> Built:
    """ "How was it?" to a woman who said yes, if the meetup took place at that time."""
    meetup = _row(conn, row.payload)
    if meetup is None or meetup.status != "confirmed" or meetup.starts_at is None:
        return SKIPPED
    if row.payload.get("meetup_at") != meetup.starts_at.isoformat():
        return SKIPPED
    if not is_member(conn, meetup.group_id, row.person_id):
        return SKIPPED
    rsvp = conn.execute(
        select(meetup_rsvps.c.answer, meetup_rsvps.c.rating).where(
            meetup_rsvps.c.meetup_id == meetup.id, meetup_rsvps.c.person_id == row.person_id
        )
    ).first()
    if rsvp is None or rsvp.answer != "yes" or rsvp.rating is not None:
        return SKIPPED
    language = _language(env, row.language, meetup.default_language)
    return TriggerIn("meetup.after", _base(env, meetup, language))


def _votes(conn: Connection, rows: Sequence[ClaimedNudge], env: NudgeEnv) -> list[Built]:
    return [vote_event(conn, row, env) for row in rows]


def _confirmations(conn: Connection, rows: Sequence[ClaimedNudge], env: NudgeEnv) -> list[Built]:
    return [confirmed_event(conn, row, env) for row in rows]


def _reminders(conn: Connection, rows: Sequence[ClaimedNudge], env: NudgeEnv) -> list[Built]:
    return [reminder_event(conn, row, env) for row in rows]


def _deadlines(conn: Connection, rows: Sequence[ClaimedNudge], env: NudgeEnv) -> list[Built]:
    return [deadline_event(conn, row, env) for row in rows]


def _changes(conn: Connection, rows: Sequence[ClaimedNudge], env: NudgeEnv) -> list[Built]:
    return [changed_event(conn, row, env) for row in rows]


def _afters(conn: Connection, rows: Sequence[ClaimedNudge], env: NudgeEnv) -> list[Built]:
    return [after_event(conn, row, env) for row in rows]


VOTE_NUDGE = NudgeKind(VOTE_KIND, build=_votes, quiet=True)
CONFIRMED_NUDGE = NudgeKind(CONFIRMED_KIND, build=_confirmations, quiet=True)

CHANGED_NUDGE = NudgeKind(CHANGED_KIND, build=_changes, quiet=True)
AFTER_NUDGE = NudgeKind(AFTER_KIND, build=_afters, quiet=True)
DEADLINE_NUDGE = NudgeKind(DEADLINE_KIND, build=_deadlines, quiet=True)
REMINDER_NUDGE = NudgeKind(REMINDER_KIND, build=_reminders, quiet=True, deadline=starts_at_of)

__all__ = [
    "AFTER_NUDGE",
    "CHANGED_NUDGE",
    "CONFIRMED_NUDGE",
    "DEADLINE_NUDGE",
    "REMINDER_NUDGE",
    "VOTE_NUDGE",
    "confirmed_event",
    "deadline_event",
    "reminder_event",
    "vote_event",
]
