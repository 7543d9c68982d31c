"""Reports: every number of a known data set (tests/auxil/reports.py) for October 2026 in the
demo organisation's time zone, rounded to "< 5" on the page, in the chart and in the CSV;
another organisation's numbers never counted and its id a 404; flow results recorded by a
real onboarding through the simulator and exported under pseudonyms; activity days written
on inbound with one statement per batch, none for a second message the same day."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.channels.simulator.parse import parse_request
from bot.db.tables import activity_days, flow_results, people
from bot.features.my_data.export import as_json
from bot.features.my_data.gather import gather
from bot.features.reports.charts import Bar, bar_chart
from bot.features.reports.export import flow_results_csv, report_csv
from bot.features.reports.period import between, preset
from bot.features.reports.service import ReportService, shown
from bot.features.reports.view import sections
from bot.runtime import Runtime
from bot.web.staff.i18n import StaffCatalogs
from tests.auxil.clock import DEFAULT_START, FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.reports import OCTOBER, load_october
from tests.auxil.simulator import Simulator, onboard
from tests.auxil.staff import login_client, organisation_id

TZ = "Europe/Berlin"


def _report(runtime: Runtime) -> object:
    service = ReportService(runtime.db, runtime.settings.secret_key)
    org = service.organisation(organisation_id(runtime))
    return service.report(org, between(*OCTOBER, TZ), runtime.clock())


def test_every_number_of_the_known_data_set(runtime: Runtime) -> None:
    load_october(runtime)
    report = _report(runtime)

    # Consented participants by the end of October (Berlin): 6 ar, 2 fa, 1 tr (00:30 on
    # 1 October local); the Ukrainian joined at 00:30 on 1 November local; a mentor and a
    # woman who never consented are not participants; the other organisation's 7 never.
    assert report.participants == 9
    assert report.joined == 7
    assert [(r.key, r.count) for r in report.by_language] == [("ar", 6), ("fa", 2), ("tr", 1)]
    assert [(r.key, r.count) for r in report.by_town] == [
        ("Hoya", 6),
        ("Nienburg (Weser)", 2),
        ("Uchte", 1),
    ]
    assert [(r.key, r.count) for r in report.by_month] == [("2026-10", 7)]
    assert [r.shown for r in report.by_language] == ["6", "< 5", "< 5"]

    # Active: three women wrote in October (one on two days); 30 Sept and 1 Nov do not count.
    assert report.active == 3
    assert report.active_since == date(2026, 9, 30)

    s = report.sessions
    assert (s.held, s.cancelled) == (2, 1)
    assert (s.said_coming, s.said_not_coming) == (9, 1)
    assert (s.marked_sessions, s.marked, s.present) == (1, 7, 5)
    assert s.presence_rate == pytest.approx(5 / 7)
    assert (s.coming_marked, s.coming_present) == (6, 5)
    assert s.kept_word_rate == pytest.approx(5 / 6)
    assert s.by_course == [({"de": "Frauencafé", "en": "Women's café"}, 2, 5)]

    # Requests: three she opened in October (one staff-started and one of September left
    # out); two answered by staff, after 1 h and 3 h: the median is 2 h.
    q = report.requests
    assert (q.opened, q.answered) == (3, 2)
    assert q.median_first_answer == timedelta(hours=2)

    r = report.reach
    assert (r.broadcasts, r.messages) == (1, 10)
    assert r.by_status == {"read": 6, "delivered": 2, "sent": 1, "failed": 1, "not_sent": 0}


def test_a_period_boundary_is_midnight_in_the_organisations_time_zone(
    sqlite_runtime: Runtime,
) -> None:
    load_october(sqlite_runtime)
    service = ReportService(sqlite_runtime.db, sqlite_runtime.settings.secret_key)
    org = service.organisation(organisation_id(sqlite_runtime))
    november = service.report(
        org, between(date(2026, 11, 1), date(2026, 11, 30), TZ), sqlite_runtime.clock()
    )
    assert november.joined == 1  # the Ukrainian, 00:30 on 1 November in Berlin
    assert november.active == 1  # the Turkish woman on 1 November
    september = service.report(
        org, between(date(2026, 9, 1), date(2026, 9, 30), TZ), sqlite_runtime.clock()
    )
    assert september.joined == 2  # the two Farsi speakers; not the Turkish woman (1 Oct local)
    assert september.requests.opened == 1
    assert september.reach.broadcasts == 1


def test_presets_are_whole_local_months_quarters_and_years() -> None:
    today = date(2026, 11, 30)
    assert preset("this_month", today, TZ).start == date(2026, 11, 1)
    last_quarter = preset("last_quarter", today, TZ)
    assert (last_quarter.start, last_quarter.end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert preset("last_quarter", date(2026, 2, 3), TZ).start == date(2025, 10, 1)
    assert preset("this_year", today, TZ).start == date(2026, 1, 1)
    october = between(*OCTOBER, TZ)
    assert october.starts_at.isoformat() == "2026-09-30T22:00:00+00:00"  # CEST
    assert october.ends_before.isoformat() == "2026-10-31T23:00:00+00:00"  # CET


def test_small_counts_are_shown_as_less_than_five_and_zero_stays_zero() -> None:
    assert [shown(n) for n in (0, 1, 4, 5, 12)] == ["0", "< 5", "< 5", "5", "12"]


def test_the_csv_has_a_block_per_table_with_the_rounded_counts(sqlite_runtime: Runtime) -> None:
    load_october(sqlite_runtime)
    report = _report(sqlite_runtime)
    _ = StaffCatalogs.load().gettext("de")
    text = report_csv(report, "de", _)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert ["Teilnehmerinnen nach Sprache"] in rows
    start = rows.index(["Teilnehmerinnen nach Sprache"])
    assert rows[start + 1 : start + 5] == [
        ["Sprache", "Anzahl"],
        ["Arabisch", "6"],
        ["Persisch", "< 5"],
        ["Türkisch", "< 5"],
    ]
    assert ["Davon beantwortet", "< 5"] in rows
    assert ["Zeit bis zur ersten Antwort (Median)", "2 h 00 min"] in rows
    assert ["Anwesenheitsquote (anwesend von allen markierten)", "71\xa0%"] in rows
    assert ["gelesen", "6"] in rows
    assert ["Frauencafé", "< 5", "5"] in rows
    # Nothing in it is taken for a formula.
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_chart_draws_a_bar_per_row_with_a_text_alternative() -> None:
    svg = str(bar_chart("Nach Sprache", [Bar("Arabisch", 6), Bar("Persisch", 2)], "c1"))
    assert svg.count("<rect") == 2
    assert 'role="img"' in svg
    assert '<title id="c1-title">Nach Sprache</title>' in svg
    assert '<desc id="c1-desc">Arabisch: 6, Persisch: &lt; 5</desc>' in svg
    assert 'data-label="Arabisch" data-value="6"' in svg
    assert 'data-label="Persisch" data-value="&lt; 5"' in svg
    # The small bar is drawn as long as 5 (pale), never its true length.
    widths = [float(part.split('"')[0]) for part in svg.split('width="')[2:]]
    assert widths[1] == pytest.approx(widths[0] * 5 / 6)
    assert 'fill-opacity="0.45"' in svg


def test_the_page_shows_the_report_for_a_period_and_hides_other_organisations(
    sqlite_runtime: Runtime, sqlite_client: TestClient
) -> None:
    ids = load_october(sqlite_runtime)
    login_client(sqlite_client)
    page = sqlite_client.get(
        f"/staff/reports?organisation={ids['org']}&from=2026-10-01&to=2026-10-31"
    )
    assert page.status_code == 200
    html = page.text
    assert "<h1>Berichte</h1>" in html
    assert "01.10.2026 – 31.10.2026" in html
    assert 'data-label="Arabisch" data-value="6"' in html
    assert 'data-label="Persisch" data-value="&lt; 5"' in html
    assert '<tr><th scope="row">Teilnehmerinnen am Ende des Zeitraums</th><td>9</td></tr>' in html
    assert (
        '<tr><th scope="row">Aktiv im Zeitraum (haben dem Bot geschrieben)</th><td>&lt; 5</td></tr>'
        in html
    )
    assert 'href="/staff/barriers"' in html
    assert "„Aktiv“ wird seit dem 30.09.2026 gezählt." in html
    # The other organisation's id is a 404, like one that does not exist.
    assert sqlite_client.get(f"/staff/reports?organisation={ids['other']}").status_code == 404
    assert sqlite_client.get("/staff/reports?organisation=999999").status_code == 404
    assert sqlite_client.get(f"/staff/reports.csv?organisation={ids['other']}").status_code == 404
    assert sqlite_client.get("/staff/reports?organisation=abc").status_code == 404
    # Wrong dates: said plainly, nothing counted.
    wrong = sqlite_client.get("/staff/reports?from=2026-10-31&to=2026-10-01")
    assert wrong.status_code == 400
    assert "der zweite nicht vor dem ersten" in wrong.text
    assert sqlite_client.get("/staff/reports?from=gestern&to=heute").status_code == 400

    download = sqlite_client.get(
        f"/staff/reports.csv?organisation={ids['org']}&from=2026-10-01&to=2026-10-31"
    )
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert "Persisch,< 5" in download.text
    # A preset: this month (November 2026 at the frozen clock).
    november = sqlite_client.get("/staff/reports?preset=this_month")
    assert "01.11.2026 – 30.11.2026" in november.text


def _people(runtime: Runtime) -> list[int]:
    with runtime.db.connect() as conn:
        return list(
            conn.execute(select(people.c.id).where(people.c.role == "participant")).scalars()
        )


def test_a_real_onboarding_records_her_choices_and_the_export_hides_who_she_is(
    sqlite_runtime: Runtime, sqlite_client: TestClient, clock: FrozenClock
) -> None:
    onboard(Simulator(sqlite_client, "amina"), name="Amina")
    onboard(Simulator(sqlite_client, "farah"), language="English", name="Farah", messages=False)
    with sqlite_runtime.db.connect() as conn:
        rows = conn.execute(
            select(
                flow_results.c.person_id,
                flow_results.c.flow,
                flow_results.c.node,
                flow_results.c.answer,
            ).order_by(flow_results.c.id)
        ).all()
    amina, farah = _people(sqlite_runtime)
    answers = [(p == amina, f"{f}.{n}", a) for p, f, n, a in rows]
    assert answers == [
        (True, "onboarding.choose_language", "de"),
        (True, "onboarding.privacy_notice", "yes"),
        (True, "onboarding.ask_interests", "course"),  # her town (ask_town) is not kept
        (True, "onboarding.ask_messages", "yes"),  # "ask_support": nothing ticked, no row
        (False, "onboarding.choose_language", "en"),
        (False, "onboarding.privacy_notice", "yes"),
        (False, "onboarding.ask_interests", "course"),
        (False, "onboarding.ask_messages", "no"),
    ]

    service = ReportService(sqlite_runtime.db, sqlite_runtime.settings.secret_key)
    org = service.organisation(organisation_id(sqlite_runtime))
    assert service.flows(org.id) == ["onboarding"]
    today = clock().date()
    exported = list(service.flow_results(org, "onboarding", between(today, today, TZ)))
    pseudonyms = [a.pseudonym for a in exported]
    assert len(set(pseudonyms[:4])) == 1 and len(set(pseudonyms[4:])) == 1
    assert pseudonyms[0] != pseudonyms[4]
    assert all(p not in (str(amina), str(farah)) for p in pseudonyms)
    # Another period: other pseudonyms (they mean nothing outside one export).
    longer = list(
        service.flow_results(org, "onboarding", between(today - timedelta(days=1), today, TZ))
    )
    assert longer[0].pseudonym != pseudonyms[0]

    text = flow_results_csv(exported, TZ)
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert lines[0] == ["pseudonym", "flow", "question", "answer", "answered_at"]
    assert lines[1] == [pseudonyms[0], "onboarding", "choose_language", "de", "2026-11-30 10:00"]
    assert "Amina" not in text and "Farah" not in text


def test_the_flow_results_page_downloads_the_csv_and_is_audited(
    sqlite_runtime: Runtime, sqlite_client: TestClient
) -> None:
    onboard(Simulator(sqlite_client, "amina"), name="Amina")
    login_client(sqlite_client)
    org = organisation_id(sqlite_runtime)
    page = sqlite_client.get(f"/staff/reports/flows?organisation={org}&preset=this_month")
    assert page.status_code == 200
    assert '<option value="onboarding">onboarding</option>' in page.text
    query = f"organisation={org}&from=2026-11-30&to=2026-11-30&flow=onboarding"
    chosen = sqlite_client.get(f"/staff/reports/flows?{query}")
    assert "/staff/reports/flows.csv?" in chosen.text
    download = sqlite_client.get(f"/staff/reports/flows.csv?{query}")
    assert download.status_code == 200
    assert download.text.count("onboarding,") == 4
    assert "Amina" not in download.text
    assert (
        sqlite_client.get(
            f"/staff/reports/flows.csv?organisation={org}&preset=this_month&flow=nope"
        ).status_code
        == 400
    )
    with sqlite_runtime.db.connect() as conn:
        from bot.db.tables import audit

        entry = conn.execute(
            select(audit.c.action, audit.c.details, audit.c.organisation_id).where(
                audit.c.action == "reports.flow_results"
            )
        ).one()
    assert entry.details["rows"] == 4 and entry.organisation_id == org


def test_activity_days_cost_one_statement_per_batch_and_none_for_a_second_message(
    runtime: Runtime, clock: FrozenClock
) -> None:
    seen: list[tuple[str, bool]] = []

    def count(_conn, _cursor, statement, _params, _context, executemany) -> None:  # type: ignore[no-untyped-def]
        if "activity_days" in statement:
            seen.append((statement.split()[0], executemany))

    event.listen(runtime.db, "before_cursor_execute", count)
    try:
        batch = [parse_request({"user": f"u{i}", "text": "Hallo"}, clock()) for i in range(5)]
        runtime.turns.handle_batch(batch)
        assert seen == [("INSERT", True)]  # five women, one statement
        seen.clear()
        clock.advance(minutes=5)
        again = [parse_request({"user": f"u{i}", "text": "Deutsch"}, clock()) for i in range(5)]
        runtime.turns.handle_batch(again)
        assert seen == []  # she wrote today already: nothing to write
        clock.advance(days=1)
        runtime.turns.handle_batch([parse_request({"user": "u0", "text": "Hallo"}, clock())])
        assert [s for s, _many in seen] == ["INSERT"]
    finally:
        event.remove(runtime.db, "before_cursor_execute", count)
    with runtime.db.connect() as conn:
        days = conn.execute(
            select(activity_days.c.day, func.count())
            .group_by(activity_days.c.day)
            .order_by(activity_days.c.day)
        ).all()
    assert [(d, n) for d, n in days] == [(date(2026, 11, 30), 5), (date(2026, 12, 1), 1)]


def test_her_days_and_answers_go_with_her(
    sqlite_runtime: Runtime, sqlite_client: TestClient
) -> None:
    sim = Simulator(sqlite_client, "amina")
    onboard(sim, name="Amina")
    with sqlite_runtime.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(activity_days)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(flow_results)).scalar_one() == 4
        mine = gather(conn, _people(sqlite_runtime)[0], sqlite_runtime.clock())
    assert mine is not None
    assert mine.activity_days == [date(2026, 11, 30)]
    assert mine.flow_results[0] == {
        "flow": "onboarding",
        "question": "choose_language",
        "answer": "de",
        "answered_at": sqlite_runtime.clock(),
    }
    document = as_json(mine, sqlite_runtime.clock())
    assert document["days_she_wrote"] == ["2026-11-30"]
    assert len(document["answers_to_questions"]) == 4
    sim.send("/delete")
    sim.press(sim.labels()[0])
    with sqlite_runtime.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(activity_days)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(flow_results)).scalar_one() == 0


def test_the_sections_are_translated(sqlite_runtime: Runtime) -> None:
    load_october(sqlite_runtime)
    report = _report(sqlite_runtime)
    english = sections(report, "en", StaffCatalogs.load().gettext("en"))
    languages = next(s for s in english if s.key == "languages")
    assert languages.rows[0] == ("Arabic", "6")


def test_the_command_line_prints_the_demo_report_and_exports_flow_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``twc demo load --history`` then ``twc reports summary``: the demo's report as tables,
    small counts as "< 5"; ``--csv`` the same as CSV; ``flow-results`` the pseudonymous CSV."""
    from bot.cli import app

    monkeypatch.setenv("TWC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("TWC_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWC_ENVIRONMENT", "test")
    monkeypatch.setenv("TWC_CLOCK_START", DEFAULT_START.isoformat())
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "load", "--history"]).exit_code == 0
    shown = runner.invoke(
        app, ["reports", "summary", "--organisation", "vnb-nienburg", "--preset", "this_year"]
    )
    assert shown.exit_code == 0, shown.output
    assert "Teilnehmerinnen nach Sprache" in shown.output
    assert "Teilnehmerinnen am Ende des Zeitraums" in shown.output
    assert "36" in shown.output
    assert "< 5" in shown.output
    as_csv = runner.invoke(
        app, ["reports", "summary", "--preset", "this_year", "--csv", "--language", "en"]
    )
    assert as_csv.exit_code == 0
    assert "Participants by language" in as_csv.output
    wrong = runner.invoke(
        app, ["reports", "summary", "--from", "2026-10-31", "--to", "2026-10-01"]
    )
    assert wrong.exit_code == 2 and "before the start" in wrong.output
    missing = runner.invoke(app, ["reports", "flow-results", "onboarding", "--preset", "x"])
    assert missing.exit_code == 2
    none = runner.invoke(
        app,
        ["reports", "flow-results", "onboarding", "--from", "2026-11-01", "--to", "2026-11-30"],
    )
    assert none.exit_code == 1 and "no answers" in none.output


def test_a_flow_file_says_which_answers_are_kept() -> None:
    from conversations.loader import FlowError, parse_flow

    def flow(**extra: object) -> dict[str, object]:
        node = {"type": "choice", "text": "?", "choices": [{"id": "a", "label": "A", "next": "x"}]}
        return {
            "spec_version": 1,
            "id": "t",
            "start": "q",
            "nodes": {"q": {**node, **extra}, "x": {"type": "end", "text": "."}},
        }

    assert parse_flow(flow(), "t.yaml").nodes["q"].results is True
    assert parse_flow(flow(results=False), "t.yaml").nodes["q"].results is False
    towns = flow(choices_from="towns")
    assert parse_flow(towns, "t.yaml").nodes["q"].results is False
    with pytest.raises(FlowError):
        parse_flow(flow(results="no"), "t.yaml")


def test_a_newcomer_who_chooses_her_organisation_counts_there(
    sqlite_runtime: Runtime, sqlite_client: TestClient
) -> None:
    from tests.auxil.staff import add_organisation

    second = add_organisation(sqlite_runtime, "zweite-org", "Zweite Organisation")
    with sqlite_runtime.db.begin() as conn:
        from bot.db.tables import organisations

        conn.execute(
            organisations.update()
            .where(organisations.c.id == second)
            .values(district="Zweiter Kreis", towns=["Hoya"])
        )
    sqlite_runtime.turns.organisations.invalidate()
    onboard(Simulator(sqlite_client, "amina"), region="zweite-org")
    with sqlite_runtime.db.connect() as conn:
        days = conn.execute(select(activity_days.c.organisation_id)).scalars().all()
        answers = conn.execute(select(flow_results.c.organisation_id)).scalars().all()
    assert days == [second]
    assert answers and set(answers) == {second}
