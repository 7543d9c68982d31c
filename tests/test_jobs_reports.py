"""The job-offer counts of the report (page, CSV and ``twc reports summary`` share them):
offers open at the end of the period, new offers, women told, answers, outcomes; no name."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from bot.db.tables import job_notices, job_offers
from bot.features.reports.export import report_csv
from bot.features.reports.period import between
from bot.features.reports.service import ReportService
from bot.features.reports.view import sections
from bot.runtime import Runtime
from bot.web.staff.i18n import StaffCatalogs
from tests.auxil.people import add_person
from tests.auxil.staff import organisation_id

OCT = datetime(2026, 10, 10, 12, tzinfo=UTC)
OCTOBER = between(date(2026, 10, 1), date(2026, 10, 31), "Europe/Berlin")


def _offer(runtime: Runtime, org: int, **kw: Any) -> int:
    values: dict[str, Any] = {
        "organisation_id": org,
        "status": "open",
        "title": {"de": "Angebot"},
        "town": "Hoya",
        "kind": "mini_job",
        "expires_on": date(2026, 12, 31),
        "created_by": "staff:1",
        "created_at": OCT,
        "updated_at": OCT,
    }
    values.update(kw)
    with runtime.db.begin() as conn:
        return int(
            conn.execute(
                insert(job_offers).values(**values).returning(job_offers.c.id)
            ).scalar_one()
        )


def test_job_counts_for_october(runtime: Runtime) -> None:
    org = organisation_id(runtime)
    now = runtime.clock()  # 30 November
    september = OCT - timedelta(days=30)
    kita = _offer(runtime, org)  # new in October, open at its end
    _offer(runtime, org, created_at=september)  # open since September
    _offer(runtime, org, created_at=september, expires_on=date(2026, 10, 20))  # expired
    _offer(runtime, org, status="closed", closed_at=OCT + timedelta(days=1))  # closed in Oct
    _offer(runtime, org, status="closed", closed_at=now)  # closed only in November: open then
    _offer(runtime, org, status="review", source="ba", external_id="1")  # waiting: not counted
    _offer(runtime, org, created_at=now)  # November

    later = _offer(runtime, org)
    women = [add_person(runtime, org, f"W{i}", OCT) for i in range(7)]
    with runtime.db.begin() as conn:
        for index, woman in enumerate(women):
            status, outcome = [
                ("interested", "invited"),
                ("interested", "applied"),
                ("interested", "invited"),
                ("interested", "invited"),
                ("interested", "invited"),
                ("interested", "invited"),
                ("not_for_me", None),
            ][index]
            conn.execute(
                insert(job_notices).values(
                    organisation_id=org,
                    person_id=woman,
                    offer_id=kita,
                    status=status,
                    sent_at=OCT,
                    answered_at=OCT + timedelta(hours=2),
                    outcome=outcome,
                    outcome_at=OCT + timedelta(days=3) if outcome else None,
                    outcome_by="staff:1" if outcome else None,
                )
            )
        conn.execute(  # told in November: not in October's report
            insert(job_notices).values(
                organisation_id=org,
                person_id=women[0],
                offer_id=later,
                sent_at=now,
            )
        )

    service = ReportService(runtime.db, runtime.settings.secret_key)
    report = service.report(service.organisation(org), OCTOBER, now)
    j = report.jobs
    assert (j.open_at_end, j.new) == (4, 4)  # open: kita, later, September's, closed in Nov.
    assert (j.women_told, j.interested, j.not_for_me) == (7, 6, 1)
    assert j.outcomes == {
        "contacted": 0,
        "applied": 1,
        "invited": 5,
        "started": 0,
        "not_suitable": 0,
    }

    _ = StaffCatalogs.load().gettext("en")
    (section,) = [s for s in sections(report, "en", _) if s.key == "jobs"]
    rows = dict(section.rows)
    assert rows["Women told about an offer"] == "7"
    assert rows["Answers “interested”"] == "6"
    assert rows["Outcome: applied"] == "< 5"  # a small group is never shown exactly
    assert rows["Outcome: invited to an interview"] == "5"
    csv = report_csv(report, "en", _)
    assert "Job offers" in csv and "Offers open at the end of the period" in csv
    assert "W0" not in csv and "W1" not in csv
