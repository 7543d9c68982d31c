"""The groups' counts of the report (page, CSV and ``twc reports summary`` share them):
active and new groups, women in a group, who joined, meetups held, groups with no meetup
for two months; never a name."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from bot.db.tables import meetups
from bot.features.reports.export import report_csv
from bot.features.reports.period import between
from bot.features.reports.service import ReportService
from bot.features.reports.view import sections
from bot.runtime import Runtime
from bot.web.staff.i18n import StaffCatalogs
from tests.auxil.groups import add_group, add_member
from tests.auxil.people import add_person
from tests.auxil.staff import organisation_id

OCT = datetime(2026, 10, 10, 12, tzinfo=UTC)
OCTOBER = between(date(2026, 10, 1), date(2026, 10, 31), "Europe/Berlin")


def test_group_counts_of_october(runtime: Runtime) -> None:
    org = organisation_id(runtime, "vnb-nienburg")
    now = datetime(2026, 11, 30, 9, tzinfo=UTC)
    cafe = add_group(runtime, org, OCT, code="cafe")
    sewing = add_group(runtime, org, OCT - timedelta(days=90), code="sew")  # no meetup: quiet
    add_group(runtime, org, OCT, code="gone", status="closed")
    add_group(runtime, org, now, code="later")  # started in November
    women = [add_person(runtime, org, f"W{i}", OCT) for i in range(7)]
    for woman in women[:6]:
        add_member(runtime, cafe, woman, OCT + timedelta(days=1))
    add_member(runtime, sewing, women[0], OCT - timedelta(days=60))
    add_member(runtime, sewing, women[6], OCT, status="left")
    with runtime.db.begin() as conn:
        conn.execute(
            insert(meetups).values(
                group_id=cafe,
                title="Kaffee",
                status="confirmed",
                deadline=OCT,
                starts_at=OCT + timedelta(days=5),
                created_at=OCT,
                updated_at=OCT,
            )
        )

    service = ReportService(runtime.db, runtime.settings.secret_key)
    report = service.report(service.organisation(org), OCTOBER, now)
    g = report.groups
    assert (g.active_at_end, g.new) == (2, 2)  # cafe and sewing; cafe and the closed one
    assert (g.members_now, g.joined, g.meetups) == (6, 6, 1)
    assert g.quiet == 1  # the sewing group never met; the café met in October

    _ = StaffCatalogs.load().gettext("en")
    (section,) = [s for s in sections(report, "en", _) if s.key == "groups"]
    rows = dict(section.rows)
    assert rows["Women in a group (now)"] == "6"
    assert rows["Meetups in the period"] == "< 5"  # a small group is never shown exactly
    csv = report_csv(report, "en", _)
    assert "Groups" in csv and "W0" not in csv
