"""The matching service behind the staff page, ``twc mentors`` and the automatic proposals.

Reads the core tables the other parts of the feature write (``mentor_profiles``,
``mentoring_requests``, ``mentor_matches``), ranks with :mod:`.ranking` and proposes with
:func:`.proposals.propose` (which asks the mentor).  Every read and write is scoped to the
caller's organisations (a staff member's memberships, or the operator at the command line):
another organisation's request, mentor or match is answered exactly like an id nobody has.
Every change is audit-logged with ids only.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, func, insert, select, update

from bot.db.tables import (
    mentor_matches,
    mentor_profiles,
    mentoring_requests,
    mentoring_settings,
    organisations,
    people,
)
from bot.features.mentoring import proposals, ranking, states
from bot.staff.audit import record

#: How many suggestions the page shows per waiting request.
SHOWN_SUGGESTIONS = 3
#: How many waiting requests the page ranks and shows (longest waiting first); the count
#: says how many more wait.  Ranking is per request over every mentor, so a district with
#: thousands waiting would otherwise make every page view slow.
SHOWN_REQUESTS = 50
#: The threshold an organisation starts with (as the table's default).
DEFAULT_THRESHOLD = 0.6


class Scope(Protocol):
    """Who acts: a staff member (:class:`bot.staff.principal.StaffUser`) or the operator."""

    @property
    def organisation_ids(self) -> frozenset[int]: ...

    @property
    def actor(self) -> str: ...


class NotFoundError(LookupError):
    """No such request, mentor or match among the caller's organisations."""


class MatchingError(ValueError):
    """The change cannot be made now; ``code`` names why (translated on the page)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


@dataclass(frozen=True, slots=True)
class MentorRow:
    person_id: int
    organisation_id: int
    name: str
    town: str | None
    languages: tuple[str, ...]
    topics: tuple[str, ...]
    availability: tuple[str, ...]
    capacity: int
    mentees: int
    status: str
    paused_until: datetime | None

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.mentees)


@dataclass(frozen=True, slots=True)
class SuggestionRow:
    mentor: MentorRow
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WaitingRow:
    request_id: int
    organisation_id: int
    person_id: int
    name: str
    town: str | None
    language: str | None
    topics: tuple[str, ...]
    waiting_since: datetime
    waiting_days: int
    suggestions: tuple[SuggestionRow, ...]


@dataclass(frozen=True, slots=True)
class MatchRow:
    match_id: int
    request_id: int
    organisation_id: int
    status: str
    mentor_id: int
    mentor_name: str
    participant_id: int
    participant_name: str
    proposed_by: str
    proposed_at: datetime
    asked_at: datetime | None
    reminded_at: datetime | None
    started_at: datetime | None
    last_contact_at: datetime | None
    met_at: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    declined_by: str | None
    decline_reason: str | None
    mentor_rating: int | None
    participant_rating: int | None
    score: float
    reasons: tuple[str, ...]
    quiet: bool
    """Active, and nobody used it for :data:`states.QUIET_MATCH_DAYS` days."""

    @property
    def asked_side(self) -> str | None:
        return {
            states.ASKING_MENTOR: states.MENTOR,
            states.ASKING_PARTICIPANT: states.PARTICIPANT,
        }.get(self.status)


@dataclass(frozen=True, slots=True)
class OrgSettings:
    organisation_id: int
    name: str
    auto_propose: bool
    threshold: float


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything the page shows, each list scoped to the caller's organisations."""

    mentors: tuple[MentorRow, ...]
    waiting: tuple[WaitingRow, ...]
    """The longest waiting (at most :data:`SHOWN_REQUESTS`), with suggestions."""
    waiting_total: int
    in_flight: tuple[MatchRow, ...]
    active: tuple[MatchRow, ...]
    ended: tuple[MatchRow, ...]
    settings: tuple[OrgSettings, ...]


# ---- reading (connection level: shared by the service and the periodic job) -------------------


def _name(value: str | None) -> str:
    return (value or "").strip()


def mentor_rows(conn: Connection, organisation_ids: Collection[int]) -> list[MentorRow]:
    """The organisations' mentors with a profile (any status), with their live matches."""
    live = (
        select(mentor_matches.c.mentor_id, func.count().label("n"))
        .where(mentor_matches.c.status.in_(states.LIVE))
        .group_by(mentor_matches.c.mentor_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            mentor_profiles,
            people.c.display_name,
            people.c.town,
            func.coalesce(live.c.n, 0).label("mentees"),
        )
        .join(people, people.c.id == mentor_profiles.c.person_id)
        .outerjoin(live, live.c.mentor_id == mentor_profiles.c.person_id)
        .where(
            mentor_profiles.c.organisation_id.in_(organisation_ids),
            people.c.role == "mentor",
            people.c.status == "active",
        )
    ).all()
    found = [
        MentorRow(
            person_id=r.person_id,
            organisation_id=r.organisation_id,
            name=_name(r.display_name),
            town=r.town,
            languages=tuple(r.languages or ()),
            topics=tuple(r.topics or ()),
            availability=tuple(r.availability or ()),
            capacity=int(r.capacity),
            mentees=int(r.mentees),
            status=r.status,
            paused_until=r.paused_until,
        )
        for r in rows
    ]
    return sorted(found, key=lambda m: (m.name.casefold(), m.person_id))


def _waiting_requests(
    conn: Connection, organisation_ids: Collection[int], request_id: int | None = None
) -> list[tuple[ranking.Request, int, str]]:
    query = (
        select(
            mentoring_requests.c.id,
            mentoring_requests.c.organisation_id,
            mentoring_requests.c.person_id,
            mentoring_requests.c.language,
            mentoring_requests.c.topics,
            mentoring_requests.c.created_at,
            people.c.language.label("own_language"),
            people.c.town,
            people.c.display_name,
        )
        .join(people, people.c.id == mentoring_requests.c.person_id)
        .where(
            mentoring_requests.c.organisation_id.in_(organisation_ids),
            mentoring_requests.c.status == states.WAITING,
            people.c.status == "active",
        )
    )
    if request_id is not None:
        query = query.where(mentoring_requests.c.id == request_id)
    return [
        (
            ranking.Request(
                request_id=r.id,
                person_id=r.person_id,
                language=r.language,
                own_language=r.own_language,
                topics=tuple(r.topics or ()),
                town=r.town,
                waiting_since=r.created_at,
            ),
            r.organisation_id,
            _name(r.display_name),
        )
        for r in conn.execute(query).all()
    ]


def _proposed_before(conn: Connection, request_ids: Iterable[int]) -> dict[int, set[int]]:
    """Per request, every mentor ever proposed for it (never suggested again)."""
    ids = list(request_ids)
    found: dict[int, set[int]] = {i: set() for i in ids}
    if not ids:
        return found
    for request_id, mentor_id in conn.execute(
        select(mentor_matches.c.request_id, mentor_matches.c.mentor_id).where(
            mentor_matches.c.request_id.in_(ids)
        )
    ).all():
        found[request_id].add(mentor_id)
    return found


def _as_ranked(m: MentorRow) -> ranking.Mentor:
    return ranking.Mentor(
        person_id=m.person_id,
        languages=m.languages,
        topics=m.topics,
        town=m.town,
        capacity=m.capacity,
        mentees=m.mentees,
        status=m.status,
        paused_until=m.paused_until,
    )


def waiting_rows(
    conn: Connection,
    organisation_ids: Collection[int],
    now: datetime,
    limit: int | None = SHOWN_SUGGESTIONS,
    request_id: int | None = None,
    requests_limit: int | None = None,
) -> list[WaitingRow]:
    """The waiting requests, longest waiting first (the first ``requests_limit``), each with
    its ranked suggestions."""
    mentors = mentor_rows(conn, organisation_ids)
    by_org: dict[int, list[MentorRow]] = {}
    for m in mentors:
        by_org.setdefault(m.organisation_id, []).append(m)
    requests = _waiting_requests(conn, organisation_ids, request_id)
    ordered = ranking.longest_waiting_first([r for r, _org, _name in requests])
    if requests_limit is not None:
        ordered = ordered[:requests_limit]
    before = _proposed_before(conn, (r.request_id for r in ordered))
    org_of = {r.request_id: (org, name) for r, org, name in requests}
    rows: list[WaitingRow] = []
    for r in ordered:
        org, name = org_of[r.request_id]
        pool = {m.person_id: m for m in by_org.get(org, [])}
        ranked = ranking.suggest(
            r, (_as_ranked(m) for m in pool.values()), before[r.request_id], now, limit
        )
        rows.append(
            WaitingRow(
                request_id=r.request_id,
                organisation_id=org,
                person_id=r.person_id,
                name=name,
                town=r.town,
                language=r.language,
                topics=r.topics,
                waiting_since=r.waiting_since,
                waiting_days=max(0, (now - r.waiting_since).days),
                suggestions=tuple(
                    SuggestionRow(pool[s.mentor_id], s.score, s.reasons) for s in ranked
                ),
            )
        )
    return rows


def match_rows(
    conn: Connection, organisation_ids: Collection[int], statuses: Collection[str], now: datetime
) -> list[MatchRow]:
    """The organisations' matches in these states, newest first."""
    mentor = people.alias("mentor")
    participant = people.alias("participant")
    rows = conn.execute(
        select(
            mentor_matches,
            mentor.c.display_name.label("mentor_name"),
            participant.c.display_name.label("participant_name"),
        )
        .join(mentor, mentor.c.id == mentor_matches.c.mentor_id)
        .join(participant, participant.c.id == mentor_matches.c.participant_id)
        .where(
            mentor_matches.c.organisation_id.in_(organisation_ids),
            mentor_matches.c.status.in_(statuses),
        )
        .order_by(mentor_matches.c.proposed_at.desc(), mentor_matches.c.id.desc())
    ).all()
    quiet_before = now - timedelta(days=states.QUIET_MATCH_DAYS)
    return [
        MatchRow(
            match_id=r.id,
            request_id=r.request_id,
            organisation_id=r.organisation_id,
            status=r.status,
            mentor_id=r.mentor_id,
            mentor_name=_name(r.mentor_name),
            participant_id=r.participant_id,
            participant_name=_name(r.participant_name),
            proposed_by=r.proposed_by,
            proposed_at=r.proposed_at,
            asked_at=r.asked_at,
            reminded_at=r.reminded_at,
            started_at=r.started_at,
            last_contact_at=r.last_contact_at,
            met_at=r.met_at,
            ended_at=r.ended_at,
            ended_by=r.ended_by,
            declined_by=r.declined_by,
            decline_reason=r.decline_reason,
            mentor_rating=r.mentor_rating,
            participant_rating=r.participant_rating,
            score=float(r.score or 0.0),
            reasons=tuple(r.reasons or ()),
            quiet=r.status == states.ACTIVE
            and (r.last_contact_at or r.started_at or r.proposed_at) <= quiet_before,
        )
        for r in rows
    ]


def settings_rows(conn: Connection, organisation_ids: Collection[int]) -> list[OrgSettings]:
    """Each organisation's automatic-proposal switch (the default where none was saved)."""
    rows = conn.execute(
        select(
            organisations.c.id,
            organisations.c.name,
            mentoring_settings.c.auto_propose,
            mentoring_settings.c.threshold,
        )
        .outerjoin(mentoring_settings, mentoring_settings.c.organisation_id == organisations.c.id)
        .where(organisations.c.id.in_(organisation_ids))
        .order_by(organisations.c.name)
    ).all()
    return [
        OrgSettings(
            r.id,
            r.name,
            bool(r.auto_propose),
            DEFAULT_THRESHOLD if r.threshold is None else float(r.threshold),
        )
        for r in rows
    ]


# ---- automatic proposals -----------------------------------------------------------------------


def propose_automatically(conn: Connection, now: datetime) -> int:
    """For each organisation that switched it on: propose the best suggestion at or above its
    threshold for each waiting request, longest waiting first.  A mentor proposed in this run
    has a place less for the next request (counted here, as the ranking was read before);
    a request none fits waits for the next run.  Returns how many were proposed."""
    chosen = [s for s in settings_rows(conn, _all_orgs(conn)) if s.auto_propose]
    made = 0
    for org in chosen:
        taken: dict[int, int] = {}
        for row in waiting_rows(conn, {org.organisation_id}, now, limit=None):
            best = next(
                (
                    s
                    for s in row.suggestions
                    if s.score >= org.threshold
                    and s.mentor.mentees + taken.get(s.mentor.person_id, 0) < s.mentor.capacity
                ),
                None,
            )
            if best is None:
                continue
            try:
                with conn.begin_nested():
                    match_id = proposals.propose(
                        conn,
                        request_id=row.request_id,
                        mentor_id=best.mentor.person_id,
                        proposed_by="auto",
                        now=now,
                        score=best.score,
                        reasons=best.reasons,
                    )
            except proposals.ProposalError:
                continue  # changed meanwhile (answered, paused): the next run looks again
            taken[best.mentor.person_id] = taken.get(best.mentor.person_id, 0) + 1
            record(
                conn,
                now,
                "auto",
                "mentoring.propose",
                _details(match_id, best.mentor.person_id, row.person_id),
                org.organisation_id,
            )
            made += 1
    return made


def _details(match_id: int, mentor_id: int, participant_id: int) -> dict[str, Any]:
    """An audit entry's details: the match and the two women as ``people`` (so that erasing
    one removes her id: ``bot.erasure.ACTIONS_LISTING_PEOPLE``)."""
    return {"match": match_id, "people": [mentor_id, participant_id]}


def _count_waiting(conn: Connection, organisation_ids: Collection[int]) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(mentoring_requests)
            .join(people, people.c.id == mentoring_requests.c.person_id)
            .where(
                mentoring_requests.c.organisation_id.in_(organisation_ids),
                mentoring_requests.c.status == states.WAITING,
                people.c.status == "active",
            )
        ).scalar_one()
    )


def _all_orgs(conn: Connection) -> frozenset[int]:
    return frozenset(int(i) for i in conn.execute(select(organisations.c.id)).scalars())


# ---- the service --------------------------------------------------------------------------------


class MatchingService:
    """What staff and the operator do: read the lists, propose, take back, end, settings."""

    def __init__(self, db: Engine, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def overview(self, scope: Scope) -> Overview:
        now = self.clock()
        orgs = scope.organisation_ids
        with self.db.connect() as conn:
            return Overview(
                mentors=tuple(mentor_rows(conn, orgs)),
                waiting=tuple(waiting_rows(conn, orgs, now, requests_limit=SHOWN_REQUESTS)),
                waiting_total=_count_waiting(conn, orgs),
                in_flight=tuple(match_rows(conn, orgs, states.IN_FLIGHT, now)),
                active=tuple(match_rows(conn, orgs, (states.ACTIVE,), now)),
                ended=tuple(
                    match_rows(
                        conn,
                        orgs,
                        (states.ENDED, states.DECLINED, states.LAPSED, states.TAKEN_BACK),
                        now,
                    )
                ),
                settings=tuple(settings_rows(conn, orgs)),
            )

    def mentors(self, scope: Scope) -> list[MentorRow]:
        with self.db.connect() as conn:
            return mentor_rows(conn, scope.organisation_ids)

    def waiting(self, scope: Scope, limit: int | None = SHOWN_SUGGESTIONS) -> list[WaitingRow]:
        with self.db.connect() as conn:
            return waiting_rows(conn, scope.organisation_ids, self.clock(), limit)

    def suggestions(self, scope: Scope, request_id: int) -> WaitingRow:
        """One waiting request with every eligible mentor ranked."""
        with self.db.connect() as conn:
            self._request_org(conn, scope, request_id)
            rows = waiting_rows(
                conn, scope.organisation_ids, self.clock(), None, request_id=request_id
            )
        if not rows:
            raise MatchingError("not_waiting")
        return rows[0]

    def matches(self, scope: Scope, statuses: Collection[str]) -> list[MatchRow]:
        with self.db.connect() as conn:
            return match_rows(conn, scope.organisation_ids, statuses, self.clock())

    def propose(self, scope: Scope, request_id: int, mentor_id: int) -> int:
        """Propose the mentor (the mentor is asked first); the ranking's score and reasons are
        stored with it, so staff later see why it was made."""
        now = self.clock()
        with self.db.begin() as conn:
            org = self._request_org(conn, scope, request_id)
            rows = waiting_rows(conn, {org}, now, None, request_id=request_id)
            found = next(
                (s for r in rows for s in r.suggestions if s.mentor.person_id == mentor_id), None
            )
            try:
                match_id = proposals.propose(
                    conn,
                    request_id=request_id,
                    mentor_id=mentor_id,
                    proposed_by=scope.actor,
                    now=now,
                    score=found.score if found else 0.0,
                    reasons=found.reasons if found else (),
                )
            except proposals.ProposalError as error:
                raise MatchingError("cannot_propose", str(error)) from error
            participant = conn.execute(
                select(mentoring_requests.c.person_id).where(mentoring_requests.c.id == request_id)
            ).scalar_one()
            record(
                conn,
                now,
                scope.actor,
                "mentoring.propose",
                _details(match_id, mentor_id, participant),
                org,
            )
        return match_id

    def take_back(self, scope: Scope, match_id: int) -> None:
        """Withdraw a proposal still in flight: the request waits again (the questions already
        scheduled are skipped when due, as the match is no longer asking)."""
        self._close(scope, match_id, states.IN_FLIGHT, states.TAKEN_BACK, states.WAITING)

    def end(self, scope: Scope, match_id: int) -> None:
        """End a running match as staff (e.g. after a reported problem): the request closes."""
        self._close(scope, match_id, (states.ACTIVE,), states.ENDED, states.CLOSED)

    def _close(
        self,
        scope: Scope,
        match_id: int,
        allowed: Collection[str],
        to: str,
        request_to: str,
    ) -> None:
        now = self.clock()
        with self.db.begin() as conn:
            row = conn.execute(
                select(
                    mentor_matches.c.request_id,
                    mentor_matches.c.organisation_id,
                    mentor_matches.c.status,
                    mentor_matches.c.mentor_id,
                    mentor_matches.c.participant_id,
                ).where(
                    mentor_matches.c.id == match_id,
                    mentor_matches.c.organisation_id.in_(scope.organisation_ids),
                )
            ).first()
            if row is None:
                raise NotFoundError(match_id)
            values: dict[str, Any] = {"status": to}
            if to == states.ENDED:
                values.update(ended_at=now, ended_by=states.STAFF)
            changed = conn.execute(
                update(mentor_matches)
                .where(mentor_matches.c.id == match_id, mentor_matches.c.status.in_(allowed))
                .values(**values)
            ).rowcount
            if not changed:
                raise MatchingError("state_changed")
            request_values: dict[str, Any] = {"status": request_to, "updated_at": now}
            if request_to == states.CLOSED:
                request_values["closed_at"] = now
            conn.execute(
                update(mentoring_requests)
                .where(
                    mentoring_requests.c.id == row.request_id,
                    mentoring_requests.c.status.in_((states.PROPOSED, states.MATCHED)),
                )
                .values(**request_values)
            )
            if to == states.ENDED:
                proposals.tell_ended(conn, match_id, row.mentor_id, row.participant_id, now)
            else:
                proposals.tell_taken_back(conn, match_id, row.mentor_id, row.status, now)
            action = "mentoring.take_back" if to == states.TAKEN_BACK else "mentoring.end"
            details = _details(match_id, row.mentor_id, row.participant_id)
            record(conn, now, scope.actor, action, details, row.organisation_id)

    def settings(self, scope: Scope) -> list[OrgSettings]:
        with self.db.connect() as conn:
            return settings_rows(conn, scope.organisation_ids)

    def save_settings(
        self, scope: Scope, organisation_id: int, auto_propose: bool, threshold: float
    ) -> None:
        """Switch automatic proposals (admins only: the caller checks the role)."""
        if organisation_id not in scope.organisation_ids:
            raise NotFoundError(organisation_id)
        if not 0.0 <= threshold <= 1.0:
            raise MatchingError("bad_threshold")
        now = self.clock()
        with self.db.begin() as conn:
            values = {"auto_propose": auto_propose, "threshold": threshold, "updated_at": now}
            changed = conn.execute(
                update(mentoring_settings)
                .where(mentoring_settings.c.organisation_id == organisation_id)
                .values(**values)
            ).rowcount
            if not changed:
                conn.execute(
                    insert(mentoring_settings).values(organisation_id=organisation_id, **values)
                )
            record(
                conn,
                now,
                scope.actor,
                "mentoring.settings",
                {"auto_propose": auto_propose, "threshold": threshold},
                organisation_id,
            )

    @staticmethod
    def _request_org(conn: Connection, scope: Scope, request_id: int) -> int:
        org = conn.execute(
            select(mentoring_requests.c.organisation_id).where(
                mentoring_requests.c.id == request_id,
                mentoring_requests.c.organisation_id.in_(scope.organisation_ids),
            )
        ).scalar()
        if org is None:
            raise NotFoundError(request_id)
        return int(org)


__all__ = [
    "MatchRow",
    "MatchingError",
    "MatchingService",
    "MentorRow",
    "NotFoundError",
    "OrgSettings",
    "Overview",
    "Scope",
    "SuggestionRow",
    "WaitingRow",
    "match_rows",
    "mentor_rows",
    "propose_automatically",
    "waiting_rows",
]
