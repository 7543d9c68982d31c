"""The numbers a coordinator gives to the funder, and the per-flow results export.

Everything is counted in SQL or from one read per table, scoped to one organisation and one
:class:`~bot.features.reports.period.Period`.  The report is anonymous: it holds counts,
rates and a median, never a name or an id, and every count from 1 to 4 is shown as "< 5"
(:func:`shown`) wherever it leaves the service (page, chart, CSV, command line), so that a
small group cannot be pointed at.  Rates are given only when at least five people or marks
stand behind them.

What each number means (also on the page and in docs/reports.md):

* **participants**: people of the organisation (role ``participant``) who agreed to the
  privacy notice by the end of the period and are still there (erased people are gone);
  by language, by town (decrypted here: the town is encrypted at rest) and by the month they
  joined (their consent), for the months of the period;
* **active**: people who wrote to the bot on at least one day of the period
  (``activity_days``, recorded since this feature exists);
* **sessions**: sessions of the organisation's courses, not cancelled, starting in the period
  and already begun; what people said beforehand (``attendance``) and what staff marked
  afterwards (``attendance_marks``);
* **requests**: conversations with the team she opened in the period (not those staff
  started), how many the team answered, and the median time to the team's first answer;
* **broadcasts**: broadcasts sent in the period and what became of their messages (outbox
  rows are deleted 30 days after sending, so older reach is no longer known);
* **mentoring**: mentors (active, or paused at the time the report is made) and women
  waiting for a mentor at that time; requests made, introductions proposed, accepted by
  both, declined and lapsed, and matches ended in the period; matches running at the end
  of the period; the average answer to "was it helpful?" (1–4) of the matches ended in the
  period, from five answers on;
* **job offers**: offers open at the end of the period (open, not closed by then, not
  expired: an offer waiting for review is not open) and new offers of the period (entered,
  or imported and already published); women told about an offer in the period (each once),
  answers given in the period ("interested", "not for me"), and the outcomes staff recorded
  in the period, by outcome.  Never a name, never which woman;
* **groups**: active groups at the end of the period (started by then, not closed now),
  groups started in the period, women in a group now, women who joined a group in the
  period, meetups held in the period (confirmed for a time in it), and active groups with
  no meetup for about two months at the time of the report.  Counts only.
"""

from __future__ import annotations

import hashlib
import hmac
import statistics
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, select

from bot.crypto.keyring import subkey
from bot.db.tables import (
    activity_days,
    attendance,
    attendance_marks,
    broadcasts,
    courses,
    flow_results,
    group_members,
    groups,
    inbox_messages,
    inbox_threads,
    job_notices,
    job_offers,
    meetups,
    mentor_matches,
    mentor_profiles,
    mentoring_requests,
    organisations,
    outbox,
    people,
    sessions,
)
from bot.db.types import UTCDateTime
from bot.features.reports.period import Period

#: Counts below this (but above 0) are shown as "< 5".
SMALL = 5
#: The label of a small count.
SMALL_LABEL = "< 5"
#: HKDF label of the key behind the pseudonymous ids of a flow results export.
PSEUDONYM_INFO = b"twc/v1/report-pseudonyms"
#: Buckets of a broadcast's messages, in the order shown.
REACH = ("read", "delivered", "sent", "failed", "not_sent")


def shown(count: int) -> str:
    """A count as a report may show it: 0 stays 0, 1 to 4 are "< 5", the rest as they are."""
    if 0 < count < SMALL:
        return SMALL_LABEL
    return str(count)


def rate(part: int, whole: int) -> float | None:
    """``part / whole``, or ``None`` when fewer than five stand behind it."""
    if whole < SMALL:
        return None
    return part / whole


class ReportError(LookupError):
    """An organisation or flow the report cannot be made for (unknown: a 404 on the page)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a report table: a key (code, month), and its count."""

    key: str
    count: int

    @property
    def shown(self) -> str:
        return shown(self.count)


@dataclass(slots=True)
class Sessions:
    """Sessions held in the period, and attendance."""

    held: int = 0
    cancelled: int = 0
    said_coming: int = 0
    said_not_coming: int = 0
    marked_sessions: int = 0
    """Held sessions for which staff marked anyone."""
    marked: int = 0
    present: int = 0
    coming_marked: int = 0
    """People who said "coming" and were marked (present or not)."""
    coming_present: int = 0
    by_course: list[tuple[dict[str, Any], int, int]] = field(default_factory=list)
    """(course title per language, sessions held, present marks)."""

    @property
    def presence_rate(self) -> float | None:
        """Of the people marked, the share who were there."""
        return rate(self.present, self.marked)

    @property
    def kept_word_rate(self) -> float | None:
        """Of those who said "coming" and were marked, the share who came."""
        return rate(self.coming_present, self.coming_marked)


@dataclass(slots=True)
class Requests:
    """Conversations she opened with the team in the period."""

    opened: int = 0
    answered: int = 0
    median_first_answer: timedelta | None = None


@dataclass(slots=True)
class Reach:
    """Broadcasts sent in the period and what became of their messages."""

    broadcasts: int = 0
    messages: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REACH, 0))


@dataclass(slots=True)
class Mentoring:
    """Mentor introductions (the states are those of ``mentor_matches``)."""

    mentors_active: int = 0
    mentors_paused: int = 0
    waiting: int = 0
    """Women waiting for a mentor when the report is made."""
    requested: int = 0
    proposed: int = 0
    accepted: int = 0
    """Of the proposals of the period, those both said yes to."""
    declined: int = 0
    lapsed: int = 0
    running: int = 0
    """Matches running at the end of the period."""
    ended: int = 0
    ratings: list[int] = field(default_factory=list)

    @property
    def average_rating(self) -> float | None:
        """The mean "was it helpful?" (1–4), from five answers on."""
        if len(self.ratings) < SMALL:
            return None
        return sum(self.ratings) / len(self.ratings)


#: ``job_notices.outcome``, in the order the report lists them.
JOB_OUTCOMES = ("contacted", "applied", "invited", "started", "not_suitable")


@dataclass(slots=True)
class Jobs:
    """Job offers and what came of them (``job_offers``, ``job_notices``)."""

    open_at_end: int = 0
    """Offers open at the end of the period (not closed by then, not expired)."""
    new: int = 0
    """Offers entered in the period, or imported then and already published."""
    women_told: int = 0
    interested: int = 0
    not_for_me: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(JOB_OUTCOMES, 0))
    """Outcomes recorded by staff in the period."""


@dataclass(slots=True)
class Groups:
    """Self-organised groups (``groups``, ``group_members``, ``meetups``): counts only."""

    active_at_end: int = 0
    """Groups started by the end of the period and not closed (now)."""
    new: int = 0
    members_now: int = 0
    """Women active in an active group at the time of the report (each once)."""
    joined: int = 0
    """Memberships that began in the period and are still active."""
    meetups: int = 0
    """Meetups confirmed for a time in the period."""
    quiet: int = 0
    """Active groups with no meetup (held, planned or voted on) for about two months."""


@dataclass(slots=True)
class Report:
    """Every number of one organisation's report for one period (counts unrounded: round
    with :func:`shown` when showing them)."""

    organisation_id: int
    organisation: str
    period: Period
    made_at: datetime
    participants: int = 0
    joined: int = 0
    by_language: list[Row] = field(default_factory=list)
    by_town: list[Row] = field(default_factory=list)
    by_month: list[Row] = field(default_factory=list)
    """``YYYY-MM`` of every month of the period → people who joined then."""
    active: int = 0
    active_since: date | None = None
    """The first day recorded for the organisation: "active" is counted from then."""
    sessions: Sessions = field(default_factory=Sessions)
    requests: Requests = field(default_factory=Requests)
    reach: Reach = field(default_factory=Reach)
    mentoring: Mentoring = field(default_factory=Mentoring)
    jobs: Jobs = field(default_factory=Jobs)
    groups: Groups = field(default_factory=Groups)


@dataclass(frozen=True, slots=True)
class FlowAnswer:
    """One line of a flow results export: no name, no person id."""

    pseudonym: str
    flow: str
    node: str
    answer: str
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class OrganisationRef:
    id: int
    slug: str
    name: str
    timezone: str


class ReportService:
    """Makes reports and exports from one database (the page and ``twc reports`` share it)."""

    def __init__(self, db: Engine, secret_key: str) -> None:
        self.db = db
        self._pseudonym_key = subkey(secret_key, PSEUDONYM_INFO)

    # ---- organisations --------------------------------------------------------------------

    def organisations(self, ids: Sequence[int] | None = None) -> list[OrganisationRef]:
        """The organisations (those of ``ids`` only, when given), by name."""
        query = select(
            organisations.c.id,
            organisations.c.slug,
            organisations.c.name,
            organisations.c.timezone,
        ).order_by(organisations.c.name, organisations.c.id)
        if ids is not None:
            query = query.where(organisations.c.id.in_(list(ids)))
        with self.db.connect() as conn:
            return [OrganisationRef(*row) for row in conn.execute(query)]

    def organisation(self, key: int | str) -> OrganisationRef:
        """One organisation by id or slug; :class:`ReportError` if there is none."""
        column = organisations.c.id if isinstance(key, int) else organisations.c.slug
        with self.db.connect() as conn:
            row = conn.execute(
                select(
                    organisations.c.id,
                    organisations.c.slug,
                    organisations.c.name,
                    organisations.c.timezone,
                ).where(column == key)
            ).first()
        if row is None:
            raise ReportError(f"no organisation {key!r}")
        return OrganisationRef(*row)

    # ---- the report -----------------------------------------------------------------------

    def report(self, organisation: OrganisationRef, period: Period, now: datetime) -> Report:
        """Every number of the report (see the module docstring)."""
        report = Report(organisation.id, organisation.name, period, now)
        with self.db.connect() as conn:
            self._participants(conn, report)
            self._active(conn, report)
            self._sessions(conn, report, now)
            self._requests(conn, report)
            self._reach(conn, report)
            self._mentoring(conn, report, now)
            self._jobs(conn, report)
            self._groups(conn, report, now)
        return report

    def _participants(self, conn: Any, report: Report) -> None:
        period = report.period
        rows = conn.execute(
            select(people.c.language, people.c.town, people.c.consent_given_at).where(
                people.c.organisation_id == report.organisation_id,
                people.c.role == "participant",
                people.c.consent_given_at.is_not(None),
                people.c.consent_given_at < period.ends_before,
            )
        ).all()
        languages: Counter[str] = Counter()
        towns: Counter[str] = Counter()
        months: Counter[str] = Counter()
        for language, town, joined_at in rows:
            languages[language or ""] += 1
            towns[(town or "").strip()] += 1
            if joined_at >= period.starts_at:
                day = period.local_day(joined_at)
                months[f"{day.year:04d}-{day.month:02d}"] += 1
        report.participants = len(rows)
        report.joined = sum(months.values())
        report.by_language = _ranked(languages)
        report.by_town = _ranked(towns)
        report.by_month = [
            Row(f"{year:04d}-{month:02d}", months[f"{year:04d}-{month:02d}"])
            for year, month in period.months()
        ]

    def _active(self, conn: Any, report: Report) -> None:
        period = report.period
        report.active = int(
            conn.execute(
                select(func.count(func.distinct(activity_days.c.person_id))).where(
                    activity_days.c.organisation_id == report.organisation_id,
                    activity_days.c.day >= period.start,
                    activity_days.c.day <= period.end,
                )
            ).scalar_one()
        )
        report.active_since = conn.execute(
            select(func.min(activity_days.c.day)).where(
                activity_days.c.organisation_id == report.organisation_id
            )
        ).scalar_one()

    def _sessions(self, conn: Any, report: Report, now: datetime) -> None:
        period = report.period
        found = report.sessions
        in_period = and_(
            courses.c.organisation_id == report.organisation_id,
            sessions.c.starts_at >= period.starts_at,
            sessions.c.starts_at < period.ends_before,
        )
        joined = sessions.join(courses, courses.c.id == sessions.c.course_id)
        held: dict[int, int] = {}
        titles: dict[int, dict[str, Any]] = {}
        per_course: Counter[int] = Counter()
        for session_id, course_id, title, status, starts_at in conn.execute(
            select(
                sessions.c.id,
                courses.c.id,
                courses.c.title,
                sessions.c.status,
                sessions.c.starts_at,
            )
            .select_from(joined)
            .where(in_period)
        ):
            if status == "cancelled":
                found.cancelled += 1
            elif starts_at <= now:
                held[session_id] = course_id
                titles[course_id] = dict(title or {})
                per_course[course_id] += 1
        found.held = len(held)
        if not held:
            return
        ids = sorted(held)
        # Counted in SQL: a year of a big course is tens of thousands of answers and marks,
        # which took most of the report's time to read into Python one by one.
        said = dict(
            conn.execute(
                select(attendance.c.intention, func.count())
                .join(people, people.c.id == attendance.c.person_id)
                .where(attendance.c.session_id.in_(ids))
                .group_by(attendance.c.intention)
            )
            .tuples()
            .all()
        )
        found.said_coming = int(said.get("coming", 0))
        found.said_not_coming = int(said.get("not_coming", 0))
        # Her answer for the same session (at most one: uq_attendance), "coming" or not.
        coming = func.coalesce(attendance.c.intention == "coming", False).label("coming")
        marked_sessions: set[int] = set()
        present_by_course: Counter[int] = Counter()
        for session_id, present, was_coming, count in conn.execute(
            select(attendance_marks.c.session_id, attendance_marks.c.present, coming, func.count())
            .select_from(attendance_marks)
            .outerjoin(
                attendance,
                and_(
                    attendance.c.session_id == attendance_marks.c.session_id,
                    attendance.c.person_id == attendance_marks.c.person_id,
                ),
            )
            .where(attendance_marks.c.session_id.in_(ids))
            .group_by(attendance_marks.c.session_id, attendance_marks.c.present, coming)
        ):
            marked_sessions.add(session_id)
            found.marked += count
            if was_coming:
                found.coming_marked += count
            if present:
                found.present += count
                present_by_course[held[session_id]] += count
                if was_coming:
                    found.coming_present += count
        found.marked_sessions = len(marked_sessions)
        found.by_course = [
            (titles[course], per_course[course], present_by_course[course])
            for course in sorted(per_course, key=lambda c: (-per_course[c], c))
        ]

    def _requests(self, conn: Any, report: Report) -> None:
        period = report.period
        first_answer = (
            select(
                inbox_messages.c.thread_id,
                func.min(inbox_messages.c.created_at, type_=UTCDateTime()).label("first_out"),
            )
            .where(inbox_messages.c.direction == "out", inbox_messages.c.staff_id.is_not(None))
            .group_by(inbox_messages.c.thread_id)
            .subquery()
        )
        rows = conn.execute(
            select(inbox_threads.c.opened_at, first_answer.c.first_out)
            .outerjoin(first_answer, first_answer.c.thread_id == inbox_threads.c.id)
            .where(
                inbox_threads.c.organisation_id == report.organisation_id,
                inbox_threads.c.reason != "staff",
                inbox_threads.c.opened_at >= period.starts_at,
                inbox_threads.c.opened_at < period.ends_before,
            )
        ).all()
        waits = [first_out - opened_at for opened_at, first_out in rows if first_out is not None]
        report.requests = Requests(
            opened=len(rows),
            answered=len(waits),
            median_first_answer=(
                timedelta(seconds=statistics.median(w.total_seconds() for w in waits))
                if waits
                else None
            ),
        )

    def _reach(self, conn: Any, report: Report) -> None:
        period = report.period
        sent = (
            select(broadcasts.c.id)
            .where(
                broadcasts.c.organisation_id == report.organisation_id,
                broadcasts.c.enqueued_at.is_not(None),
                broadcasts.c.enqueued_at >= period.starts_at,
                broadcasts.c.enqueued_at < period.ends_before,
            )
            .subquery()
        )
        reach = Reach()
        reach.broadcasts = int(conn.execute(select(func.count()).select_from(sent)).scalar_one())
        for status, delivery, count in conn.execute(
            select(outbox.c.status, outbox.c.delivery_status, func.count())
            .where(outbox.c.kind == "broadcast", outbox.c.broadcast_id.in_(select(sent.c.id)))
            .group_by(outbox.c.status, outbox.c.delivery_status)
        ):
            reach.by_status[_bucket(status, delivery)] += count
            reach.messages += count
        report.reach = reach

    def _mentoring(self, conn: Any, report: Report, now: datetime) -> None:
        period, org = report.period, report.organisation_id
        found = Mentoring()
        for paused_until in conn.execute(
            select(mentor_profiles.c.paused_until)
            .join(people, people.c.id == mentor_profiles.c.person_id)
            .where(
                mentor_profiles.c.organisation_id == org,
                mentor_profiles.c.status == "active",
                people.c.role == "mentor",
                people.c.status == "active",
            )
        ).scalars():
            if paused_until is not None and paused_until > now:
                found.mentors_paused += 1
            else:
                found.mentors_active += 1
        requests = mentoring_requests.c
        found.waiting = int(
            conn.execute(
                select(func.count()).where(
                    requests.organisation_id == org, requests.status == "waiting"
                )
            ).scalar_one()
        )
        found.requested = int(
            conn.execute(
                select(func.count()).where(
                    requests.organisation_id == org,
                    requests.created_at >= period.starts_at,
                    requests.created_at < period.ends_before,
                )
            ).scalar_one()
        )
        m = mentor_matches.c
        rows = conn.execute(
            select(
                m.status,
                m.proposed_at,
                m.started_at,
                m.ended_at,
                m.mentor_rating,
                m.participant_rating,
            ).where(m.organisation_id == org, m.proposed_at < period.ends_before)
        ).all()
        for row in rows:
            if row.proposed_at >= period.starts_at:
                found.proposed += 1
                found.accepted += row.started_at is not None
                found.declined += row.status == "declined"
                found.lapsed += row.status == "lapsed"
            started = row.started_at is not None and row.started_at < period.ends_before
            ended_before = row.ended_at is not None and row.ended_at < period.ends_before
            if started and not ended_before:
                found.running += 1
            if started and ended_before and row.ended_at >= period.starts_at:
                found.ended += 1
                found.ratings += [
                    r for r in (row.mentor_rating, row.participant_rating) if r is not None
                ]
        report.mentoring = found

    def _jobs(self, conn: Any, report: Report) -> None:
        period, org = report.period, report.organisation_id
        starts, ends = period.starts_at, period.ends_before
        found = Jobs()
        o = job_offers.c
        for row in conn.execute(
            select(o.status, o.created_at, o.closed_at, o.expires_on).where(
                o.organisation_id == org, o.created_at < ends, o.status != "review"
            )
        ):
            found.new += row.created_at >= starts
            closed = row.closed_at is not None and row.closed_at < ends
            found.open_at_end += not closed and row.expires_on > period.end
        n = job_notices.c
        found.women_told = int(
            conn.execute(
                select(func.count(func.distinct(n.person_id))).where(
                    n.organisation_id == org, n.sent_at >= starts, n.sent_at < ends
                )
            ).scalar_one()
        )
        answered = and_(n.organisation_id == org, n.answered_at >= starts, n.answered_at < ends)
        for status, count in conn.execute(
            select(n.status, func.count()).where(answered).group_by(n.status)
        ):
            if status == "interested":
                found.interested = int(count)
            elif status == "not_for_me":
                found.not_for_me = int(count)
        for outcome, count in conn.execute(
            select(n.outcome, func.count())
            .where(n.organisation_id == org, n.outcome_at >= starts, n.outcome_at < ends)
            .group_by(n.outcome)
        ):
            if outcome in found.outcomes:
                found.outcomes[outcome] = int(count)
        report.jobs = found

    def _groups(self, conn: Any, report: Report, now: datetime) -> None:
        period, org = report.period, report.organisation_id
        starts, ends = period.starts_at, period.ends_before
        found = Groups()
        g, gm, mt = groups.c, group_members.c, meetups.c
        quiet_since = now - timedelta(days=61)
        for row in conn.execute(
            select(g.id, g.status, g.created_at).where(g.organisation_id == org)
        ):
            found.new += starts <= row.created_at < ends
            if row.status != "active":
                continue
            found.active_at_end += row.created_at < ends
            latest = conn.execute(
                select(func.max(func.coalesce(mt.starts_at, mt.created_at))).where(
                    mt.group_id == row.id, mt.status != "cancelled"
                )
            ).scalar()
            found.quiet += (latest or row.created_at) <= quiet_since
        in_active = and_(gm.group_id == g.id, g.organisation_id == org, g.status == "active")
        found.members_now = int(
            conn.execute(
                select(func.count(func.distinct(gm.person_id)))
                .select_from(group_members.join(groups, gm.group_id == g.id))
                .where(in_active, gm.status == "active")
            ).scalar_one()
        )
        found.joined = int(
            conn.execute(
                select(func.count())
                .select_from(group_members.join(groups, gm.group_id == g.id))
                .where(
                    g.organisation_id == org,
                    gm.status == "active",
                    gm.joined_at >= starts,
                    gm.joined_at < ends,
                )
            ).scalar_one()
        )
        found.meetups = int(
            conn.execute(
                select(func.count())
                .select_from(meetups.join(groups, mt.group_id == g.id))
                .where(
                    g.organisation_id == org,
                    mt.status.in_(("confirmed", "done")),
                    mt.starts_at >= starts,
                    mt.starts_at < ends,
                )
            ).scalar_one()
        )
        report.groups = found

    # ---- flow results ---------------------------------------------------------------------

    def flows(self, organisation_id: int) -> list[str]:
        """The flows with results in this organisation, by name."""
        with self.db.connect() as conn:
            return list(
                conn.execute(
                    select(flow_results.c.flow)
                    .where(flow_results.c.organisation_id == organisation_id)
                    .distinct()
                    .order_by(flow_results.c.flow)
                ).scalars()
            )

    def flow_results(
        self, organisation: OrganisationRef, flow: str, period: Period
    ) -> Iterator[FlowAnswer]:
        """Every answer to ``flow``'s questions in the period, oldest first, each person
        under a pseudonym that is the same throughout this export and means nothing outside
        it (a keyed hash of her id and the export's parameters)."""
        salt = f"{organisation.id}|{flow}|{period.start}|{period.end}|".encode()
        query = (
            select(
                flow_results.c.person_id,
                flow_results.c.flow,
                flow_results.c.node,
                flow_results.c.answer,
                flow_results.c.answered_at,
            )
            .where(
                flow_results.c.organisation_id == organisation.id,
                flow_results.c.flow == flow,
                flow_results.c.answered_at >= period.starts_at,
                flow_results.c.answered_at < period.ends_before,
            )
            .order_by(flow_results.c.answered_at, flow_results.c.id)
        )
        with self.db.connect() as conn:
            rows = conn.execute(query).all()
        for person_id, flow_id, node, answer, answered_at in rows:
            digest = hmac.new(self._pseudonym_key, salt + str(person_id).encode(), hashlib.sha256)
            yield FlowAnswer(digest.hexdigest()[:12], flow_id, node, answer, answered_at)


def _ranked(counter: Counter[str]) -> list[Row]:
    """Rows by count, largest first (ties by key)."""
    return [Row(key, count) for key, count in sorted(counter.items(), key=lambda i: (-i[1], i[0]))]


def _bucket(status: str, delivery: str | None) -> str:
    """What became of one broadcast message, by the platform's word where there is one."""
    if delivery == "read":
        return "read"
    if delivery == "delivered":
        return "delivered"
    if status == "failed" or delivery in ("failed", "undelivered"):
        return "failed"
    if status == "sent":
        return "sent"
    return "not_sent"


__all__ = [
    "REACH",
    "SMALL",
    "SMALL_LABEL",
    "FlowAnswer",
    "OrganisationRef",
    "Reach",
    "Report",
    "ReportError",
    "ReportService",
    "Requests",
    "Row",
    "Sessions",
    "rate",
    "shown",
]
