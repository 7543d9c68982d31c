"""WhatsApp templates: Twilio's approval statuses (Prism serving Twilio's Content API
description, and a stand-in for what Prism's static example cannot show), the kinds ×
languages table with the people each gap concerns, the page over HTTP (refresh with CSRF,
audited; Twilio unreachable or not configured is a plain message), ``twc templates status`` and
the warning of ``twc flows check``.  The browser test is ``test_wa_templates_browser.py``.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.cli import app
from bot.db.tables import audit, organisations, whatsapp_template_status
from bot.features import registry
from bot.features.wa_templates.client import TwilioApprovals
from bot.features.wa_templates.flowcheck import Audience, starters, template_warnings
from bot.features.wa_templates.kinds import BOT_STARTED, NO_TEMPLATE_NEEDED
from bot.features.wa_templates.service import REFRESH_ACTION, TemplateService
from bot.runtime import Runtime
from bot.settings import Settings
from bot.web.app import create_app
from conversations.languages import default_languages
from conversations.loader import read_flows
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.people import DEMO, OTHER, add_person, organisation_id, second_organisation
from tests.auxil.processes import REPO_ROOT, free_port
from tests.auxil.staff import PASSWORD, add_staff, login_client
from tests.auxil.twilio import Prism
from tests.auxil.wa_templates import EXAMPLE_TEMPLATES, ApprovalStandIn, content_prism

ACCOUNT = "AC" + "a" * 32
REMINDER_DE = "HX0000000000000000000000000000de01"
REMINDER_AR = "HX0000000000000000000000000000a001"
REMINDER_UK = "HX0000000000000000000000000000c001"
#: The example file's distinct Content SIDs (3 reminders, 6 broadcasts, 4 team replies).
#: 13, the mentoring introduction and relayed message, the job digest, each in de, ar, uk.
EXAMPLE_SIDS = 34


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prism]:
    """One Prism for the module (it keeps no state; starting it takes seconds)."""
    with content_prism(tmp_path_factory.mktemp("prism")) as running:
        yield running


def twilio_settings(runtime: Runtime, api_url: str | None, **more: object) -> Settings:
    return runtime.settings.model_copy(
        update={
            "twilio_account_sid": ACCOUNT,
            "twilio_auth_token": "test-token",
            "twilio_api_url": api_url,
            "twilio_templates": EXAMPLE_TEMPLATES,
            **more,
        }
    )


def service(runtime: Runtime, api_url: str | None) -> TemplateService:
    return TemplateService(
        runtime.db, twilio_settings(runtime, api_url), runtime.clock, default_languages()
    )


def stored(runtime: Runtime) -> dict[str, dict[str, object]]:
    with runtime.db.connect() as conn:
        rows = conn.execute(select(whatsapp_template_status)).mappings().all()
    return {row["content_sid"]: dict(row) for row in rows}


# ---- Twilio's Content API ----------------------------------------------------------------------


def test_the_status_prism_serves_from_twilios_description_is_stored(
    sqlite_runtime: Runtime, clock: FrozenClock, prism: Prism
) -> None:
    templates = service(sqlite_runtime, prism.url)
    outcome = templates.refresh("staff:1", [organisation_id(sqlite_runtime, DEMO)])
    assert outcome.ok
    assert outcome.checked == EXAMPLE_SIDS
    rows = stored(sqlite_runtime)
    assert len(rows) == EXAMPLE_SIDS
    # Prism answers every SID with the description's one example ("tree_fiddy", approved).
    assert rows[REMINDER_AR]["status"] == "approved"
    assert rows[REMINDER_AR]["name"] == "tree_fiddy"
    assert rows[REMINDER_AR]["category"] == "UTILITY"
    assert rows[REMINDER_AR]["rejection_reason"] == ""
    assert rows[REMINDER_AR]["checked_at"] == clock()
    # Prism validated each request (Basic auth, the SID pattern): nothing was refused.
    assert "✖" not in prism.log()  # Prism marks each violation of the description so
    with sqlite_runtime.db.connect() as conn:
        entries = conn.execute(select(audit).where(audit.c.action == REFRESH_ACTION)).all()
    assert [(e.actor, e.organisation_id, e.details["checked"]) for e in entries] == [
        ("staff:1", organisation_id(sqlite_runtime, DEMO), EXAMPLE_SIDS)
    ]


def test_a_rejection_and_an_unknown_sid_from_the_stand_in(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    """Prism's static example is always "approved": a rejection with its reason, a paused
    template and a SID Twilio does not know (404) come from our own small stand-in, still
    read through the real twilio client."""
    answers = {
        REMINDER_DE: {"status": "approved", "name": "twc_course_reminder", "category": "UTILITY"},
        REMINDER_AR: {
            "status": "rejected",
            "name": "twc_course_reminder_ar",
            "category": "UTILITY",
            "rejection_reason": "The template has a variable at the very end.",
        },
        REMINDER_UK: {"status": "paused", "name": "twc_course_reminder_uk"},
    }
    with ApprovalStandIn(answers) as stand_in:
        outcome = service(sqlite_runtime, stand_in.url).refresh()
    assert outcome.ok
    assert f"/v1/Content/{REMINDER_AR}/ApprovalRequests" in stand_in.asked
    rows = stored(sqlite_runtime)
    assert rows[REMINDER_AR]["status"] == "rejected"
    assert rows[REMINDER_AR]["rejection_reason"] == "The template has a variable at the very end."
    assert rows[REMINDER_UK]["status"] == "paused"
    assert rows["HX0000000000000000000000000000e007"]["status"] == "unknown"  # 404


def test_twilio_unreachable_keeps_the_last_answers(
    sqlite_runtime: Runtime, clock: FrozenClock, prism: Prism
) -> None:
    assert service(sqlite_runtime, prism.url).refresh().ok
    before = stored(sqlite_runtime)
    clock.advance(hours=24)
    outcome = service(sqlite_runtime, f"http://127.0.0.1:{free_port()}").refresh()
    assert not outcome.ok
    assert outcome.failure is not None and outcome.failure.code is None
    assert stored(sqlite_runtime) == before  # nothing overwritten, the old date stays


def test_wrong_credentials_are_a_refusal_with_its_code(sqlite_runtime: Runtime) -> None:
    with ApprovalStandIn({}) as stand_in:
        stand_in.server.RequestHandlerClass.do_GET = _answer_401  # type: ignore[attr-defined]
        outcome = service(sqlite_runtime, stand_in.url).refresh()
    assert outcome.failure is not None
    assert outcome.failure.code == 20003


def _answer_401(handler: object) -> None:
    from http.server import BaseHTTPRequestHandler

    assert isinstance(handler, BaseHTTPRequestHandler)
    body = json.dumps(
        {"code": 20003, "message": "Authenticate", "more_info": "", "status": 401}
    ).encode()
    handler.send_response(401)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def test_the_client_reads_twilios_whatsapp_object(prism: Prism) -> None:
    approval = TwilioApprovals(ACCOUNT, "token", prism.url).approval(REMINDER_UK)
    assert (approval.content_sid, approval.status, approval.name) == (
        REMINDER_UK,
        "approved",
        "tree_fiddy",
    )


# ---- the kinds × languages table ---------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    runtime: Runtime
    demo: int
    other: int


@pytest.fixture
def known(sqlite_runtime: Runtime, clock: FrozenClock) -> Known:
    """The known data set (:func:`known_data`) on SQLite, for the pages and commands."""
    return known_data(sqlite_runtime, clock)


@pytest.fixture
def known_both(runtime: Runtime, clock: FrozenClock) -> Known:
    """The known data set on SQLite and on PostgreSQL (the counting query)."""
    return known_data(runtime, clock)


def known_data(sqlite_runtime: Runtime, clock: FrozenClock) -> Known:
    """The demo organisation offers de, ar, uk, fa; its people on WhatsApp:
    3 Arabic, 1 Persian (+1 only on Telegram), 1 Ukrainian who opted out, 1 Russian (not
    offered, but she speaks it), 1 without a language (counts as German), 1 Arabic whose
    WhatsApp number does not work."""
    now = clock()
    rt = sqlite_runtime
    demo = organisation_id(rt, DEMO)
    other = second_organisation(rt, now)
    with rt.db.begin() as conn:
        conn.execute(
            update(organisations)
            .where(organisations.c.id == demo)
            .values(languages=["de", "ar", "uk", "fa"], default_language="de")
        )
    wa = "whatsapp"
    for index in range(3):
        add_person(
            rt, demo, f"A{index}", now, language="ar", channels=[(wa, f"+491761{index}", "ok")]
        )
    add_person(rt, demo, "Ar", now, language="ar", channels=[(wa, "+4917619", "unreachable")])
    add_person(rt, demo, "F1", now, language="fa", channels=[(wa, "+4917620", "ok")])
    add_person(rt, demo, "F2", now, language="fa", channels=[("telegram", "5566", "ok")])
    add_person(
        rt, demo, "U1", now, language="uk", status="opted_out", channels=[(wa, "+4917630", "ok")]
    )
    add_person(rt, demo, "R1", now, language="ru", channels=[(wa, "+4917640", "ok")])
    add_person(rt, demo, "N1", now, language=None, channels=[(wa, "+4917650", "ok")])  # type: ignore[arg-type]
    add_person(rt, other, "O1", now, language="fa", channels=[(wa, "+4917660", "ok")])
    return Known(rt, demo, other)


def test_the_table_names_each_gap_and_the_people_it_concerns(known_both: Known) -> None:
    known = known_both
    overview = service(known.runtime, None).overview(known.demo)
    assert overview is not None
    assert overview.languages == ("de", "ar", "uk", "fa", "ru")
    assert overview.people_by_language == {"ar": 3, "fa": 1, "ru": 1, "de": 1}
    assert [row.kind.kind for row in overview.rows] == [
        "course_reminder",
        "course",
        "broadcast",
        "team_reply",
        "introduction",
        "mentor_message",
        "job_digest",
        "meetup_vote",
        "meetup_confirmed",
        "meetup_reminder",
        "meetup_changed",
        "nudge",
    ]
    gaps = {(g.kind.kind, g.language): (g.people, g.fallback_language) for g in overview.gaps}
    assert gaps == {
        ("course_reminder", "fa"): (1, "de"),
        ("course_reminder", "ru"): (1, "de"),
        ("team_reply", "fa"): (1, "de"),
        ("team_reply", "ru"): (1, "de"),
        ("introduction", "fa"): (1, "de"),
        ("introduction", "ru"): (1, "de"),
        ("mentor_message", "fa"): (1, "de"),
        ("mentor_message", "ru"): (1, "de"),
        ("job_digest", "fa"): (1, "de"),
        ("job_digest", "ru"): (1, "de"),
        **{
            (kind, code): (1, "de")
            for kind in ("meetup_vote", "meetup_confirmed", "meetup_reminder", "meetup_changed")
            for code in ("fa", "ru")
        },
        **{
            ("course", code): (n, None)
            for code, n in [("de", 1), ("ar", 3), ("uk", 0), ("fa", 1), ("ru", 1)]
        },
        **{
            ("nudge", code): (n, None)
            for code, n in [("de", 1), ("ar", 3), ("uk", 0), ("fa", 1), ("ru", 1)]
        },
    }
    # The biggest gap first.
    assert (overview.gaps[0].people, overview.gaps[0].language) == (3, "ar")
    reminder = overview.rows[0]
    assert [(c.language, c.content_sid) for c in reminder.cells][:3] == [
        ("de", REMINDER_DE),
        ("ar", REMINDER_AR),
        ("uk", REMINDER_UK),
    ]


# ---- the page over HTTP --------------------------------------------------------------------------


def _client(monkeypatch: pytest.MonkeyPatch, runtime: Runtime, api_url: str | None) -> TestClient:
    runtime.settings = twilio_settings(runtime, api_url)
    return TestClient(create_app(runtime, background=False))


def test_the_page_refreshes_and_shows_statuses(
    known: Known, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = {
        REMINDER_AR: {
            "status": "rejected",
            "name": "twc_course_reminder_ar",
            "rejection_reason": "Variable at the end.",
        },
        REMINDER_DE: {"status": "approved", "name": "twc_course_reminder"},
    }
    with (
        ApprovalStandIn(answers) as stand_in,
        _client(monkeypatch, known.runtime, stand_in.url) as web,
    ):
        csrf = login_client(web)
        page = web.get("/staff/templates")
        assert page.status_code == 200
        assert "WhatsApp-Vorlagen" in page.text
        assert "Noch nicht geprüft" in page.text
        refused = web.post("/staff/templates/refresh", data={}, follow_redirects=False)
        assert refused.status_code == 403  # no CSRF token
        done = web.post("/staff/templates/refresh", data={"csrf_token": csrf})
        assert done.status_code == 200
        text = done.text
    assert "Der Status ist aktuell" in text
    assert "Abgelehnt" in text and "Grund: Variable at the end." in text
    assert "Freigegeben" in text
    assert "Bei Twilio unbekannt" in text  # the other SIDs: 404 at the stand-in
    missing = text[text.index("Was fehlt") : text.index("Diese Vorlagen gibt es")]
    assert "Kurs-Erinnerung auf Arabisch" not in missing  # ar has its own template
    assert re.search(
        r"Geplante Nachricht des Bots auf Arabisch</strong>:\s*3 Personen betroffen", text
    )
    assert "Es gibt keine Ersatz-Vorlage" in text
    assert re.search(
        r"Diese Vorlagen gibt es, aber WhatsApp stellt sie nicht zu:.*"
        r"Kurs-Erinnerung auf Arabisch</strong>:\s*Abgelehnt.\s*3 Personen betroffen.\s*"
        r"Grund: Variable at the end.",
        text,
        re.DOTALL,
    )
    assert re.search(
        r"Kurs-Erinnerung auf Persisch</strong>:\s*1 Person betroffen.\s*Sie bekommen stattdessen die Vorlage auf Deutsch",
        text,
    )
    with known.runtime.db.connect() as conn:
        entry = conn.execute(select(audit).where(audit.c.action == REFRESH_ACTION)).one()
    assert entry.organisation_id == known.demo
    assert entry.actor.startswith("staff:")


def test_twilio_unreachable_is_a_plain_message_on_the_page(
    known: Known, monkeypatch: pytest.MonkeyPatch, clock: FrozenClock, prism: Prism
) -> None:
    service(known.runtime, prism.url).refresh()
    clock.advance(hours=3)
    with _client(monkeypatch, known.runtime, f"http://127.0.0.1:{free_port()}") as web:
        csrf = login_client(web)
        answer = web.post("/staff/templates/refresh", data={"csrf_token": csrf})
    assert answer.status_code == 200
    assert re.search(
        r"Twilio war nicht erreichbar; Stand von \d\d\.\d\d\.\d\d, \d\d:\d\d\.", answer.text
    )
    assert "Freigegeben" in answer.text  # the last answers are still shown


def test_without_twilio_credentials_the_page_says_so(known: Known) -> None:
    known.runtime.settings = known.runtime.settings.model_copy(
        update={
            "twilio_account_sid": None,
            "twilio_auth_token": None,
            "twilio_templates": EXAMPLE_TEMPLATES,
        }
    )
    with TestClient(create_app(known.runtime, background=False)) as web:
        csrf = login_client(web)
        page = web.get("/staff/templates")
        assert "WhatsApp ist nicht eingerichtet" in page.text
        assert "Status jetzt bei Twilio abfragen" not in page.text
        answer = web.post("/staff/templates/refresh", data={"csrf_token": csrf})
    assert "WhatsApp ist nicht eingerichtet: es gibt nichts abzufragen." in answer.text
    assert "Freigegeben" not in answer.text and "Kurs-Erinnerung" in answer.text
    # A deployment without WhatsApp and without a template file: only the sentence.
    known.runtime.settings = known.runtime.settings.model_copy(
        update={"twilio_templates": Path("/nonexistent/templates.yaml")}
    )
    with TestClient(create_app(known.runtime, background=False)) as web:
        login_client(web)
        page = web.get("/staff/templates")
    assert "WhatsApp ist nicht eingerichtet" in page.text
    assert "Was fehlt" not in page.text


def test_staff_see_only_their_organisations(known: Known) -> None:
    add_staff(known.runtime, "hoya@example.org", organisation=OTHER)
    with _client(pytest.MonkeyPatch(), known.runtime, None) as web:
        login_client(web, "hoya@example.org", PASSWORD)
        page = web.get("/staff/templates").text
    assert "Hoya hilft e.V." in page
    assert "Nienburg" not in page


def test_a_broken_template_file_is_a_message_not_an_error(known: Known, tmp_path: Path) -> None:
    broken = tmp_path / "templates.yaml"
    broken.write_text("templates:\n  broadcast:\n    de: {content_sid: nope}\n", encoding="utf-8")
    known.runtime.settings = twilio_settings(known.runtime, None, twilio_templates=broken)
    with TestClient(create_app(known.runtime, background=False)) as web:
        login_client(web)
        page = web.get("/staff/templates")
    assert page.status_code == 200
    assert "Die Vorlagen-Datei ist fehlerhaft" in page.text
    assert "content_sid must look like HX" in page.text


# ---- the message kinds, derived from the code -------------------------------------------------


def _outbox_kinds_in_code() -> dict[str, str]:
    """Every literal outbox kind the bot writes: ``kind=...``/``"kind": ...`` in modules that
    mention the outbox, literal or through a module constant (``KIND = "broadcast"``).
    ``course_reminder`` and ``nudge`` come from ``bot.outbox.kinds`` (read by kinds.py)."""
    found: dict[str, str] = {}
    for path in sorted((REPO_ROOT / "bot").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "outbox" not in source:
            continue
        tree = ast.parse(source)
        constants = {
            target.id: node.value.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name) and isinstance(node.value.value, str)
        }
        for node in ast.walk(tree):
            value = None
            if isinstance(node, ast.keyword) and node.arg == "kind":
                value = node.value
            elif isinstance(node, ast.Dict):
                for key, item in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "kind":
                        value = item
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found[value.value] = str(path.relative_to(REPO_ROOT))
            elif isinstance(value, ast.Name) and value.id in constants:
                found[constants[value.id]] = str(path.relative_to(REPO_ROOT))
    return found


def test_every_outbox_kind_the_bot_writes_is_on_the_page_or_needs_no_template() -> None:
    listed = {kind.kind for kind in BOT_STARTED} | NO_TEMPLATE_NEEDED
    written = _outbox_kinds_in_code()
    for expected in ("broadcast", "course", "team_reply"):
        assert expected in written, expected
    # Nudge kinds (rows of the nudges table, not the outbox) fire flows whose messages are
    # ``nudge`` or ``course_reminder`` outbox rows (bot.outbox.kinds).
    nudge_kinds = set(registry.nudge_kinds())
    unknown = {
        kind: where
        for kind, where in written.items()
        if kind not in listed and kind not in nudge_kinds and kind != "timeout"
    }
    assert not unknown, f"outbox kinds missing from bot/features/wa_templates/kinds.py: {unknown}"


# ---- twc flows check and twc templates status ------------------------------------------------


def test_flows_that_start_messages_are_found_with_their_kind() -> None:
    found = {(s.flow, s.kind): s.nodes for s in starters(read_flows(registry.flow_files()))}
    assert found == {
        ("checkin", "nudge"): ("hello", "feedback"),
        ("course", "course_reminder"): ("reminder",),
        # The introductions name their template kinds in the trigger's values (the question
        # as "introduction", a relayed message as "mentor_message"), which a flow file does
        # not show: read from the file, every node a nudge starts counts as "nudge".
        ("intro", "nudge"): (
            "mentor_reminder",
            "participant_reminder",
            "not_this_time",
            "contact_ask",
            "relayed",
            "shared_contact",
            "partner_ended",
            "partner_gone",
            "met",
            "checkin",
        ),
        # The job digest names its template kind ("job_digest") in the trigger's values; its
        # entry node only moves a card into place (no text): read from the file, the word
        # that an offer is gone is the flow's one "nudge".
        ("jobs", "nudge"): ("withdrawn",),
        ("retention", "nudge"): ("warning",),
        # A meetup's question to each member, its confirmation, reminders, the deadline.  The
        # vote, confirmation, reminder and change name their template kinds ("meetup_vote",
        # "meetup_confirmed", "meetup_reminder", "meetup_changed") in the trigger's values,
        # which a flow file does not show: read from the file, each counts as "nudge".
        ("meetup", "nudge"): (
            "vote",
            "confirmed",
            "reminder",
            "auto_confirmed",
            "too_few",
            "moved",
            "cancelled",
            "after",
        ),
        # Groups: an organiser asked about a request to join, a woman told the answer or that
        # she organises now (nudges group_request / group_news); "leave_which" is reached by
        # the word "austreten" and listed as an entry point for that.
        ("groups", "nudge"): (
            "leave_which",
            "request",
            "news_accepted",
            "news_declined",
            "news_organiser",
        ),
    }


def test_the_flows_check_warns_about_spoken_languages_without_a_template(
    sqlite_runtime: Runtime,
) -> None:
    flows = read_flows(registry.flow_files())
    settings = twilio_settings(sqlite_runtime, None)
    audience = Audience("vnb", "de", ("de", "ar", "uk"), {"ar": 3, "fa": 2})
    lines = template_warnings(flows, settings, default_languages(), [audience])
    reminder = [line for line in lines if "'course_reminder'" in line]
    assert reminder == [
        "course.yaml: flow 'course' starts 'course_reminder' messages (reminder); no WhatsApp "
        "template for 'course_reminder' in organisation 'vnb' for fa (spoken by 2 people; gets "
        "the de template)"
    ]
    checkin = next(line for line in lines if "flow 'checkin'" in line)
    assert "ar (offered, spoken by 3 people; held as needs_template)" in checkin
    # Without WhatsApp and without a template file there is nothing to say.
    quiet = settings.model_copy(
        update={"twilio_templates": Path("/nonexistent.yaml"), "twilio_account_sid": None}
    )
    assert template_warnings(flows, quiet, default_languages(), [audience]) == []


def test_twc_flows_check_warns_but_passes_and_reads_the_people(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, known: Known
) -> None:
    url = str(known.runtime.settings.database_url)
    monkeypatch.setenv("TWC_DATABASE_URL", url)
    monkeypatch.setenv("TWC_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWC_TWILIO_TEMPLATES", str(EXAMPLE_TEMPLATES))
    result = CliRunner().invoke(app, ["flows", "check"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "flows valid" in output
    assert "flow 'course' starts 'course_reminder' messages" in output
    assert (
        "organisation 'vnb-nienburg' for fa (offered, spoken by 1 person; gets the de template)"
        in output
    )


def test_twc_templates_status_refreshes_and_lists_gaps(
    monkeypatch: pytest.MonkeyPatch, known: Known, prism: Prism, clock: FrozenClock
) -> None:
    monkeypatch.setenv("TWC_DATABASE_URL", str(known.runtime.settings.database_url))
    monkeypatch.setenv("TWC_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWC_ENVIRONMENT", "test")
    monkeypatch.setenv("TWC_CLOCK_START", clock().isoformat())
    monkeypatch.setenv("TWC_TWILIO_TEMPLATES", str(EXAMPLE_TEMPLATES))
    monkeypatch.setenv("TWC_TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWC_TWILIO_AUTH_TOKEN", "token")
    monkeypatch.setenv("TWC_TWILIO_API_URL", prism.url)
    runner = CliRunner()
    result = runner.invoke(
        app, ["templates", "status", "--refresh", "--organisation", DEMO, "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout[result.stdout.index("[") :])
    (demo,) = data
    cell = next(
        t for t in demo["templates"] if t["kind"] == "course_reminder" and t["language"] == "ar"
    )
    assert (cell["status"], cell["people"]) == ("approved", 3)
    assert {"kind": "nudge", "language": "ar", "people": 3, "fallback_language": None} in demo[
        "missing"
    ]
    monkeypatch.setenv("TWC_TWILIO_API_URL", f"http://127.0.0.1:{free_port()}")
    down = runner.invoke(app, ["templates", "status", "--refresh"])
    assert down.exit_code == 1
    assert "Twilio was not reachable" in down.output
    assert "approved" in down.output  # the stored answers are still shown


def test_the_daily_job_asks_twilio_at_half_past_five(
    sqlite_runtime: Runtime, clock: FrozenClock, prism: Prism
) -> None:
    from bot.features.wa_templates import FEATURE

    (job,) = FEATURE.periodic_jobs
    assert (job.trigger, dict(job.trigger_args)) == ("cron", {"hour": 5, "minute": 30})
    assert job.run(sqlite_runtime) is False  # not configured: nothing asked, nothing queued
    assert stored(sqlite_runtime) == {}
    sqlite_runtime.settings = twilio_settings(sqlite_runtime, prism.url)
    assert job.run(sqlite_runtime) is False
    assert len(stored(sqlite_runtime)) == EXAMPLE_SIDS
    with sqlite_runtime.db.connect() as conn:
        assert conn.execute(select(audit).where(audit.c.action == REFRESH_ACTION)).all() == []


def test_a_second_refresh_overwrites_the_first(runtime: Runtime, clock: FrozenClock) -> None:
    """On SQLite and PostgreSQL: one row per SID, the newest answer and date."""
    with ApprovalStandIn({REMINDER_AR: {"status": "pending"}}) as stand_in:
        service(runtime, stand_in.url).refresh()
        stand_in.answers[REMINDER_AR] = {"status": "approved", "name": "twc_course_reminder_ar"}
        clock.advance(hours=1)
        service(runtime, stand_in.url).refresh()
    rows = stored(runtime)
    assert len(rows) == EXAMPLE_SIDS
    assert (rows[REMINDER_AR]["status"], rows[REMINDER_AR]["checked_at"]) == ("approved", clock())
