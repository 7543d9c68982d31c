"""Everything stored about one person, read from the database in one go.

The one place that knows which tables hold something about her, so that "my data", its export
and ``twc people export`` can never disagree.  Consents are read generically (every column but
the row ids), so a consent record that gains columns (per purpose, withdrawal, a wording hash)
shows up without a change here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from bot.db.tables import (
    activity_days,
    attendance,
    attendance_marks,
    broadcast_exclusions,
    consent_wordings,
    consents,
    courses,
    enrolments,
    flow_results,
    identities,
    inbox_messages,
    inbox_threads,
    job_notices,
    job_offers,
    job_profiles,
    media,
    mentor_matches,
    mentor_profiles,
    mentoring_requests,
    nudges,
    organisations,
    outbox,
    people,
    sessions,
    states,
)


@dataclass(frozen=True, slots=True)
class Channel:
    """One way we reach her: the platform and her address there."""

    channel: str
    address: str
    status: str
    created_at: datetime
    last_inbound_at: datetime | None


@dataclass(frozen=True, slots=True)
class Enrolled:
    """A course she is enrolled in, with its next planned session (if any)."""

    course_id: int
    code: str
    title: dict[str, str]
    enrolled_at: datetime
    next_session: datetime | None
    next_place: str | None


@dataclass(frozen=True, slots=True)
class Answer:
    """What she said about one session: coming or not (and why), and her feedback after it."""

    session_id: int
    starts_at: datetime
    course_title: dict[str, str]
    intention: str
    reason: str | None
    answered_at: datetime
    feedback: int | None
    feedback_at: datetime | None


@dataclass(frozen=True, slots=True)
class Mark:
    """Whether she was at a session, as the team marked it afterwards."""

    session_id: int
    starts_at: datetime
    course_title: dict[str, str]
    present: bool
    marked_at: datetime


@dataclass(frozen=True, slots=True)
class Request:
    """A question she sent to the team."""

    created_at: datetime
    status: str
    language: str | None
    text: str


@dataclass(frozen=True, slots=True)
class MentoringRequest:
    """She asked for a mentor: what about, in which language, since when, how it stands."""

    created_at: datetime
    status: str
    topics: list[str]
    language: str | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class JobNoticeSeen:
    """A job offer we told her about: its title and town, when, her answer, and what the
    team recorded (in the export only: it is about her, and never shown to anyone else)."""

    title: dict[str, str]
    town: str
    sent_at: datetime
    status: str
    answered_at: datetime | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class Introduction:
    """An introduction she was part of, as mentor or participant (nothing about the other
    woman: her side only)."""

    role: str
    status: str
    proposed_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    rating: int | None


@dataclass(frozen=True, slots=True)
class MediaItem:
    """A file she sent (only its kind and the platform's link are stored)."""

    channel: str
    kind: str
    content_type: str
    url: str
    received_at: datetime


@dataclass(slots=True)
class PersonalData:
    """Everything stored about one person."""

    person_id: int
    organisation: dict[str, Any]
    profile: dict[str, Any]
    channels: list[Channel] = field(default_factory=list)
    courses: list[Enrolled] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    """The team's marks "there" / "not there" after sessions (``attendance_marks``)."""
    consents: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    media: list[MediaItem] = field(default_factory=list)
    conversation: dict[str, Any] | None = None
    scheduled: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[str, int] = field(default_factory=dict)
    """Messages to her in the outbox, counted by status (their texts are on her phone)."""
    left_out_of_broadcasts: list[dict[str, Any]] = field(default_factory=list)
    activity_days: list[date] = field(default_factory=list)
    """The days she wrote to the bot (only the date: the reports count who was active)."""
    flow_results: list[dict[str, Any]] = field(default_factory=list)
    """Her answers to choice questions (flow, question, the choice's id, when), for reports."""
    mentor_profile: dict[str, Any] | None = None
    """What she told us as a mentor (languages, topics, time, how many women, pause)."""
    mentoring_requests: list[MentoringRequest] = field(default_factory=list)
    introductions: list[Introduction] = field(default_factory=list)
    job_answers: dict[str, Any] | None = None
    """What she told us for job offers (German, hours a week, how far she travels)."""
    job_notices: list[JobNoticeSeen] = field(default_factory=list)

    def media_counts(self) -> dict[str, int]:
        """How many files of each kind she sent."""
        return dict(Counter(item.kind for item in self.media))


def gather(conn: Connection, person_id: int, now: datetime) -> PersonalData | None:
    """Everything stored about ``person_id`` (``None`` if there is no such person)."""
    person = conn.execute(select(people).where(people.c.id == person_id)).mappings().first()
    if person is None:
        return None
    organisation = (
        conn.execute(
            select(
                organisations.c.slug,
                organisations.c.name,
                organisations.c.timezone,
                organisations.c.default_language,
            ).where(organisations.c.id == person["organisation_id"])
        )
        .mappings()
        .one()
    )
    profile = {
        key: person[key]
        for key in person.keys()  # noqa: SIM118 - a RowMapping, not a dict
        if key not in ("id", "organisation_id")
    }
    data = PersonalData(person_id, dict(organisation), profile)
    data.channels = [
        Channel(r.channel, r.address or "", r.status, r.created_at, r.last_inbound_at)
        for r in conn.execute(
            select(identities).where(identities.c.person_id == person_id).order_by(identities.c.id)
        )
    ]
    data.courses = _courses(conn, person_id, now)
    data.answers = [
        Answer(
            r.session_id,
            r.starts_at,
            dict(r.title or {}),
            r.intention,
            r.reason,
            r.answered_at,
            r.feedback,
            r.feedback_at,
        )
        for r in conn.execute(
            select(
                attendance.c.session_id,
                sessions.c.starts_at,
                courses.c.title,
                attendance.c.intention,
                attendance.c.reason,
                attendance.c.answered_at,
                attendance.c.feedback,
                attendance.c.feedback_at,
            )
            .join(sessions, sessions.c.id == attendance.c.session_id)
            .join(courses, courses.c.id == sessions.c.course_id)
            .where(attendance.c.person_id == person_id)
            .order_by(sessions.c.starts_at)
        )
    ]
    data.marks = [
        Mark(r.session_id, r.starts_at, dict(r.title or {}), bool(r.present), r.marked_at)
        for r in conn.execute(
            select(
                attendance_marks.c.session_id,
                sessions.c.starts_at,
                courses.c.title,
                attendance_marks.c.present,
                attendance_marks.c.marked_at,
            )
            .join(sessions, sessions.c.id == attendance_marks.c.session_id)
            .join(courses, courses.c.id == sessions.c.course_id)
            .where(attendance_marks.c.person_id == person_id)
            .order_by(sessions.c.starts_at)
        )
    ]
    # Each consent with the exact words she agreed to (kept once per wording hash).
    data.consents = [
        {key: row[key] for key in row.keys() if key not in ("id", "person_id")}  # noqa: SIM118
        for row in conn.execute(
            select(consents, consent_wordings.c.text.label("wording"))
            .outerjoin(
                consent_wordings,
                (consent_wordings.c.hash == consents.c.wording_version)
                & (consent_wordings.c.language == consents.c.language),
            )
            .where(consents.c.person_id == person_id)
            .order_by(consents.c.id)
        ).mappings()
    ]
    # What she wrote to the team (the inbox): her messages, with their conversation's status.
    data.requests = [
        Request(
            r.created_at,
            r.status,
            r.language,
            r.text or (r.media_kind and f"[{r.media_kind}]") or "",
        )
        for r in conn.execute(
            select(
                inbox_messages.c.created_at,
                inbox_messages.c.text,
                inbox_messages.c.media_kind,
                inbox_threads.c.status,
                inbox_threads.c.language,
            )
            .join(inbox_threads, inbox_threads.c.id == inbox_messages.c.thread_id)
            .where(inbox_messages.c.person_id == person_id, inbox_messages.c.direction == "in")
            .order_by(inbox_messages.c.id)
        )
    ]
    data.media = [
        MediaItem(r.channel, r.kind, r.content_type, r.url or "", r.received_at)
        for r in conn.execute(
            select(media).where(media.c.person_id == person_id).order_by(media.c.id)
        )
    ]
    state = conn.execute(select(states).where(states.c.person_id == person_id)).mappings().first()
    if state is not None:
        data.conversation = {
            "flow": state["flow"],
            "node": state["node"],
            "updated_at": state["updated_at"],
        }
    data.scheduled = [
        {"kind": r.kind, "due_at": r.due_at, "status": r.status}
        for r in conn.execute(
            select(nudges.c.kind, nudges.c.due_at, nudges.c.status)
            .where(nudges.c.person_id == person_id, nudges.c.status == "pending")
            .order_by(nudges.c.due_at)
        )
    ]
    data.messages = {
        str(status): int(count)
        for status, count in conn.execute(
            select(outbox.c.status, func.count())
            .where(outbox.c.person_id == person_id)
            .group_by(outbox.c.status)
        )
    }
    data.left_out_of_broadcasts = [
        {"broadcast_id": r.broadcast_id, "reason": r.reason}
        for r in conn.execute(
            select(broadcast_exclusions.c.broadcast_id, broadcast_exclusions.c.reason).where(
                broadcast_exclusions.c.person_id == person_id
            )
        )
    ]
    data.activity_days = list(
        conn.execute(
            select(activity_days.c.day)
            .where(activity_days.c.person_id == person_id)
            .order_by(activity_days.c.day)
        ).scalars()
    )
    data.flow_results = [
        {"flow": r.flow, "question": r.node, "answer": r.answer, "answered_at": r.answered_at}
        for r in conn.execute(
            select(
                flow_results.c.flow,
                flow_results.c.node,
                flow_results.c.answer,
                flow_results.c.answered_at,
            )
            .where(flow_results.c.person_id == person_id)
            .order_by(flow_results.c.id)
        )
    ]
    _mentoring(conn, data)
    _jobs(conn, data)
    return data


def _jobs(conn: Connection, data: PersonalData) -> None:
    """Her answers for job offers and the offers we told her about."""
    person_id = data.person_id
    data.job_answers = conn.execute(
        select(job_profiles.c.answers).where(job_profiles.c.person_id == person_id)
    ).scalar()
    data.job_notices = [
        JobNoticeSeen(
            dict(r.title or {}), r.town or "", r.sent_at, r.status, r.answered_at, r.outcome
        )
        for r in conn.execute(
            select(
                job_offers.c.title,
                job_offers.c.town,
                job_notices.c.sent_at,
                job_notices.c.status,
                job_notices.c.answered_at,
                job_notices.c.outcome,
            )
            .join(job_offers, job_offers.c.id == job_notices.c.offer_id)
            .where(job_notices.c.person_id == person_id)
            .order_by(job_notices.c.id)
        )
    ]


def _mentoring(conn: Connection, data: PersonalData) -> None:
    """Her mentor profile, her requests for a mentor, and her side of each introduction."""
    person_id = data.person_id
    profile = (
        conn.execute(select(mentor_profiles).where(mentor_profiles.c.person_id == person_id))
        .mappings()
        .first()
    )
    if profile is not None:
        data.mentor_profile = {
            key: profile[key]
            for key in profile.keys()  # noqa: SIM118 - a RowMapping, not a dict
            if key not in ("person_id", "organisation_id")
        }
    data.mentoring_requests = [
        MentoringRequest(r.created_at, r.status, list(r.topics or []), r.language, r.closed_at)
        for r in conn.execute(
            select(mentoring_requests)
            .where(mentoring_requests.c.person_id == person_id)
            .order_by(mentoring_requests.c.id)
        )
    ]
    matches = mentor_matches.c
    data.introductions = [
        Introduction(
            "mentor" if r.mentor_id == person_id else "participant",
            r.status,
            r.proposed_at,
            r.started_at,
            r.ended_at,
            r.mentor_rating if r.mentor_id == person_id else r.participant_rating,
        )
        for r in conn.execute(
            select(mentor_matches)
            .where((matches.mentor_id == person_id) | (matches.participant_id == person_id))
            .order_by(matches.id)
        )
    ]


def _courses(conn: Connection, person_id: int, now: datetime) -> list[Enrolled]:
    """Her courses with each one's next planned session."""
    found = []
    rows = conn.execute(
        select(courses.c.id, courses.c.code, courses.c.title, enrolments.c.created_at)
        .join(enrolments, enrolments.c.course_id == courses.c.id)
        .where(enrolments.c.person_id == person_id)
        .order_by(enrolments.c.id)
    ).all()
    for course_id, code, title, enrolled_at in rows:
        upcoming = conn.execute(
            select(sessions.c.starts_at, sessions.c.place)
            .where(
                sessions.c.course_id == course_id,
                sessions.c.starts_at >= now,
                sessions.c.status != "cancelled",
            )
            .order_by(sessions.c.starts_at)
            .limit(1)
        ).first()
        found.append(
            Enrolled(
                course_id,
                code,
                dict(title or {}),
                enrolled_at,
                upcoming.starts_at if upcoming else None,
                upcoming.place if upcoming else None,
            )
        )
    return found


__all__ = [
    "Answer",
    "Channel",
    "Enrolled",
    "Introduction",
    "JobNoticeSeen",
    "MediaItem",
    "MentoringRequest",
    "PersonalData",
    "Request",
    "gather",
]


def _sent(media_kind: str | None) -> str:
    """A message that was a file: what kind (``[voice]``)."""
    return f"[{media_kind}]" if media_kind else ""
