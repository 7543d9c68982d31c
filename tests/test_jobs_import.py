"""The BA job search import against its stand-in over real HTTP: paging, kinds, offers written
as ``review`` and never sent, no doubles, updates only while in review, and failures (a bad
answer, a timeout, an unreadable answer) that leave ``last_error`` and write no offer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from bot.db.tables import audit, job_import_settings, job_offers, organisations, outbox
from bot.features.jobs.ba_client import DETAIL_URL, PAGE_SIZE
from bot.features.jobs.importing import (
    Importer,
    SettingsError,
    read_settings,
    save_settings,
)
from bot.runtime import Runtime
from tests.auxil.ba_jobsearch import JobSearchStandIn, StandInOffer, ba_jobsearch
from tests.auxil.clock import FrozenClock


@pytest.fixture
def today(clock: FrozenClock) -> date:
    return clock().date()


@pytest.fixture
def ba(today: date) -> Iterator[JobSearchStandIn]:
    with ba_jobsearch(today) as stand_in:
        yield stand_in


def _org(runtime: Runtime) -> int:
    with runtime.db.connect() as conn:
        return int(
            conn.execute(
                select(organisations.c.id).where(organisations.c.slug == "vnb-nienburg")
            ).scalar_one()
        )


def _configure(runtime: Runtime, org: int, keywords: str = "Reinigung") -> None:
    with runtime.db.begin() as conn:
        save_settings(
            conn,
            org,
            enabled=True,
            place="Nienburg (Weser)",
            radius_km=25,
            keywords=keywords,
            actor="staff:1",
            now=runtime.clock(),
        )


def _importer(runtime: Runtime, ba: JobSearchStandIn, timeout: float = 5.0) -> Importer:
    return Importer(runtime.db, runtime.clock, ba.url, timeout=httpx.Timeout(timeout))


def _offers(runtime: Runtime) -> dict[str, dict[str, object]]:
    with runtime.db.connect() as conn:
        rows = conn.execute(select(job_offers).where(job_offers.c.source == "ba")).mappings()
        return {str(row["external_id"]): dict(row) for row in rows}


def _settings_row(runtime: Runtime, org: int) -> dict[str, object]:
    with runtime.db.connect() as conn:
        row = conn.execute(
            select(job_import_settings).where(job_import_settings.c.organisation_id == org)
        ).mappings()
        return dict(row.one())


def _cleaning(n: int, published: date, **extra: object) -> list[StandInOffer]:
    return [
        StandInOffer(
            refnr=f"10001-{1000000 + i}-S",
            titel=f"Reinigungskraft (m/w/d) Objekt {i}",
            beruf="Reinigungskraft",
            ort="Nienburg (Weser)",
            plz="31582",
            published=published,
            **extra,  # type: ignore[arg-type]
        )
        for i in range(n)
    ]


def test_import_pages_kinds_and_waits_for_review(
    runtime: Runtime, ba: JobSearchStandIn, today: date
) -> None:
    org = _org(runtime)
    _configure(runtime, org)
    published = today - timedelta(days=3)
    ba.offers = _cleaning(PAGE_SIZE * 2 + 7, published)  # part-time: three pages
    ba.offers += [
        StandInOffer(
            "10000-2000001-S",
            "Minijob Reinigung Praxis, vormittags",
            "Reinigungskraft",
            "Marklohe",
            "31608",
            published,
            arbeitszeit="mj",
            externe_url="https://praxis.example/minijob",
        ),
        StandInOffer(
            "10000-2000002-S",
            "Ausbildung in der Gebäudereinigung 2027",
            "Gebäudereiniger/in",
            "Nienburg (Weser)",
            "31582",
            published,
            angebotsart=4,
            eintrittsdatum=today + timedelta(days=60),
        ),
        StandInOffer(  # another word: not searched
            "10000-2000003-S", "Koch (m/w/d)", "Koch/Köchin", "Nienburg", "31582", published
        ),
    ]
    with runtime.db.connect() as conn:
        outbox_before = conn.execute(select(func.count()).select_from(outbox)).scalar_one()

    result = _importer(runtime, ba).run(org)

    assert (result.new, result.updated, result.error) == (PAGE_SIZE * 2 + 9, 0, None)
    part_time = [r for r in ba.requests if r.get("arbeitszeit") == "tz"]
    assert [r["page"] for r in part_time] == ["1", "2", "3"]
    first = part_time[0]
    assert first == {
        "wo": "Nienburg (Weser)",
        "umkreis": "25",
        "angebotsart": "1",
        "arbeitszeit": "tz",
        "veroeffentlichtseit": "28",
        "page": "1",
        "size": str(PAGE_SIZE),
        "was": "Reinigung",
    }
    assert {r["angebotsart"] for r in ba.requests} == {"1", "4", "34"}

    offers = _offers(runtime)
    assert len(offers) == PAGE_SIZE * 2 + 9
    assert "10000-2000003-S" not in offers
    one = offers["10001-1000000-S"]
    assert one["status"] == "review"
    assert one["organisation_id"] == org
    assert one["title"] == {"de": "Reinigungskraft (m/w/d) Objekt 0"}
    assert one["town"] == "Nienburg (Weser)"
    assert one["employer"] == "Muster GmbH"
    assert one["kind"] == "part_time"
    assert one["url"] == DETAIL_URL.format(refnr="10001-1000000-S")
    assert one["expires_on"] == published + timedelta(days=28)
    assert one["created_by"] == "import:ba"
    mini = offers["10000-2000001-S"]
    assert (mini["kind"], mini["town"], mini["url"]) == (
        "mini_job",
        "Marklohe",
        "https://praxis.example/minijob",
    )
    training = offers["10000-2000002-S"]
    assert training["kind"] == "training"
    assert training["starts_on"] == today + timedelta(days=60)
    assert training["expires_on"] == today + timedelta(days=60)  # not before it starts

    settings = _settings_row(runtime, org)
    assert settings["last_run_at"] == runtime.clock()
    assert settings["last_error"] is None
    with runtime.db.connect() as conn:
        # Never sent on its own: nothing was queued for anyone.
        assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == outbox_before
        entry = conn.execute(
            select(audit.c.actor, audit.c.details).where(audit.c.action == "jobs.imported")
        ).one()
    assert entry.actor == "import:ba"
    assert entry.details == {"new": PAGE_SIZE * 2 + 9, "updated": 0}


def test_a_second_run_neither_doubles_nor_touches_reviewed_offers(
    runtime: Runtime, ba: JobSearchStandIn, today: date, clock: FrozenClock
) -> None:
    org = _org(runtime)
    _configure(runtime, org)
    ba.offers = _cleaning(3, today - timedelta(days=1))
    assert _importer(runtime, ba).run(org).new == 3
    offers = _offers(runtime)
    with runtime.db.begin() as conn:  # a coordinator translated one and opened another
        conn.execute(
            update(job_offers)
            .where(job_offers.c.id == offers["10001-1000000-S"]["id"])
            .values(title={"de": "Reinigungskraft (m/w/d) Objekt 0", "ar": "عاملة تنظيف"})
        )
        conn.execute(
            update(job_offers)
            .where(job_offers.c.id == offers["10001-1000001-S"]["id"])
            .values(status="open", title={"de": "Putzhilfe, vormittags"})
        )
    for offer in ba.offers:
        offer.titel += " – neu"
    clock.advance(days=1)
    ba.requests.clear()

    result = _importer(runtime, ba).run(org)

    assert (result.new, result.updated, result.unchanged) == (0, 2, 1)
    assert ba.requests[0]["veroeffentlichtseit"] == "3"  # back to the last run, and a day
    offers = _offers(runtime)
    assert len(offers) == 3
    assert offers["10001-1000000-S"]["title"] == {
        "de": "Reinigungskraft (m/w/d) Objekt 0 – neu",
        "ar": "عاملة تنظيف",
    }
    assert offers["10001-1000001-S"]["title"] == {"de": "Putzhilfe, vormittags"}
    assert offers["10001-1000001-S"]["status"] == "open"
    assert offers["10001-1000002-S"]["title"] == {"de": "Reinigungskraft (m/w/d) Objekt 2 – neu"}


def test_a_bad_answer_halfway_writes_nothing_and_says_why(
    runtime: Runtime, ba: JobSearchStandIn, today: date
) -> None:
    org = _org(runtime)
    _configure(runtime, org)
    ba.offers = _cleaning(PAGE_SIZE + 5, today)
    ba.ok_before_failing = 2  # the mini-jobs and the first page of part-time work came
    ba.fail_next = [503, 503, 503]

    result = _importer(runtime, ba).run(org)

    assert result.error == "server_error:503"
    assert len(ba.requests) == 5  # three tries of the failing page, then it gave up
    assert _offers(runtime) == {}
    settings = _settings_row(runtime, org)
    assert settings["last_error"] == "server_error:503"
    assert settings["last_run_at"] == runtime.clock()

    ba.requests.clear()
    again = _importer(runtime, ba).run(org)  # the service is back: the next run imports
    assert (again.new, again.error) == (PAGE_SIZE + 5, None)
    assert _settings_row(runtime, org)["last_error"] is None


def test_one_failed_try_is_retried(runtime: Runtime, ba: JobSearchStandIn, today: date) -> None:
    org = _org(runtime)
    _configure(runtime, org)
    ba.offers = _cleaning(2, today)
    ba.fail_next = [502]
    assert _importer(runtime, ba).run(org).new == 2


def test_a_timeout_is_kept_as_the_last_error(
    runtime: Runtime, ba: JobSearchStandIn, today: date
) -> None:
    org = _org(runtime)
    _configure(runtime, org)
    ba.offers = _cleaning(2, today)
    ba.slow_next, ba.slow_seconds = 3, 1.5
    result = _importer(runtime, ba, timeout=0.3).run(org)
    assert result.error == "timeout"
    assert _settings_row(runtime, org)["last_error"] == "timeout"
    assert _offers(runtime) == {}


def test_an_unreadable_answer_is_not_retried(
    runtime: Runtime, ba: JobSearchStandIn, today: date
) -> None:
    org = _org(runtime)
    _configure(runtime, org)
    ba.garbage_next = 1
    result = _importer(runtime, ba).run(org)
    assert result.error == "unreadable"
    assert len(ba.requests) == 1


def test_only_enabled_organisations_run_daily(
    runtime: Runtime, ba: JobSearchStandIn, today: date
) -> None:
    org = _org(runtime)
    ba.offers = _cleaning(1, today)
    assert _importer(runtime, ba).run_enabled() == []
    assert ba.requests == []
    _configure(runtime, org)
    (result,) = _importer(runtime, ba).run_enabled()
    assert (result.organisation, result.new) == ("vnb-nienburg", 1)


def test_settings_are_checked_and_audited(runtime: Runtime) -> None:
    org = _org(runtime)
    now = runtime.clock()
    bad = [
        ({"place": "", "radius_km": 10, "keywords": ""}, "bad_place"),
        ({"place": "Nienburg", "radius_km": "viel", "keywords": ""}, "bad_radius"),
        ({"place": "Nienburg", "radius_km": 201, "keywords": ""}, "bad_radius"),
        ({"place": "Nienburg", "radius_km": 10, "keywords": "a,b,c,d,e,f"}, "bad_keywords"),
        ({"place": "Nienburg", "radius_km": 10, "keywords": "x" * 61}, "bad_keywords"),
    ]
    for values, code in bad:
        with pytest.raises(SettingsError) as failure, runtime.db.begin() as conn:
            save_settings(conn, org, enabled=True, actor="staff:1", now=now, **values)  # type: ignore[arg-type]
        assert failure.value.code == code
    with runtime.db.begin() as conn:  # turned off, a place is not needed
        save_settings(
            conn, org, enabled=False, place="", radius_km=10, keywords="", actor="s", now=now
        )
        save_settings(
            conn,
            org,
            enabled=True,
            place="  31582 ",
            radius_km="15",
            keywords="Küche, Reinigung,, küche ",
            actor="staff:1",
            now=now,
        )
    with runtime.db.connect() as conn:
        (settings,) = read_settings(conn, [org])
        entries = (
            conn.execute(select(audit.c.details).where(audit.c.action == "jobs.import_settings"))
            .scalars()
            .all()
        )
    assert (settings.enabled, settings.place, settings.radius_km) == (True, "31582", 15)
    assert settings.keywords == ("Küche", "Reinigung")
    assert entries[-1] == {"enabled": True, "radius_km": 15, "keywords": 2}


def test_the_daily_job_imports_for_enabled_organisations_and_wakes_nobody(
    runtime: Runtime, ba: JobSearchStandIn, today: date
) -> None:
    from bot.features.jobs.import_side import PART

    (job,) = PART.periodic_jobs
    assert (job.id, job.trigger, dict(job.trigger_args)) == (
        "jobs_ba_import",
        "cron",
        {"hour": 5, "minute": 40},
    )
    _configure(runtime, _org(runtime))
    ba.offers = _cleaning(2, today)
    runtime.settings = runtime.settings.model_copy(update={"ba_jobsearch_url": ba.url})
    assert job.run(runtime) is False  # nothing queued: imported offers wait for review
    assert {o["status"] for o in _offers(runtime).values()} == {"review"}
    assert len(_offers(runtime)) == 2


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}", "http://[nicht"])
def test_a_service_nobody_answers_at_is_unreachable(runtime: Runtime, url: str) -> None:
    from tests.auxil.processes import free_port

    org = _org(runtime)
    _configure(runtime, org)
    importer = Importer(runtime.db, runtime.clock, url.format(port=free_port()))
    assert importer.run(org).error == "unreachable"
    assert _settings_row(runtime, org)["last_error"] == "unreachable"
    assert _offers(runtime) == {}


def test_after_a_failure_or_new_settings_it_looks_back_four_weeks(
    runtime: Runtime, ba: JobSearchStandIn, today: date, clock: FrozenClock
) -> None:
    org = _org(runtime)
    _configure(runtime, org)
    assert _importer(runtime, ba).run(org).error is None
    clock.advance(days=1)
    ba.fail_next = [503, 503, 503]
    assert _importer(runtime, ba).run(org).error == "server_error:503"
    clock.advance(days=1)
    ba.requests.clear()
    # The last good run was two days ago: an offer published since must not be missed.
    ba.offers = _cleaning(1, today)
    assert _importer(runtime, ba).run(org).new == 1
    assert {r["veroeffentlichtseit"] for r in ba.requests} == {"28"}

    clock.advance(days=1)
    ba.requests.clear()
    assert _importer(runtime, ba).run(org).new == 0
    assert {r["veroeffentlichtseit"] for r in ba.requests} == {"3"}

    clock.advance(hours=2)
    _configure(runtime, org, keywords="Reinigung, Küche")  # a new word: search it fully
    clock.advance(days=1)
    ba.requests.clear()
    _importer(runtime, ba).run(org)
    assert {r["veroeffentlichtseit"] for r in ba.requests} == {"28"}
