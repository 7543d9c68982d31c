"""Point 7 of issue 11: "my data" shows everything stored about her, in her language, and
``/export`` sends it to her as two files (JSON and readable text); ``twc people export ID``
writes the same for requests made by other means.

Before: "my data" showed name, language, town, interests, help needs and the consent date
only (no channels, courses, answers, feedback, consent purposes, requests or media), and
there was no export at all.

Her data here: onboarding (consent for two purposes), a course with a next session, "coming"
with feedback 😀 for one past session and "I can't come – I am ill" for another, a question
to the team from the chat, a voice message (``tests.auxil.my_data``).  SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, update
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.db.tables import audit, consents, outbox, people
from bot.features.my_data.links import ExportLinks
from bot.features.my_data.summary import mask, pack
from bot.runtime import Runtime
from bot.settings import load_settings
from tests.auxil.clock import FrozenClock
from tests.auxil.consent import wording_versions
from tests.auxil.constants import TEST_SECRET
from tests.auxil.courses import person_of
from tests.auxil.my_data import QUESTION, furnish
from tests.auxil.person import Line, on_channel
from tests.auxil.person import onboard as onboard_anywhere
from tests.auxil.simulator import Simulator, onboard

DE_DATA = """\
🔒 Ihre Daten bei uns

👤 Über Sie
• Name: Amina
• Sprache: Deutsch
• Ort: Hoya
• Interessen: 📚 Kurs
• Hilfe für den Kurs: —
🔔 Sie bekommen Nachrichten von uns.

📱 So schreiben wir Ihnen
• Simulator: … na

📚 Ihre Kurse
• Deutsch A2 in Hoya – nächster Termin: Montag, 7. Dezember 2026, 10:00

🗓️ Ihre Antworten zu Terminen
• Montag, 16. November 2026, Deutsch A2 in Hoya: ✅ Ich komme
• Montag, 23. November 2026, Deutsch A2 in Hoya: ❌ Ich kann nicht – 🤒 Ich bin krank

📝 Ihre Bewertungen
• Montag, 16. November 2026, Deutsch A2 in Hoya: 😀

✅ Ihr Einverständnis
• Wir speichern, was Sie uns sagen, damit Sie mitmachen können: seit Montag, 30. November 2026 (Text {de_profile})
• Nachrichten: Erinnerungen an Kurse und Neuigkeiten: seit Montag, 30. November 2026 (Text {de_messages})

🙋 Ihre Fragen an das Team
• Montag, 30. November 2026 (offen): Ich habe einen Brief vom Jobcenter bekommen und verstehe …

📎 Dateien, die Sie geschickt haben
• Sprachnachrichten: 1

📊 Für unsere Statistik (ohne Namen)
• Tage, an denen Sie uns geschrieben haben: 1
• Ihre Antworten auf Fragen: 4"""

DE_QUESTION = "🔒 Das sind alle Ihre Daten bei uns.\nWas möchten Sie tun?"
DE_BUTTONS = ["📥 Als Datei", "🗑️ Alles löschen", "🔕 Keine Nachrichten", "↩️ Zurück zum Menü"]
AR_LINES = [
    "🔒 بياناتكِ لدينا",
    "• الاسم: فاطمة",
    "• اللغة: العربية",
    "• الألمانية A2 في هويا – الموعد القادم: الاثنين، 7 ديسمبر 2026",
    "• الاثنين، 23 نوفمبر 2026، الألمانية A2 في هويا: ❌ لا أستطيع – 🤒 أنا مريضة",
    "• الاثنين، 16 نوفمبر 2026، الألمانية A2 في هويا: 😀",
    "• نحفظ ما تخبريننا به لكي تتمكني من المشاركة: منذ الاثنين، 30 نوفمبر 2026 (النص {ar_profile})",
    "• رسائل: تذكيرات بالدورات وأخبار: منذ الاثنين، 30 نوفمبر 2026 (النص {ar_messages})",
    "🙋 أسئلتكِ إلى الفريق",
    "• رسائل صوتية: 1",
]
AR_EXPORT = "📥 هذه بياناتكِ في ملفات."


def her_question(sim: Simulator) -> None:
    """She asks the team something through the menu."""
    sim.press("main.menu:person")
    sim.send(QUESTION)


def check_export(
    document: dict[str, Any], name: str, language: str, furnished: datetime, channel: str
) -> None:
    """The JSON file: her profile, course, answers, consents, question and voice message."""
    assert document["format"] == "twc-personal-data/1"
    assert document["profile"]["display_name"] == name
    assert document["profile"]["language"] == language
    assert document["profile"]["town"] == "Hoya"
    assert [c["channel"] for c in document["channels"]] == [channel]
    (course,) = document["courses"]
    assert course["title"]["ar"] == "الألمانية A2 في هويا"
    assert course["next_session"] == (furnished + timedelta(days=7)).isoformat()
    answers = [(a["answer"], a["reason"], a["feedback"]) for a in document["attendance"]]
    assert answers == [("coming", None, 4), ("not_coming", "ill", None)]
    consents = [
        (c["purpose"], c["wording_version"], c["withdrawn_at"]) for c in document["consents"]
    ]
    profile, messages = wording_versions(language)
    assert consents == [("profile", profile, None), ("messages", messages, None)]
    assert [(r["text"], r["status"]) for r in document["requests_to_team"]] == [(QUESTION, "open")]
    assert [(m["kind"], m["content_type"]) for m in document["media"]] == [("voice", "audio/ogg")]


# ---- the simulator ---------------------------------------------------------------------------


def test_my_data_in_german_and_arabic(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina = Simulator(client, "amina")
    onboard(amina)
    furnish(runtime, person_of(runtime, "amina"), clock())
    her_question(amina)
    replies = amina.send("/mydata")
    de_profile, de_messages = wording_versions("de")
    expected = DE_DATA.format(de_profile=de_profile, de_messages=de_messages)
    assert [r["text"] for r in replies] == [expected, DE_QUESTION]
    assert replies[0]["choices"] == []  # the buttons come with the last message
    assert [c["label"] for c in replies[-1]["choices"]] == DE_BUTTONS

    fatima = Simulator(client, "fatima")
    onboard(fatima, language="العربية", name="فاطمة")
    furnish(runtime, person_of(runtime, "fatima"), clock())
    her_question(fatima)
    replies = fatima.send("بياناتي")  # "my data" in Arabic
    shown = replies[0]["text"]
    ar_profile, ar_messages = wording_versions("ar")
    for line in AR_LINES:
        assert line.format(ar_profile=ar_profile, ar_messages=ar_messages) in shown
    assert [c["label"] for c in replies[-1]["choices"]] == [
        "📥 كملف",
        "🗑️ حذف كل شيء",
        "🔕 إيقاف الرسائل",
        "↩️ العودة للقائمة",
    ]


def links_in(replies: list[dict[str, Any]]) -> list[str]:
    return [line for r in replies for line in r["text"].splitlines() if line.startswith("/")]


def test_export_on_the_simulator_links_to_files_made_when_fetched(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    fatima = Simulator(client, "fatima")
    onboard(fatima, language="العربية", name="فاطمة")
    furnished = clock()
    furnish(runtime, person_of(runtime, "fatima"), furnished)
    her_question(fatima)
    fatima.send("/mydata")
    replies = fatima.press("📥 كملف")
    assert replies[0]["text"].startswith(AR_EXPORT)
    text_link, json_link = links_in(replies)
    assert text_link.endswith("/my-data.txt") and json_link.endswith("/my-data.json")
    assert replies[-1]["choices"]  # then the menu again

    assert client.head(json_link).status_code == 200  # Twilio asks HEAD first, then GET
    document = client.get(json_link)
    assert document.status_code == 200
    assert document.headers["cache-control"] == "no-store"
    check_export(document.json(), "فاطمة", "ar", furnished, "simulator")
    readable = client.get(text_link).text
    assert readable.startswith("🔒 كل بياناتكِ لدينا. حتى تاريخ: الاثنين، 30 نوفمبر 2026")
    assert QUESTION in readable  # in full, not its first words
    assert "• Simulator: fatima" in readable

    # Nothing of the files is stored: the export's outbox row holds at most the message and
    # her id (shown on the simulator at once, it is cleared down to its buttons and language).
    with runtime.db.connect() as conn:
        (row,) = conn.execute(
            select(outbox.c.payload).where(outbox.c.kind == "my_data_export")
        ).all()
    assert set(row.payload) <= {"text", "choices", "language", "rtl", "values"}
    assert "Jobcenter" not in json.dumps(row.payload, ensure_ascii=False)

    assert client.get(json_link.replace("/my-data.json", "/other.json")).status_code == 404
    token = json_link.split("/")[-2]
    assert client.get(json_link.replace(token, token[:-4] + "AAA=")).status_code == 404
    clock.now += timedelta(hours=1, minutes=1)
    assert client.get(json_link).status_code == 404  # an hour later the link is dead


def test_a_link_finds_nothing_once_she_deleted_everything(
    runtime: Runtime, client: TestClient
) -> None:
    amina = Simulator(client, "amina")
    onboard(amina)
    _text, json_link = links_in(amina.send("/export"))
    assert client.get(json_link).status_code == 200
    amina.send("/delete")
    amina.press("✅ Ja, alles löschen")
    assert client.get(json_link).status_code == 404


def test_long_data_comes_in_messages_under_the_whatsapp_limit_buttons_last(
    runtime: Runtime, client: TestClient
) -> None:
    amina = Simulator(client, "amina")
    onboard(amina)
    for number in range(40):
        amina.press("🙋 Team fragen") if number == 0 else amina.send("/human")
        amina.send(f"Frage {number}: " + "bitte helfen Sie mir mit dem Antrag " * 5)
    replies = amina.send("/mydata")
    assert len(replies) >= 3
    assert all(len(r["text"]) <= 1600 for r in replies)
    assert [bool(r["choices"]) for r in replies] == [False] * (len(replies) - 1) + [True]
    shown = "\n".join(r["text"] for r in replies)
    assert all(f"Frage {n}:" in shown for n in range(40))


def test_pack_and_mask() -> None:
    assert mask("whatsapp:+4915112345623") == "+49 … 23"
    assert mask("123456789") == "… 89"
    parts = ["a" * 700, "b" * 700, "c\n" * 800]
    messages = pack(parts, limit=1200)
    assert all(len(m) <= 1200 for m in messages)
    assert "".join(messages).replace("\n", "") == "".join(parts).replace("\n", "")


# ---- Telegram and WhatsApp -------------------------------------------------------------------


@pytest.fixture(params=["telegram", "whatsapp"])
def line(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path, clock: FrozenClock
) -> Iterator[Line]:
    channel = request.param
    prism_url = request.getfixturevalue("prism").url if channel == "whatsapp" else None
    with on_channel(channel, database_url, tmp_path, clock, prism_url) as on:
        yield on


@pytest.mark.slow
def test_my_data_and_export_on_telegram_and_whatsapp(line: Line) -> None:
    """Telegram (German): the files are uploaded with sendDocument.  WhatsApp (Arabic): Twilio
    gets a short-lived link per file and fetches it from the bot."""
    german = line.channel == "telegram"
    name = "Amina" if german else "فاطمة"
    person = line.person(name, language="de" if german else "ar")
    onboard_anywhere(person, language="Deutsch" if german else "العربية", name=name)
    runtime = line.runtime
    furnished = runtime.clock()
    furnish(runtime, person_of_channel(person), furnished)
    person.press(
        person.buttons()[3]
    )  # 🙋 the team (the features' entries first: groups, jobs, mentoring)
    person.say(QUESTION)
    shown = person.say("/mydata")
    texts = [seen.text for seen in shown]
    if german:
        data = texts[0]
        assert "• Name: Amina" in data
        assert "❌ Ich kann nicht – 🤒 Ich bin krank" in data
        assert "• Telegram: … " in data
        assert "Ich habe einen Brief vom Jobcenter bekommen und verstehe …" in data
        assert person.buttons() == DE_BUTTONS
    else:
        data = texts[0]
        ar_profile, ar_messages = wording_versions("ar")
        for wanted in AR_LINES[1:]:
            filled = wanted.format(ar_profile=ar_profile, ar_messages=ar_messages)
            assert filled.replace("فاطمة", name) in data
        assert "• WhatsApp: +49 … " in data
        assert "📥 كملف" in person.buttons()
    assert all(len(text) <= 1600 for text in texts)

    person.say("/export")
    if german:
        proxy = line.peers["proxy"]
        files = {
            c.params["document"]["filename"]: c.params["document"]["content"]
            for c in proxy.calls_of("sendDocument")
            if str(c.params.get("chat_id")) == person.address
        }
        assert set(files) == {"my-data.txt", "my-data.json"}
        check_export(json.loads(files["my-data.json"]), "Amina", "de", furnished, "telegram")
        assert files["my-data.txt"].startswith("🔒 Alle Ihre Daten bei uns. Stand:")
        assert "📥 Hier sind Ihre Daten als Dateien." in person.last_texts()[0]
    else:
        sent = line.peers["twilio"].to(person.address)
        media = [s.form["MediaUrl"] for s in sent if "MediaUrl" in s.form]
        assert [m.rsplit("/", 1)[-1] for m in media] == ["my-data.txt", "my-data.json"]
        bodies = [s.form.get("Body", "") for s in sent]
        assert any(b.startswith(AR_EXPORT) for b in bodies)
        fetched = line.client.get(urlsplit(media[1]).path)  # as Twilio fetches it
        assert fetched.status_code == 200
        assert fetched.headers["content-type"] == "text/plain; charset=utf-8"
        check_export(fetched.json(), name, "ar", furnished, "whatsapp")


def person_of_channel(person: Any) -> int:
    """Her person id, through her identity on her channel."""
    return int(person.stored()["id"])


# ---- the command line ------------------------------------------------------------------------


def test_twc_people_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import app

    monkeypatch.setenv("TWC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("TWC_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWC_ENVIRONMENT", "test")
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "load"]).exit_code == 0
    listed = runner.invoke(app, ["people", "--help"]).output
    assert "import" in listed and "export" in listed

    engine = create_engine(load_settings().database_url)
    with engine.connect() as conn:
        person_id = conn.execute(select(people.c.id).order_by(people.c.id)).scalars().first()
    engine.dispose()
    assert person_id is not None

    printed = runner.invoke(app, ["people", "export", str(person_id)])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout)["person_id"] == person_id

    target = tmp_path / "export" / "her.json"
    target.parent.mkdir()
    done = runner.invoke(app, ["people", "export", str(person_id), "--output", str(target)])
    assert done.exit_code == 0, done.output
    for path in (target, target.with_suffix(".txt")):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    document = json.loads(target.read_text())
    assert document["format"] == "twc-personal-data/1" and document["person_id"] == person_id
    assert document["consents"], "the demo person consented on paper"
    assert "👤" in target.with_suffix(".txt").read_text()

    assert runner.invoke(app, ["people", "export", "999999"]).exit_code == 2
    engine = create_engine(load_settings().database_url)
    with engine.connect() as conn:
        entries = conn.execute(
            select(audit.c.action, audit.c.details).where(audit.c.action == "people.export")
        ).all()
    engine.dispose()
    assert [e.details["people"] for e in entries] == [[person_id], [person_id]]


def test_a_withdrawn_consent_shows_when_it_was_withdrawn(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    """Consents are read generically: a withdrawal (and any column a consent record gains)
    shows without a change to "my data"."""
    amina = Simulator(client, "amina")
    onboard(amina)
    with runtime.db.begin() as conn:
        conn.execute(
            update(consents)
            .where(consents.c.purpose == "messages")
            .values(withdrawn_at=clock() + timedelta(days=1))
        )
    data = amina.send("/mydata")[0]["text"]
    assert (
        "• Nachrichten: Erinnerungen an Kurse und Neuigkeiten: am Montag, 30. November 2026 "
        f"gegeben, am Dienstag, 1. Dezember 2026 zurückgenommen (Text {wording_versions('de')[1]})"
    ) in data
    assert (
        "• Wir speichern, was Sie uns sagen, damit Sie mitmachen können: seit Montag, "
        "30. November 2026"
    ) in data
    _text, json_link = links_in(amina.send("/export"))
    document = client.get(json_link).json()
    withdrawn = {c["purpose"]: c["withdrawn_at"] for c in document["consents"]}
    assert withdrawn == {"profile": None, "messages": "2026-12-01T09:00:00+00:00"}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_other_token_is_refused_without_a_crash(token: str) -> None:
    """Only a token this secret made in the last hour opens her files (path text is hers to
    choose: never an error, never someone's data)."""
    links = ExportLinks(TEST_SECRET)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert links.read(token, now) is None
    made = links.token(7, "ar", now)
    assert links.read(made, now + timedelta(minutes=59)) == (7, "ar")
    assert links.read(made, now + timedelta(minutes=61)) is None
    assert ExportLinks(TEST_SECRET + "-other").read(made, now) is None


def test_after_stop_she_can_still_see_export_and_come_back(
    runtime: Runtime, client: TestClient
) -> None:
    """Her rights do not depend on getting messages: after "Stopp" she still sees her data,
    gets her files, and finds her way back from there."""
    amina = Simulator(client, "amina")
    onboard(amina)
    amina.press("🔕 Keine Nachrichten")
    assert "Sie bekommen keine Nachrichten mehr" in amina.text()

    replies = amina.send("/mydata")
    assert replies[0]["text"].startswith("🔒 Ihre Daten bei uns")
    assert "🔕 Sie bekommen keine Nachrichten von uns." in replies[0]["text"]
    assert [c["label"] for c in replies[-1]["choices"]] == [
        "📥 Als Datei",
        "🗑️ Alles löschen",
        "🔔 Nachrichten an",
        "↩️ Zurück zum Menü",
    ]
    exported = amina.press("📥 Als Datei")
    _text, json_link = links_in(exported)
    assert client.get(json_link).json()["profile"]["display_name"] == "Amina"
    assert len(links_in(amina.send("/export"))) == 2  # typed, too

    amina.send("/mydata")
    amina.press("🔔 Nachrichten an")
    amina.press("🔔 Ja, gerne")
    assert "Sie bekommen wieder Nachrichten" in amina.text()
    assert "🔕 Keine Nachrichten" in amina.send("Menü")[-1]["choices"][-1]["label"]
