"""The daily housekeeping job: inactivity check-ins and feedback after sessions.

Both are nudge rows like reminders, fired by the sweep (:mod:`scheduler.due`):

* **check-in** (kind ``checkin``): a participant who agrees to messages, has not opted out and
  has not written for :data:`INACTIVE_AFTER` (the newest
  ``channel_identities.last_inbound_at``; for someone who never wrote, the day her identity was
  created) gets one friendly message with the main menu (``checkin.hello``).  Never more than
  one per :data:`INACTIVE_AFTER`: no new check-in while one younger than that exists in any
  status, and the key ``checkin:<person>:<14-day window>`` makes the job idempotent within a
  window.  When it fires after she wrote again meanwhile, it is ``skipped``.
* **feedback** (kind ``feedback``): for each session she said she would come to (attendance
  ``coming``), one optional question with an emoji scale an hour after it ends
  (``checkin.feedback``, key ``feedback:<session>:<person>``); ``skipped`` if she changed her
  answer, opted out, withdrew her consent to messages or the session was cancelled.

Due times are moved out of the organisation's quiet hours.  :func:`run_housekeeping` is a plain
function (the tests call it with a frozen clock); :mod:`scheduler.runner` runs it daily.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select

from bot.consent.checks import current
from bot.db.tables import attendance, courses, identities, nudges, organisations, people, sessions
from bot.db.types import UTCDateTime
from bot.nudges.daily_cap import OrgTimes, apply_daily_cap
from bot.nudges.quiet_hours import outside_quiet_hours
from conversations.consent import MESSAGES
from conversations.events import Event, TriggerIn
from conversations.i18n import format_day
from conversations.languages import LanguageTable

CHECKIN = "checkin"
FEEDBACK = "feedback"
INACTIVE_AFTER = timedelta(days=14)
#: Feedback is asked this long after the session ends (then moved out of quiet hours).
FEEDBACK_AFTER = timedelta(hours=1)
#: Sessions that ended longer ago than this get no feedback question any more.
FEEDBACK_WINDOW = timedelta(days=2)
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

SKIPPED = "skipped"


def run_housekeeping(db: Engine, clock: Callable[[], datetime]) -> dict[str, int]:
    """Schedule the due check-ins and feedback questions; return how many of each."""
    now = clock()
    with db.begin() as conn:
        return {
            CHECKIN: schedule_checkins(conn, now),
            FEEDBACK: schedule_feedback(conn, now),
        }


def _window(now: datetime) -> int:
    return (now - _EPOCH) // INACTIVE_AFTER


def schedule_checkins(conn: Connection, now: datetime) -> int:
    """One check-in for everyone who has been silent for 14 days (and had none since)."""
    cutoff = now - INACTIVE_AFTER
    last = (
        select(
            identities.c.person_id,
            func.max(
                func.coalesce(identities.c.last_inbound_at, identities.c.created_at),
                type_=UTCDateTime(),
            ).label("last_seen"),
        )
        .where(identities.c.status == "ok")
        .group_by(identities.c.person_id)
        .subquery()
    )
    recent = (
        select(nudges.c.id)
        .where(
            nudges.c.person_id == people.c.id,
            nudges.c.kind == CHECKIN,
            nudges.c.created_at > cutoff,
        )
        .exists()
    )
    rows = conn.execute(
        select(
            people.c.id,
            organisations.c.timezone,
            organisations.c.quiet_hours_start,
            organisations.c.quiet_hours_end,
        )
        .join(last, last.c.person_id == people.c.id)
        .join(organisations, organisations.c.id == people.c.organisation_id)
        .where(
            people.c.role == "participant",
            people.c.status == "active",
            people.c.consent_given_at.is_not(None),
            current(MESSAGES, people.c.id),
            last.c.last_seen <= cutoff,
            ~recent,
        )
        .order_by(people.c.id)
    ).all()
    window = _window(now)
    new = [
        {
            "person_id": r.id,
            "kind": CHECKIN,
            "due_at": outside_quiet_hours(now, r.timezone, r.quiet_hours_start, r.quiet_hours_end),
            "payload": {},
            "idempotency_key": f"checkin:{r.id}:{window}",
            "status": "pending",
            "created_at": now,
        }
        for r in rows
    ]
    hours = {r.id: OrgTimes(r.timezone, r.quiet_hours_start, r.quiet_hours_end) for r in rows}
    return _insert_new(conn, new, hours, now)


def schedule_feedback(conn: Connection, now: datetime) -> int:
    """One feedback question per session she said she would come to, after it ends."""
    rows = conn.execute(
        select(
            attendance.c.session_id,
            attendance.c.person_id,
            sessions.c.ends_at,
            organisations.c.timezone,
            organisations.c.quiet_hours_start,
            organisations.c.quiet_hours_end,
        )
        .join(sessions, sessions.c.id == attendance.c.session_id)
        .join(courses, courses.c.id == sessions.c.course_id)
        .join(organisations, organisations.c.id == courses.c.organisation_id)
        .join(people, people.c.id == attendance.c.person_id)
        .where(
            attendance.c.intention == "coming",
            sessions.c.status != "cancelled",
            sessions.c.ends_at > now - FEEDBACK_WINDOW,
            sessions.c.ends_at <= now + timedelta(days=1, hours=12),
            people.c.status == "active",
            people.c.consent_given_at.is_not(None),
            current(MESSAGES, people.c.id),
        )
        .order_by(sessions.c.ends_at, attendance.c.person_id)
    ).all()
    new = []
    for r in rows:
        due = max(r.ends_at + FEEDBACK_AFTER, now)
        new.append(
            {
                "person_id": r.person_id,
                "kind": FEEDBACK,
                "due_at": outside_quiet_hours(
                    due, r.timezone, r.quiet_hours_start, r.quiet_hours_end
                ),
                "payload": {"session": r.session_id},
                "idempotency_key": f"feedback:{r.session_id}:{r.person_id}",
                "status": "pending",
                "created_at": now,
            }
        )
    hours = {
        r.person_id: OrgTimes(r.timezone, r.quiet_hours_start, r.quiet_hours_end) for r in rows
    }
    return _insert_new(conn, new, hours, now)


def _insert_new(
    conn: Connection, rows: list[dict[str, Any]], hours: dict[int, OrgTimes], now: datetime
) -> int:
    """Insert the rows not there yet, then keep each person's days within the daily cap."""
    if not rows:
        return 0
    existing = set(
        conn.execute(
            select(nudges.c.idempotency_key).where(
                nudges.c.idempotency_key.in_([r["idempotency_key"] for r in rows])
            )
        ).scalars()
    )
    fresh = [r for r in rows if r["idempotency_key"] not in existing]
    if fresh:
        conn.execute(nudges.insert(), fresh)
    for person_id in sorted({r["person_id"] for r in fresh}):
        apply_daily_cap(conn, person_id, hours[person_id], now)
    return len(fresh)


# ---- firing ---------------------------------------------------------------------------------


def checkin_event(conn: Connection, person_id: int, created_at: datetime) -> Event | str:
    """The check-in trigger, or ``skipped`` if she wrote since it was planned or opted out."""
    row = conn.execute(
        select(
            people.c.status,
            people.c.consent_given_at,
            current(MESSAGES, people.c.id).label("messages"),
            select(func.max(identities.c.last_inbound_at, type_=UTCDateTime()))
            .where(identities.c.person_id == person_id)
            .scalar_subquery()
            .label("last_seen"),
        ).where(people.c.id == person_id)
    ).first()
    if row is None or row.status != "active" or row.consent_given_at is None or not row.messages:
        return SKIPPED
    if row.last_seen is not None and row.last_seen > created_at:
        return SKIPPED
    return TriggerIn("checkin.hello", {})


def feedback_event(
    conn: Connection, person_id: int, payload: dict[str, Any], languages: LanguageTable
) -> Event | str:
    """The feedback question in her language, or ``skipped``."""
    session_id = int(payload["session"])
    row = conn.execute(
        select(
            sessions.c.starts_at,
            sessions.c.status.label("session_status"),
            courses.c.title,
            organisations.c.timezone,
            organisations.c.default_language,
            people.c.language,
            people.c.status,
            people.c.consent_given_at,
            current(MESSAGES, people.c.id).label("messages"),
            attendance.c.intention,
        )
        .join(courses, courses.c.id == sessions.c.course_id)
        .join(organisations, organisations.c.id == courses.c.organisation_id)
        .join(people, people.c.id == person_id)
        .outerjoin(
            attendance,
            and_(attendance.c.session_id == sessions.c.id, attendance.c.person_id == person_id),
        )
        .where(sessions.c.id == session_id)
    ).first()
    if (
        row is None
        or row.session_status == "cancelled"
        or row.intention != "coming"
        or row.status != "active"
        or row.consent_given_at is None
        or not row.messages
    ):
        return SKIPPED
    language = (
        languages.get(row.language)
        or languages.get(row.default_language)
        or languages.get(languages.master)
    )
    assert language is not None
    title = row.title or {}
    course = title.get(language.code) or title.get(language.catalog) or title.get("de") or ""
    return TriggerIn(
        "checkin.feedback",
        {
            "session": session_id,
            "course": course,
            "day": format_day(row.starts_at, language, row.timezone),
        },
    )
