"""The import pages over HTTP: an Excel file with German headers, a CSV with Italian headers
and ``;``, Windows-1252, language names, a bad phone number, an unknown town with a suggestion,
a file too large or of the wrong type, another organisation, and a confirmation that imports
exactly the previewed rows and leaves no upload behind.  (The browser test is
``test_people_import_browser.py``.)
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.db.tables import audit, enrolments, identities, people
from bot.features.people_import import pending
from bot.features.people_import.pages import BODY_LIMIT
from bot.features.people_import.reading import MAX_BYTES, MAX_ROWS
from bot.identity import lookup_key
from bot.runtime import Runtime
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.people import DEMO, OTHER, add_person, organisation_id, second_organisation
from tests.auxil.staff import PASSWORD, add_staff, login_client

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GERMAN = ["Vorname", "Nachname", "Sprache", "Wohnort", "Handy", "Einwilligungsdatum", "Kurs"]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the pages keep an upload between preview and confirm (this test's own)."""
    folder = tmp_path / "uploads"
    monkeypatch.setattr(pending, "default_directory", lambda: folder)
    return folder


@pytest.fixture
def web(sqlite_runtime: Runtime, uploads: Path) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_runtime, background=False)) as client:
        yield client


def text_of(html: str) -> str:
    """What a person reads: the page without its tags."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" )", ")").replace("( ", "(")


def upload(
    web: TestClient, csrf: str, data: bytes, name: str, kind: str = "text/csv", **fields: str
) -> str:
    response = web.post(
        "/staff/people/import",
        data={"csrf_token": csrf, **fields},
        files={"file": (name, data, kind)},
    )
    assert response.status_code == 200, response.text
    return text_of(response.text)


def person(runtime: Runtime, channel: str, address: str) -> dict[str, object] | None:
    with runtime.db.connect() as conn:
        found = (
            conn.execute(
                select(people)
                .join(identities, identities.c.person_id == people.c.id)
                .where(identities.c.lookup_key == lookup_key(TEST_SECRET, channel, address))
            )
            .mappings()
            .first()
        )
    return dict(found) if found else None


def count_people(runtime: Runtime) -> int:
    with runtime.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(people)).scalar_one())


def test_excel_with_german_headers_preview_then_confirm_imports_exactly_those_rows(
    sqlite_runtime: Runtime, web: TestClient, uploads: Path, clock: FrozenClock
) -> None:
    runtime = sqlite_runtime
    csrf = login_client(web)
    assert 'href="/staff/people/import"' in web.get("/staff/people").text
    form = web.get("/staff/people/import")
    assert form.status_code == 200 and "Beispieldatei" in form.text
    data = xlsx(
        [
            GERMAN,
            ["Amina", "Yusuf", "Arabisch", "Hoya", "0176 55501001", "20.11.2026", ""],
            ["Darya", "", "Dari", "nienburg", "0151 55501002", "", "deutsch-a2-nienburg"],
            ["Olena", "K.", "Kurdisch", "Hoya", "0176 55501003", "", ""],
            ["Leyla", "", "Türkisch", "Hoya", "12345", "", ""],
            ["Sara", "", "Persisch", "Nienbrug", "0176 55501004", "", ""],
            ["Amina 2", "", "ar", "Hoya", "+49 176 55501001", "", ""],
        ]
    )
    before = count_people(runtime)
    preview = upload(web, csrf, data, "liste.xlsx", XLSX)

    assert "Zeile 4 (Olena K.): Die Sprache „Kurdisch“ bietet der Bot nicht an." in preview
    assert "Zeile 5 (Leyla): Diese Telefonnummer ist ungültig." in preview
    assert (
        "Zeile 6 (Sara): Den Ort „Nienbrug“ kennen wir nicht — meinten Sie „Nienburg (Weser)“?"
        in preview
    )
    assert "Zeile 7 (Amina 2): Diese Nummer oder Telegram-ID steht schon in Zeile 2." in preview
    assert "Zeile 2: Amina Yusuf · Arabisch · Hoya · WhatsApp · neu" in preview
    assert "Zeile 3: Darya" in preview and "Nienburg (Weser)" in preview
    assert "wird als Persisch gespeichert" in preview  # Dari
    assert "2 Zeilen importieren" in preview
    assert count_people(runtime) == before  # a preview changes nothing
    (kept,) = list(uploads.iterdir())
    assert re.fullmatch("[0-9a-f]+", kept.read_text())  # sealed: no name, no number
    assert kept.stat().st_mode & 0o077 == 0

    done = web.post("/staff/people/import/confirm", data={"csrf_token": csrf})
    assert done.status_code == 200
    assert "2 Personen neu angelegt" in done.text
    assert "1 in einem Kurs angemeldet" in done.text
    assert "4 Zeilen übersprungen" in done.text
    assert list(uploads.iterdir()) == []  # gone after confirm
    assert count_people(runtime) == before + 2
    amina = person(runtime, "whatsapp", "whatsapp:+4917655501001")
    darya = person(runtime, "whatsapp", "whatsapp:+4915155501002")
    assert amina and darya
    assert (amina["display_name"], amina["language"], amina["town"], amina["status"]) == (
        "Amina Yusuf",
        "ar",
        "Hoya",
        "active",
    )
    assert (darya["language"], darya["town"], darya["status"]) == ("fa", "Nienburg (Weser)", "new")
    assert person(runtime, "whatsapp", "whatsapp:+4917655501004") is None  # Sara held back
    with runtime.db.connect() as conn:
        assert (
            conn.execute(
                select(func.count())
                .select_from(enrolments)
                .where(enrolments.c.person_id == darya["id"])
            ).scalar_one()
            == 1
        )
        entry = conn.execute(
            select(audit).where(audit.c.action == "people.import").order_by(audit.c.id.desc())
        ).first()
    assert entry is not None
    assert entry.actor.startswith("staff:")
    assert entry.organisation_id == organisation_id(runtime, DEMO)
    assert entry.details["created"] == 2
    # A second confirm finds nothing to import.
    again = web.post("/staff/people/import/confirm", data={"csrf_token": csrf})
    assert again.status_code == 410 and "abgelaufen" in again.text
    assert count_people(runtime) == before + 2
    directory = web.get("/staff/people?q=Amina Yusuf")
    assert "Amina Yusuf" in directory.text


def test_csv_with_italian_headers_and_semicolons_known_people_and_language_names(
    sqlite_runtime: Runtime, web: TestClient, clock: FrozenClock
) -> None:
    runtime = sqlite_runtime
    add_person(
        runtime,
        organisation_id(runtime, DEMO),
        "Fatima",
        clock(),
        channels=[("whatsapp", "whatsapp:+4917655502001", "ok")],
    )
    csrf = login_client(web)
    text = (
        "Nome;Lingua;Comune;Cellulare;Telegram;Consenso;Interessi\n"
        "Fatima;arabo;Hoya;0176 55502001;;01.11.2026;corso\n"
        "Oksana;українська;Uchte;;556677001;01.11.2026;lavoro, incontri\n"
        "Reza;Farsi;Hoya;0176 55502003;;;\n"
        "Mariam;Englisch;Hoya;0176 55502004;;;cucina\n"
    )
    preview = upload(web, csrf, text.encode("utf-8-sig"), "elenco.csv")
    assert "Kennen wir schon" in preview  # Fatima
    assert "Zeile 5 (Mariam): Das Interesse „cucina“ kennen wir nicht" in preview
    assert "3 Zeilen importieren" in preview
    done = web.post("/staff/people/import/confirm", data={"csrf_token": csrf})
    assert "2 Personen neu angelegt" in done.text and "1 schon bekannt" in done.text
    oksana = person(runtime, "telegram", "556677001")
    reza = person(runtime, "whatsapp", "whatsapp:+4917655502003")
    assert oksana and reza
    assert (oksana["language"], oksana["interests"], oksana["town"]) == (
        "uk",
        ["jobs", "meet"],
        "Uchte",
    )
    assert reza["language"] == "fa"


def test_windows_1252_and_portuguese_and_greek_headers(
    sqlite_runtime: Runtime, web: TestClient
) -> None:
    csrf = login_client(web)
    text = "Nome;Língua;Localidade;Telemóvel\nJosé Müller;Português;Hoya;0176 55503001\n"
    preview = upload(web, csrf, text.encode("cp1252"), "lista.csv")
    assert "José Müller" in preview and "1 Zeile importieren" in preview
    greek = "Όνομα,Γλώσσα,Πόλη,Κινητό\nΕλένη,Ελληνικά,Hoya,0176 55503002\n"
    preview = upload(web, csrf, greek.encode("utf-8"), "λίστα.csv")
    assert "Ελένη" in preview and "1 Zeile importieren" in preview


def test_too_large_too_long_wrong_type_no_columns_and_no_csrf(
    sqlite_runtime: Runtime, web: TestClient
) -> None:
    csrf = login_client(web)
    huge = b"Name;Handy\n" + b"A;0176 55504001\n" * (MAX_BYTES // 16 + 10)
    response = web.post(
        "/staff/people/import",
        data={"csrf_token": csrf},
        files={"file": ("gross.csv", huge, "text/csv")},
    )
    assert response.status_code == 413 and "Die Datei ist zu groß: höchstens 2 MB" in response.text
    many = "Name;Handy\n" + "".join(f"A{i};0176 {55500000 + i}\n" for i in range(MAX_ROWS + 1))
    response = web.post(
        "/staff/people/import",
        data={"csrf_token": csrf},
        files={"file": ("lang.csv", many.encode(), "text/csv")},
    )
    assert response.status_code == 400 and f"mehr als {MAX_ROWS} Zeilen" in response.text
    for name, content in (("bild.png", b"\x89PNG\r\n\x1a\n..."), ("alt.xls", b"\xd0\xcf\x11\xe0")):
        response = web.post(
            "/staff/people/import",
            data={"csrf_token": csrf},
            files={"file": (name, content, "application/octet-stream")},
        )
        assert response.status_code in (400, 415), name
        assert "Bitte laden Sie eine CSV-Datei (.csv) oder eine Excel-Datei (.xlsx) hoch" in (
            response.text
        )
    broken = web.post(
        "/staff/people/import",
        data={"csrf_token": csrf},
        files={"file": ("kaputt.xlsx", b"PK\x03\x04 not really a zip", XLSX)},
    )
    assert broken.status_code == 400 and "Excel-Datei lässt sich nicht öffnen" in broken.text
    headers = web.post(
        "/staff/people/import",
        data={"csrf_token": csrf},
        files={"file": ("x.csv", b"Farbe;Zahl\nrot;1\n", "text/csv")},
    )
    assert headers.status_code == 400 and "In der ersten Zeile fehlen Spalten" in headers.text
    assert "Farbe, Zahl" in headers.text
    nothing = web.post("/staff/people/import", data={"csrf_token": csrf})
    assert nothing.status_code == 400 and "Bitte wählen Sie eine Datei aus" in nothing.text
    refused = web.post(
        "/staff/people/import", files={"file": ("a.csv", b"Name;Handy\nA;0176 55504001\n")}
    )
    assert refused.status_code == 403


def test_another_organisation_is_404_and_an_upload_belongs_to_its_session(
    sqlite_runtime: Runtime, web: TestClient, uploads: Path, clock: FrozenClock
) -> None:
    runtime = sqlite_runtime
    other = second_organisation(runtime, clock())
    add_staff(runtime, "hoya@example.org", organisation=OTHER)
    csrf = login_client(web, "hoya@example.org", PASSWORD)
    data = "Name;Ort;Handy\nBeate;Bücken;0176 55505001\n".encode()
    demo = str(organisation_id(runtime, DEMO))
    refused = web.post(
        "/staff/people/import",
        data={"csrf_token": csrf, "organisation": demo},
        files={"file": ("a.csv", data, "text/csv")},
    )
    assert refused.status_code == 404
    preview = upload(web, csrf, data, "a.csv")
    assert "1 Zeile importieren" in preview
    # Another session (the demo admin in a second browser) has nothing to confirm.
    with TestClient(create_app(runtime, background=False)) as second:
        second_csrf = login_client(second)
        stolen = second.post("/staff/people/import/confirm", data={"csrf_token": second_csrf})
        assert stolen.status_code == 410
    web.post("/staff/people/import/confirm", data={"csrf_token": csrf})
    beate = person(runtime, "whatsapp", "whatsapp:+4917655505001")
    assert beate and beate["organisation_id"] == other and beate["town"] == "Bücken"


def test_cancel_and_expiry_delete_the_upload(
    sqlite_runtime: Runtime, web: TestClient, uploads: Path, clock: FrozenClock
) -> None:
    csrf = login_client(web)
    data = b"Name;Handy\nA;0176 55506001\n"
    upload(web, csrf, data, "a.csv")
    assert len(list(uploads.iterdir())) == 1
    cancelled = web.post(
        "/staff/people/import/cancel", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert cancelled.status_code == 303 and list(uploads.iterdir()) == []
    upload(web, csrf, data, "a.csv")
    clock.advance(seconds=pending.TTL.total_seconds() + 60)
    expired = web.post("/staff/people/import/confirm", data={"csrf_token": csrf})
    assert expired.status_code == 410 and list(uploads.iterdir()) == []
    assert person(sqlite_runtime, "whatsapp", "whatsapp:+4917655506001") is None


def test_the_example_files_are_read_back_by_the_importer(
    sqlite_runtime: Runtime, web: TestClient
) -> None:
    csrf = login_client(web)
    sheet = web.get("/staff/people/import/example.xlsx")
    assert sheet.status_code == 200 and sheet.headers["content-type"] == XLSX
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:3] == ("Vorname", "Nachname", "Sprache") and len(rows) == 3
    text = web.get("/staff/people/import/example.csv")
    assert text.content.startswith(b"\xef\xbb\xbfVorname;Nachname;Sprache;Wohnort")
    preview = upload(web, csrf, sheet.content, "personen-beispiel.xlsx", XLSX)
    assert "2 Zeilen importieren" in preview
    assert web.get("/staff/people/import/example.pdf").status_code == 404


def test_only_the_upload_path_takes_a_larger_body(
    sqlite_runtime: Runtime, web: TestClient
) -> None:
    """The upload may be megabytes; every other path keeps ``TWC_MAX_BODY_BYTES``; beyond
    the upload path's own limit the web's plain 413 answers before anything reads it."""
    csrf = login_client(web)
    body = b"x" * (sqlite_runtime.settings.max_body_bytes + 1)
    other = web.post("/staff/people/1/enrol", content=body, headers={"x-csrf-token": csrf})
    assert other.status_code == 413 and other.headers["content-type"] == "application/json"
    beyond = web.post(
        "/staff/people/import",
        content=b"x" * (BODY_LIMIT + 1),
        headers={"x-csrf-token": csrf, "content-type": "multipart/form-data; boundary=b"},
    )
    assert beyond.status_code == 413 and beyond.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Arabisch", "ar"),
        ("arabo", "ar"),
        ("العربية", "ar"),
        ("Αραβικά", "ar"),
        ("Persisch", "fa"),
        ("Farsi", "fa"),
        ("Persian", "fa"),
        ("فارسی", "fa"),
        ("Ukrainisch", "uk"),
        ("українська", "uk"),
        ("Ucraino", "uk"),
        ("uk-UA", "uk"),
        ("Russisch", "ru"),
        ("Türkisch", "tr"),
        ("Englisch", "en"),
        ("Português", "pt"),
        ("Kurdisch", None),
        ("Tigrinya", None),
    ],
)
def test_language_names_as_people_write_them(written: str, code: str | None) -> None:
    from bot.features.people_import.language_names import language_code

    known = frozenset({"de", "en", "ar", "uk", "ru", "fa", "tr", "it", "pt", "el", "prs"})
    assert language_code(written, known) == (code, None)


def test_dari_is_persian_with_a_note() -> None:
    from bot.features.people_import.language_names import DARI_NOTE, language_code

    known = frozenset({"de", "fa", "prs"})
    assert language_code("Dari", known) == ("fa", DARI_NOTE)
    assert language_code("دری", known) == ("fa", DARI_NOTE)
    assert language_code("prs", known) == ("fa", DARI_NOTE)


def test_headers_in_five_languages() -> None:
    from bot.features.people_import.reading import read_table

    for header in (
        "Vorname;Nachname;Sprache;Wohnort;Handy;Einwilligungsdatum;Interessen;Kurs",
        "First name;Last name;Language;Town;Phone;Consent;Interests;Course",
        "Nome;Cognome;Lingua;Comune;Cellulare;Consenso;Interessi;Corso",
        "Primeiro nome;Apelido;Língua;Localidade;Telemóvel;Consentimento;Interesses;Curso",
        "Μικρό όνομα;Επώνυμο;Γλώσσα;Πόλη;Κινητό;Συναίνεση;Ενδιαφέροντα;Μάθημα",
        "VORNAME ; nach-name;SPRACHE;Wohn Ort;WhatsApp;Einwilligungs-Datum;interessen;KURS",
    ):
        table = read_table(f"{header}\nAmina;Yusuf;ar;Hoya;0176 1;2026-11-01;;\n".encode())
        assert table.columns == [
            "name",
            "language",
            "town",
            "whatsapp",
            "consent",
            "interests",
            "course",
        ], header
        assert table.rows[0][1]["name"] == "Amina Yusuf", header
