"""The mentoring counts of the report (page, CSV and ``twc reports summary`` share them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, update

from bot.db.tables import mentor_matches, mentor_profiles, mentoring_requests
from bot.features.reports.export import report_csv
from bot.features.reports.period import between
from bot.features.reports.service import ReportService
from bot.features.reports.view import sections
from bot.runtime import Runtime
from bot.web.staff.i18n import StaffCatalogs
from tests.auxil.mentoring_staff import add_mentor, add_request, add_woman
from tests.auxil.staff import organisation_id

OCT = datetime(2026, 10, 10, 12, tzinfo=UTC)


def _match(runtime: Runtime, org: int, request: int, woman: int, mentor: int, **kw: Any) -> None:
    values = {
        "organisation_id": org,
        "request_id": request,
        "participant_id": woman,
        "mentor_id": mentor,
        "proposed_by": "auto",
        "proposed_at": OCT,
    }
    values.update(kw)
    with runtime.db.begin() as conn:
        conn.execute(insert(mentor_matches).values(**values))


def test_mentoring_counts_for_october(runtime: Runtime) -> None:
    org = organisation_id(runtime)
    now = runtime.clock()  # 30 November
    # The two demo mentors (Anna, Leyla) have profiles; one more, paused; one retired.
    paused = add_mentor(runtime.db, org, "Paula", OCT, paused_until=now + timedelta(days=5))
    retired = add_mentor(runtime.db, org, "Rita", OCT)
    with runtime.db.begin() as conn:
        conn.execute(
            update(mentor_profiles)
            .where(mentor_profiles.c.person_id == retired)
            .values(status="retired")
        )
    mentor = add_mentor(runtime.db, org, "Nadia", OCT, capacity=3)
    add_request(runtime.db, org, "Waits", now - timedelta(days=2))  # made in November
    women = [add_request(runtime.db, org, f"W{i}", OCT) for i in range(6)]
    for index, (woman, request) in enumerate(women):
        status, extra = [
            ("declined", {"declined_by": "mentor"}),
            ("lapsed", {}),
            ("active", {"started_at": OCT + timedelta(days=2)}),
            (
                "ended",
                {
                    "started_at": OCT,
                    "ended_at": OCT + timedelta(days=5),
                    "mentor_rating": 4,
                    "participant_rating": 3,
                },
            ),
            ("asking_mentor", {}),
            (
                "ended",  # ended in November: running at the end of October
                {"started_at": OCT, "ended_at": now - timedelta(days=1), "mentor_rating": 1},
            ),
        ][index]
        _match(
            runtime, org, request, woman, mentor if index != 1 else paused, status=status, **extra
        )
    with runtime.db.begin() as conn:  # the first request waits again after the decline
        conn.execute(
            update(mentoring_requests)
            .where(mentoring_requests.c.id == women[0][1])
            .values(status="waiting")
        )
        for _woman, request in women[1:]:
            conn.execute(
                update(mentoring_requests)
                .where(mentoring_requests.c.id == request)
                .values(status="proposed")
            )
    add_woman(runtime.db, org, "Nobody", OCT)  # no request: counts nowhere

    service = ReportService(runtime.db, runtime.settings.secret_key)
    report = service.report(
        service.organisation(org),
        between(datetime(2026, 10, 1).date(), datetime(2026, 10, 31).date(), "Europe/Berlin"),
        now,
    )
    m = report.mentoring
    assert (m.mentors_active, m.mentors_paused) == (3, 1)  # Anna, Leyla, Nadia; Paula
    assert m.waiting == 2  # the declined one waits again, and November's
    assert m.requested == 6
    assert (m.proposed, m.accepted, m.declined, m.lapsed) == (6, 3, 1, 1)
    assert m.running == 2  # W2 and W5 (ended only in November)
    assert m.ended == 1
    assert m.ratings == [4, 3] and m.average_rating is None  # fewer than five answers

    _ = StaffCatalogs.load().gettext("en")
    (section,) = [s for s in sections(report, "en", _) if s.key == "mentoring"]
    rows = dict(section.rows)
    assert rows["Proposals in the period"] == "6"
    assert rows["Of these, accepted by both"] == "< 5"
    assert rows["Was it helpful? Average (1 to 4)"] == "—"
    assert "Women waiting for a mentor now" in report_csv(report, "en", _)


def test_the_average_rating_from_five_answers_in_the_readers_numbers() -> None:
    from bot.features.reports.period import between as period
    from bot.features.reports.service import Mentoring, Report

    report = Report(
        1, "x", period(datetime(2026, 10, 1).date(), datetime(2026, 10, 31).date(), "UTC"), OCT
    )
    report.mentoring = Mentoring(ratings=[4, 3, 4, 2, 3])
    assert report.mentoring.average_rating == 3.2
    _ = StaffCatalogs.load().gettext("de")
    (section,) = [s for s in sections(report, "de", _) if s.key == "mentoring"]
    assert dict(section.rows)["War es hilfreich? Durchschnitt (1 bis 4)"] == "3,2"
