"""The broadcast pages over HTTP: compose with a live preview and live counts, "any" and "all"
audiences counted against a known set of people, a channel that is not configured named and
its people excluded (not queued, no waiting), a time in the past refused, the report's numbers
after the real dispatcher sent, and another organisation's broadcast answered with 404.
(The browser test is ``test_broadcasts_browser.py``.)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.tables import audit, broadcast_exclusions, broadcasts, outbox
from bot.features.broadcasts.compose import Draft
from bot.features.broadcasts.service import BroadcastService, channel_rates
from bot.runtime import Runtime
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.crowd import Member, add_people
from tests.auxil.people import OTHER, second_organisation
from tests.auxil.staff import PASSWORD, add_staff, login_client, organisation_id

#: Known people of the demo organisation (besides its two demo mentors, who are in no town
#: below and speak no language chosen below).
PEOPLE = [
    Member("ar-hoya-1", "ar", name="Amina", town="Hoya"),
    Member("ar-hoya-2", "ar", name="Layla", town="Hoya"),
    Member("ar-nienburg", "ar", name="Nour", town="Nienburg (Weser)"),
    Member("uk-hoya", "uk", name="Olena", town="Hoya"),
    Member("fa-hoya", "fa", name="Sara", town="Hoya", interests=("jobs",)),
    Member("de-nienburg", "de", name="Petra", town="Nienburg (Weser)", interests=("jobs",)),
    # On WhatsApp only: the test deployment has no Twilio credentials.
    Member("+4917611111111", "ar", name="Hala", town="Hoya", channel="whatsapp"),
    Member("stopped", "ar", name="Rana", town="Hoya", status="opted_out"),
    Member("no-consent", "ar", name="Dina", town="Hoya", status="new", consent=False),
]


@dataclass(frozen=True)
class Site:
    runtime: Runtime
    org: int
    other: int


@pytest.fixture
def site(sqlite_runtime: Runtime, clock: FrozenClock) -> Site:
    add_people(sqlite_runtime.db, TEST_SECRET, PEOPLE, clock())
    other = second_organisation(sqlite_runtime, clock())
    add_staff(sqlite_runtime, "ko@example.org")
    add_staff(sqlite_runtime, "hoya@example.org", organisation=OTHER)
    return Site(sqlite_runtime, organisation_id(sqlite_runtime), other)


@pytest.fixture
def web(sqlite_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_runtime, background=False)) as client:
        yield client


def service(runtime: Runtime) -> BroadcastService:
    """The service as the running app and ``twc`` build it (its channels, its rules)."""
    return BroadcastService(
        runtime.db,
        runtime.flow_engine.catalogs,
        runtime.clock,
        "cli:test",
        runtime.reach_rules(),
        channel_rates(runtime.settings),
        frozenset(runtime.channels),
    )


def send_all(runtime: Runtime) -> int:
    """Run the real dispatcher until nothing is left to send."""
    total = 0
    while handled := asyncio.run(runtime.dispatcher.dispatch()):
        total += handled
    return total


def compose(site: Site, **fields: object) -> dict[str, object]:
    data: dict[str, object] = {"organisation": str(site.org), "title": "Neuer Kurs"}
    data.update(fields)
    return data


def test_the_composer_previews_each_language_and_counts_any_and_all(
    site: Site, web: TestClient
) -> None:
    csrf = login_client(web, "ko@example.org", PASSWORD)
    page = web.get("/staff/broadcasts/new")
    assert page.status_code == 200
    assert "Deutsch (Standardsprache, Pflicht)" in page.text
    assert 'name="text_ar"' in page.text and 'name="text_uk"' in page.text

    def live(**fields: object) -> str:
        answer = web.post(
            "/staff/broadcasts/preview",
            data=compose(site, **fields),
            headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
        )
        assert answer.status_code == 200
        assert "<html" not in answer.text
        return answer.text

    # Arabic speakers OR people in Hoya: 3 ar (the WhatsApp-only one excluded) + uk + fa.
    shown = live(
        text_de="Hallo {name}! *Neu* bei {org}.",
        text_ar="مرحبا {name}",
        text_en="Hi {nmae}",
        languages="ar",
        towns="Hoya",
        match="any",
    )
    assert (
        "Hallo Amina! <strong>Neu</strong> bei VNB – Pilot Landkreis Nienburg." in shown
    )  # WhatsApp's *bold*
    assert (
        "Hallo Amina! *Neu* bei VNB – Pilot Landkreis Nienburg." in shown
    )  # Telegram shows it as written
    assert "مرحبا Amina" in shown
    assert "Unbekannter Platzhalter {nmae}" in shown
    assert "5 Personen bekommen die Nachricht." in shown
    assert "WhatsApp ist in dieser Installation nicht eingerichtet: 1 Person" in shown
    assert "hat sich abgemeldet" in shown and "keine Einwilligung für Nachrichten" in shown
    assert "Kanal nicht eingerichtet" in shown
    assert "Kein Text auf Ukrainisch: 1 Person bekommt ihn auf Deutsch." in shown

    # Arabic speakers AND in Hoya: only the two in Hoya on the simulator.
    both = live(text_de="Hallo", languages="ar", towns="Hoya", match="all")
    assert "2 Personen bekommen die Nachricht." in both
    # Interest "jobs": Sara and Petra.
    assert "2 Personen bekommen" in live(text_de="Hallo", interests="jobs")
    # Everyone: the six on the simulator and the two demo mentors.
    assert "8 Personen bekommen" in live(text_de="Hallo", audience="everyone")
    # Nothing chosen: nobody, and it says so.
    assert "Wählen Sie oben, wer die Nachricht bekommt." in live(text_de="Hallo")


def test_saving_checks_the_default_text_and_the_audience_then_stores_a_draft(
    site: Site, web: TestClient
) -> None:
    csrf = login_client(web, "ko@example.org", PASSWORD)
    refused = web.post(
        "/staff/broadcasts/new",
        data=compose(site, text_ar="مرحبا", action="save", csrf_token=csrf),
    )
    assert refused.status_code == 400
    assert "Bitte schreiben Sie den Text in der Standardsprache (Deutsch)." in refused.text
    assert "Bitte wählen Sie, wer die Nachricht bekommt" in refused.text
    too_long = web.post(
        "/staff/broadcasts/new",
        data=compose(site, text_de="x" * 1001, audience="everyone", csrf_token=csrf),
    )
    assert too_long.status_code == 400 and "1001 Zeichen" in too_long.text
    # Without JavaScript, "Vorschau aktualisieren" shows the preview on the whole page.
    shown = web.post(
        "/staff/broadcasts/new",
        data=compose(
            site, text_de="Hallo {name}", towns="Hoya", action="preview", csrf_token=csrf
        ),
    )
    assert shown.status_code == 200 and "Hallo Amina" in shown.text
    assert "4 Personen bekommen die Nachricht." in shown.text
    no_csrf = web.post("/staff/broadcasts/new", data=compose(site, text_de="Hallo"))
    assert no_csrf.status_code == 403
    with site.runtime.db.connect() as conn:
        assert conn.execute(select(broadcasts.c.id)).all() == []

    saved = web.post(
        "/staff/broadcasts/new",
        data=compose(site, text_de="Hallo {name}", languages="ar", action="save", csrf_token=csrf),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"].endswith("/edit?notice=saved")
    with site.runtime.db.connect() as conn:
        row = conn.execute(select(broadcasts)).mappings().one()
        entry = conn.execute(select(audit).where(audit.c.action == "broadcast.create")).one()
    assert row["texts"] == {"de": "Hallo {name}"} and row["audience"] == {"languages": ["ar"]}
    assert row["status"] == "draft" and row["created_by"].startswith("staff:")
    assert entry.organisation_id == site.org
    edit = web.get(saved.headers["location"])
    assert "Der Entwurf ist gespeichert." in edit.text and "Hallo {name}" in edit.text
    draft = web.get(f"/staff/broadcasts/{row['id']}")
    assert "Entwurf" in draft.text and "3 Personen bekommen die Nachricht." in draft.text
    changed = web.post(
        f"/staff/broadcasts/{row['id']}/edit",
        data=compose(
            site, text_de="Guten Tag", audience="everyone", action="save", csrf_token=csrf
        ),
        follow_redirects=False,
    )
    assert changed.status_code == 303
    with site.runtime.db.connect() as conn:
        row = conn.execute(select(broadcasts)).mappings().one()
    assert row["texts"] == {"de": "Guten Tag"} and row["audience"] == {"all": True}


def test_a_channel_not_configured_is_excluded_with_its_reason_and_nothing_waits(
    site: Site, clock: FrozenClock
) -> None:
    """The CLI used to queue WhatsApp rows in a deployment without WhatsApp: the dispatcher
    retried them ("channel whatsapp not configured") and the progress bar waited 76 s."""
    assert "whatsapp" not in site.runtime.channels
    bc = service(site.runtime)
    broadcast = bc.create(Draft({"de": "Hallo {name}"}, {"languages": ["ar"]}), "vnb-nienburg")
    shown = bc.preview(broadcast["id"])
    assert shown["not_configured"] == {"whatsapp": 1}
    assert shown["recipients"] == 3
    start = clock()
    bc.send(broadcast["id"])
    with site.runtime.db.connect() as conn:
        channels = conn.execute(
            select(outbox.c.channel).where(outbox.c.broadcast_id == broadcast["id"])
        ).scalars()
        assert set(channels) == {"simulator"}
        reasons = conn.execute(
            select(broadcast_exclusions.c.channel, broadcast_exclusions.c.reason).where(
                broadcast_exclusions.c.broadcast_id == broadcast["id"]
            )
        ).all()
    assert ("whatsapp", "channel_not_configured") in reasons
    assert send_all(site.runtime) == 3
    progress = bc.progress(broadcast["id"])
    assert progress["remaining"] == 0 and progress["waiting"] == 0  # nothing left to wait for
    assert bc.tick()["finished"] == 1
    assert bc.status(broadcast["id"])["excluded"]["channel_not_configured"] == 1
    assert clock() == start  # the frozen clock: nobody advanced it, nothing waited on it


def test_a_time_in_the_past_is_refused_and_a_later_one_scheduled(
    site: Site, web: TestClient
) -> None:
    csrf = login_client(web, "ko@example.org", PASSWORD)
    created = web.post(
        "/staff/broadcasts/new",
        data=compose(site, text_de="Hallo", towns="Hoya", action="next", csrf_token=csrf),
        follow_redirects=False,
    )
    assert created.status_code == 303 and created.headers["location"].endswith("/send")
    confirm = web.get(created.headers["location"])
    assert "WhatsApp ist in dieser Installation nicht eingerichtet" in confirm.text
    assert "Dringend: auch in der Ruhezeit senden" in confirm.text
    send = created.headers["location"]
    past = web.post(
        send, data={"when": "later", "date": "2020-01-06", "time": "09:00", "csrf_token": csrf}
    )
    assert past.status_code == 400
    assert "Dieser Zeitpunkt liegt in der Vergangenheit." in past.text
    garbage = web.post(
        send, data={"when": "later", "date": "morgen", "time": "9", "csrf_token": csrf}
    )
    assert garbage.status_code == 400 and "Bitte geben Sie Datum und Uhrzeit an." in garbage.text
    later = web.post(
        send,
        data={
            "when": "later",
            "date": "2030-03-04",
            "time": "10:30",
            "followup": "yes",
            "followup_hours": "24",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert later.status_code == 303
    report = web.get(later.headers["location"])
    assert "Geplant" in report.text and "2030-03-04 10:30" in report.text
    assert 'hx-trigger="every 3s"' in report.text  # scheduled: the view keeps looking
    with site.runtime.db.connect() as conn:
        row = conn.execute(select(broadcasts)).mappings().one()
        assert conn.execute(select(outbox.c.id)).all() == []
    assert row["status"] == "scheduled" and row["followup_hours"] == 24
    cancel = web.post(
        later.headers["location"] + "/cancel", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert cancel.status_code == 303
    assert "Abgebrochen" in web.get(cancel.headers["location"]).text


def test_the_report_counts_what_the_dispatcher_did(site: Site, web: TestClient) -> None:
    csrf = login_client(web, "ko@example.org", PASSWORD)
    created = web.post(
        "/staff/broadcasts/new",
        data=compose(site, text_de="Hallo {name}", languages="ar", action="next", csrf_token=csrf),
        follow_redirects=False,
    )
    sent = web.post(
        created.headers["location"],
        data={"when": "now", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    progress_path = sent.headers["location"] + "/progress"
    running = web.get(progress_path)
    assert 'hx-trigger="every 3s"' in running.text and 'data-total="queued">3<' in running.text
    assert send_all(site.runtime) == 3
    service(site.runtime).tick()  # the scheduler's job marks it sent
    done = web.get(progress_path)
    assert "hx-trigger" not in done.text  # done: the polling stops
    assert 'data-status="sent"' in done.text
    assert 'data-total="sent">3<' in done.text
    assert 'data-total="failed">0<' in done.text
    assert "Kanal nicht eingerichtet: 1" in done.text
    assert "hat sich abgemeldet: 1" in done.text
    assert "keine Einwilligung für Nachrichten: 1" in done.text
    assert "Erinnerung jetzt senden" in done.text
    followed = web.post(
        sent.headers["location"] + "/followup", data={"csrf_token": csrf}, follow_redirects=False
    )
    # The simulator reports no reads and nothing failed: nobody to send it to again.
    after = web.get(followed.headers["location"])
    assert "Es gibt niemanden, an den eine Erinnerung gehen könnte." in after.text
    assert "Erinnerung jetzt senden" not in after.text  # once only
    assert "erstellt" in after.text and "Erinnerung gesendet" in after.text  # the history
    listing = web.get("/staff/broadcasts")
    assert "Neuer Kurs" in listing.text and "Gesendet" in listing.text
    assert "Neue Nachricht" in listing.text
    with site.runtime.db.connect() as conn:
        orgs = {
            r.organisation_id
            for r in conn.execute(select(audit).where(audit.c.action.like("broadcast.%")))
        }
    assert orgs == {site.org}


def test_another_organisations_broadcast_is_404(site: Site, web: TestClient) -> None:
    mine = service(site.runtime).create(Draft({"de": "Hallo"}, {"all": True}), "vnb-nienburg")
    csrf = login_client(web, "hoya@example.org", PASSWORD)
    assert "Hallo" not in web.get("/staff/broadcasts").text
    base = f"/staff/broadcasts/{mine['id']}"
    for path in (
        base,
        f"{base}/edit",
        f"{base}/send",
        f"{base}/progress",
        "/staff/broadcasts/999",
    ):
        assert web.get(path).status_code == 404, path
    for action in ("edit", "send", "cancel", "followup"):
        answer = web.post(f"{base}/{action}", data={"csrf_token": csrf, "text_de": "x"})
        assert answer.status_code == 404, action
    # Her own organisation's form cannot name the other one either.
    other = web.post(
        "/staff/broadcasts/new",
        data={
            "organisation": str(site.org),
            "text_de": "x",
            "audience": "everyone",
            "csrf_token": csrf,
        },
    )
    assert other.status_code == 404
    with site.runtime.db.connect() as conn:
        assert conn.execute(select(broadcasts.c.status)).scalars().all() == ["draft"]


def test_twc_broadcast_names_the_missing_channels_and_returns_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line in a deployment with no channel at all (test environment: no
    simulator, no Telegram token, no Twilio credentials): preview names the channels, send
    writes no row, so its progress bar has nothing to wait for and returns."""
    from typer.testing import CliRunner

    from bot.cli import app
    from bot.db.connect import make_engine

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("TWC_DATABASE_URL", url)
    monkeypatch.setenv("TWC_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWC_ENVIRONMENT", "test")
    runner = CliRunner()

    def twc(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    twc("demo", "load")
    engine = make_engine(url)
    try:
        add_people(engine, TEST_SECRET, PEOPLE, FrozenClock()())
    finally:
        engine.dispose()
    announcement = tmp_path / "kurs.yaml"
    announcement.write_text("de: Hallo {name}\n", encoding="utf-8")
    created = twc("broadcast", "create", "--file", str(announcement), "--language", "ar")
    broadcast = created.split("Broadcast ", 1)[1].split(" ", 1)[0]
    shown = " ".join(twc("broadcast", "preview", broadcast).split())
    assert "Channel whatsapp is not configured in this deployment: 1 person only" in shown
    assert "Channel simulator is not configured in this deployment: 3 people only" in shown
    assert "Recipients: 0" in shown
    sent = twc("broadcast", "send", broadcast)
    assert "0 messages queued" in sent
    report = json.loads(twc("broadcast", "status", broadcast, "--json"))
    assert report["excluded"] == {"channel_not_configured": 4, "opted_out": 1, "no_consent": 1}
    assert report["recipients"] == 0


def test_the_counts_say_who_needs_a_whatsapp_template_and_whether_one_exists(
    sqlite_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    """With WhatsApp configured (no request is made: counting reads only): inside the
    24-hour window nothing is needed; outside it an Arabic text has its approved template,
    a Ukrainian one has none (and no other channel: "needs template")."""
    import yaml

    from bot.db.migrate import upgrade
    from bot.demo import load_demo
    from bot.runtime import build_runtime
    from bot.settings import Settings
    from tests.auxil.whatsapp import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, SENDER

    templates = tmp_path / "templates.yaml"
    templates.write_text(
        yaml.safe_dump(
            {
                "templates": {
                    "broadcast": {"ar": {"content_sid": "HX" + "a6" * 16, "variables": ["org"]}}
                }
            }
        ),
        encoding="utf-8",
    )
    settings = Settings(
        database_url=sqlite_url,
        environment="test",
        secret_key=TEST_SECRET,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=SENDER,
        public_url=PUBLIC_URL,
        twilio_api_url="http://127.0.0.1:9",  # never asked
        twilio_templates=templates,
    )
    upgrade(sqlite_url)
    runtime = build_runtime(settings, clock=clock)
    try:
        load_demo(runtime.db, TEST_SECRET, clock())
        now = clock()
        recent, old = now - timedelta(hours=2), now - timedelta(days=3)
        add_people(
            runtime.db,
            TEST_SECRET,
            [
                Member("+4917600000001", "ar", channel="whatsapp", last_inbound_at=recent),
                Member("+4917600000002", "ar", channel="whatsapp", last_inbound_at=old),
                Member("+4917600000003", "ar", channel="whatsapp", last_inbound_at=old),
                Member("+4917600000004", "uk", channel="whatsapp", last_inbound_at=old),
            ],
            now,
        )
        counts = service(runtime).estimate(
            organisation_id(runtime),
            {"de": "Hallo", "ar": "مرحبا", "uk": "Привіт"},
            {"towns": ["Hoya"]},
        )
    finally:
        runtime.close()
    assert counts["recipients"] == 4
    assert counts["not_configured"] == {}
    assert counts["outside_window"] == {
        "ar": {"people": 2, "template": True},
        "uk": {"people": 1, "template": False},
    }
    assert counts["needs_template"] == 1
