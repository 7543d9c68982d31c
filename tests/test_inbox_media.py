"""Voice notes, photos and documents she sends reach the staff inbox and can be heard, seen and
downloaded there, fetched from her messenger when opened (nothing kept on our side).

Telegram: a tiny real Bot API stand-in serves ``getFile`` and the download
(``tests/auxil/media_peers.py``: neither other Telegram stand-in serves files); WhatsApp: a real
HTTP server that, like Twilio, wants the account's basic auth and redirects to another host.
Her messages go through each channel's real webhook; replies are read from the outbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from starlette.testclient import TestClient

from bot.channels.base import MediaError
from bot.channels.telegram.files import file_url_of
from bot.channels.telegram.parse import Private, parse_json
from bot.channels.whatsapp.media import media_url
from bot.db.migrate import upgrade
from bot.db.tables import inbox_messages, media
from bot.demo import load_demo
from bot.runtime import Runtime, build_runtime
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.inbox import threads_of
from tests.auxil.media_peers import OutboxPerson, TelegramFiles, TwilioMedia
from tests.auxil.person import onboard
from tests.auxil.staff import PASSWORD, add_organisation, add_staff, login_client
from tests.auxil.telegram import webhook_settings
from tests.auxil.whatsapp import ACCOUNT_SID, AUTH_TOKEN, whatsapp_runtime

VOICE = b"OggS\x00\x02voice-note-bytes" * 50
PHOTO = b"\x89PNG\r\n\x1a\nlarge-photo" * 40
PDF = b"%PDF-1.4\n% her letter from the job centre\n%%EOF\n"
CHAT = "777001"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def telegram_files() -> Iterator[TelegramFiles]:
    files = TelegramFiles(files={"VOICE-1": VOICE, "PHOTO-L": PHOTO, "DOC-1": PDF})
    with files.running():
        yield files


@pytest.fixture
def tg_runtime(
    sqlite_url: str, clock: FrozenClock, telegram_files: TelegramFiles
) -> Iterator[Runtime]:
    upgrade(sqlite_url)
    runtime = build_runtime(webhook_settings(sqlite_url, telegram_files.api_url), clock=clock)
    load_demo(runtime.db, TEST_SECRET, clock())
    yield runtime
    runtime.close()


@pytest.fixture
def tg_client(tg_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(
        create_app(tg_runtime, background=False), base_url="https://bot.example.org"
    ) as client:
        yield client


def telegram_woman(runtime: Runtime, client: TestClient, clock: FrozenClock) -> OutboxPerson:
    amina = OutboxPerson(runtime, client, "telegram", CHAT, clock)
    onboard(amina)
    return amina


def sends_three_files(amina: OutboxPerson) -> None:
    amina.post(
        voice={
            "file_id": "VOICE-1",
            "file_unique_id": "v1",
            "duration": 4,
            "mime_type": "audio/ogg",
            "file_size": len(VOICE),
        }
    )
    small = {
        "file_id": "PHOTO-S",
        "file_unique_id": "p1",
        "width": 90,
        "height": 60,
        "file_size": 900,
    }
    large = {
        "file_id": "PHOTO-L",
        "file_unique_id": "p2",
        "width": 1280,
        "height": 853,
        "file_size": len(PHOTO),
    }
    amina.post(photo=[small, large], caption="")
    amina.post(
        document={
            "file_id": "DOC-1",
            "file_unique_id": "d1",
            "file_name": "Bescheid.pdf",
            "mime_type": "application/pdf",
            "file_size": len(PDF),
        }
    )


def entries_of(runtime: Runtime, person_id: int) -> list[dict[str, object]]:
    with runtime.db.connect() as conn:
        return [
            dict(row)
            for row in conn.execute(
                select(
                    inbox_messages.c.id,
                    inbox_messages.c.media_kind,
                    media.c.url,
                    media.c.content_type,
                )
                .join(media, media.c.id == inbox_messages.c.media_id)
                .where(inbox_messages.c.person_id == person_id)
                .order_by(inbox_messages.c.id)
            ).mappings()
        ]


def test_on_telegram_staff_hear_her_voice_note_see_her_photo_and_open_her_document(
    tg_runtime: Runtime, tg_client: TestClient, clock: FrozenClock, telegram_files: TelegramFiles
) -> None:
    runtime, client = tg_runtime, tg_client
    amina = telegram_woman(runtime, client, clock)
    sends_three_files(amina)
    person = int(amina.stored()["id"])
    [thread] = threads_of(runtime, person)
    assert thread["reason"] == "media"
    voice, photo, document = entries_of(runtime, person)
    # Only a reference is kept (the largest photo), and it is encrypted at rest.
    assert [(e["media_kind"], e["url"], e["content_type"]) for e in (voice, photo, document)] == [
        ("voice", "telegram:file:VOICE-1", "audio/ogg"),
        ("photo", "telegram:file:PHOTO-L", "image/jpeg"),
        ("document", "telegram:file:DOC-1", "application/pdf"),
    ]
    with runtime.db.connect() as conn:
        raw = conn.execute(text("SELECT url FROM inbound_media")).scalars().all()
    assert raw and not any("VOICE-1" in value or "telegram:" in value for value in raw)
    assert "download" not in telegram_files.calls  # nothing fetched until staff open it

    login_client(client)
    page = client.get(f"/staff/inbox/{thread['id']}")
    assert page.status_code == 200
    assert f'<audio controls preload="none" src="/staff/inbox/media/{voice["id"]}"' in page.text
    assert f'<img src="/staff/inbox/media/{photo["id"]}" alt="Foto"' in page.text
    assert f'href="/staff/inbox/media/{document["id"]}"' in page.text
    assert "Sprachnachricht" in page.text and "Dokument" in page.text
    assert "media-src 'self'" in page.headers["content-security-policy"]

    heard = client.get(f"/staff/inbox/media/{voice['id']}")
    assert heard.status_code == 200 and heard.content == VOICE
    assert heard.headers["content-type"] == "audio/ogg"
    assert heard.headers["content-disposition"].startswith("inline")
    assert heard.headers["x-content-type-options"] == "nosniff"
    assert heard.headers["cache-control"] == "private, no-store"
    seen = client.get(f"/staff/inbox/media/{photo['id']}")
    assert (seen.status_code, seen.content, seen.headers["content-type"]) == (
        200,
        PHOTO,
        "image/jpeg",
    )
    opened = client.get(f"/staff/inbox/media/{document['id']}")
    assert (opened.content, opened.headers["content-type"]) == (PDF, "application/pdf")
    assert (
        telegram_files.calls.count("getFile") == 3 and telegram_files.calls.count("download") == 3
    )


def test_an_expired_an_oversized_and_an_unreachable_file_are_a_friendly_page(
    tg_runtime: Runtime, tg_client: TestClient, clock: FrozenClock, telegram_files: TelegramFiles
) -> None:
    runtime, client = tg_runtime, tg_client
    amina = telegram_woman(runtime, client, clock)
    sends_three_files(amina)
    voice, photo, document = entries_of(runtime, int(amina.stored()["id"]))
    add_staff(runtime, "sofia@vnb.example", language="en")
    login_client(client, "sofia@vnb.example", PASSWORD)

    del telegram_files.files["VOICE-1"]  # Telegram no longer has it
    gone = client.get(f"/staff/inbox/media/{voice['id']}")
    assert gone.status_code == 410
    assert "This file no longer exists on the messenger" in gone.text
    assert "Traceback" not in gone.text and gone.headers["content-type"].startswith("text/html")

    telegram_files.sizes["PHOTO-L"] = 17 * 1024 * 1024  # over the 16 MB the app fetches
    big = client.get(f"/staff/inbox/media/{photo['id']}")
    assert big.status_code == 413 and "too large to open here (16 MB at most)" in big.text
    assert "download" not in telegram_files.calls  # refused before downloading

    telegram_files.down = True
    down = client.get(f"/staff/inbox/media/{document['id']}")
    assert down.status_code == 502 and "is not handing out the file right now" in down.text


def test_another_organisation_gets_404_and_so_does_a_guess(
    tg_runtime: Runtime, tg_client: TestClient, clock: FrozenClock, telegram_files: TelegramFiles
) -> None:
    runtime, client = tg_runtime, tg_client
    amina = telegram_woman(runtime, client, clock)
    sends_three_files(amina)
    voice, _, _ = entries_of(runtime, int(amina.stored()["id"]))
    path = f"/staff/inbox/media/{voice['id']}"
    outside = client.get(path, follow_redirects=False)
    assert (outside.status_code, outside.headers["location"]) == (303, f"/staff/login?next={path}")
    add_organisation(runtime, "cyprus-larnaca")
    add_staff(runtime, "eleni@larnaca.example", organisation="cyprus-larnaca", role="admin")
    login_client(client, "eleni@larnaca.example", PASSWORD)
    for guess in (path, "/staff/inbox/media/999999", "/staff/inbox/media/abc"):
        answer = client.get(guess)
        assert answer.status_code == 404 and "Nicht gefunden." in answer.text
    assert "getFile" not in telegram_files.calls


def test_on_whatsapp_the_file_comes_with_basic_auth_through_twilios_redirect(
    sqlite_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    twilio = TwilioMedia(ACCOUNT_SID, AUTH_TOKEN)
    twilio.files["ME1"] = ("audio/ogg", VOICE)
    twilio.files["ME2"] = ("text/html", b"<script>alert(1)</script>")
    with twilio.running():
        runtime = whatsapp_runtime(sqlite_url, clock, tmp_path, twilio.url)
        try:
            with TestClient(
                create_app(runtime, background=False), base_url="https://bot.example.org"
            ) as client:
                amina = OutboxPerson(runtime, client, "whatsapp", "whatsapp:+4915112345601", clock)
                onboard(amina)
                for sid, kind in (("ME1", "audio/ogg"), ("ME2", "text/html")):
                    amina.post(
                        body="",
                        NumMedia="1",
                        MediaUrl0=twilio.media_url("MM" + "1" * 32, sid),
                        MediaContentType0=kind,
                        MessageType="audio" if kind.startswith("audio") else "document",
                    )
                voice, page_file = entries_of(runtime, int(amina.stored()["id"]))
                assert voice["url"] == twilio.media_url("MM" + "1" * 32, "ME1")
                login_client(client)
                thread = threads_of(runtime, int(amina.stored()["id"]))[0]
                shown = client.get(f"/staff/inbox/{thread['id']}").text
                assert (
                    f'<audio controls preload="none" src="/staff/inbox/media/{voice["id"]}"'
                    in shown
                )
                assert "api.twilio.com" not in shown  # her file is never linked at Twilio
                heard = client.get(f"/staff/inbox/media/{voice['id']}")
                assert (heard.status_code, heard.content) == (200, VOICE)
                assert heard.headers["content-type"] == "audio/ogg"
                assert (twilio.refused, twilio.leaked, twilio.served) == (0, 0, 1)
                # A type the page does not show is only ever a download, never rendered.
                html = client.get(f"/staff/inbox/media/{page_file['id']}")
                assert html.headers["content-type"] == "application/octet-stream"
                assert html.headers["content-disposition"] == (
                    f'attachment; filename="document-{page_file["id"]}.bin"'
                )
                twilio.files.clear()  # Twilio deleted it
                gone = client.get(f"/staff/inbox/media/{voice['id']}")
                assert gone.status_code == 410 and "gibt es beim Messenger nicht mehr" in gone.text
        finally:
            runtime.close()


def test_credentials_go_only_to_twilio_and_the_file_url_follows_the_api_url() -> None:
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    assert media_url(url, None) == url
    assert (
        media_url(url, "http://127.0.0.1:9/")
        == "http://127.0.0.1:9/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    )
    for forged in (
        "https://evil.example/Media/ME1",
        "http://api.twilio.com/x",
        "https://twilio.com.evil.example/x",
    ):
        with pytest.raises(MediaError):
            media_url(forged, None)
    assert (
        file_url_of("https://api.telegram.org/bot{token}")
        == "https://api.telegram.org/file/bot{token}"
    )
    assert file_url_of("http://host:8081/bot{token}") == "http://host:8081/file/bot{token}"


def test_erasing_her_deletes_the_references(
    tg_runtime: Runtime, tg_client: TestClient, clock: FrozenClock
) -> None:
    amina = telegram_woman(tg_runtime, tg_client, clock)
    sends_three_files(amina)
    amina.say("/delete")
    amina.press(amina.buttons()[0])
    with tg_runtime.db.connect() as conn:
        assert conn.execute(select(media.c.id)).all() == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"voice": {"file_id": "V", "file_unique_id": "v", "duration": 2}},
            ("voice", "audio/ogg", "V"),
        ),
        (
            {"video_note": {"file_id": "N", "file_unique_id": "n", "length": 240, "duration": 3}},
            ("voice", "video/mp4", "N"),
        ),
        (
            {
                "audio": {
                    "file_id": "A",
                    "file_unique_id": "a",
                    "duration": 9,
                    "mime_type": "audio/mp4",
                }
            },
            ("audio", "audio/mp4", "A"),
        ),
        (
            {
                "video": {
                    "file_id": "F",
                    "file_unique_id": "f",
                    "width": 1,
                    "height": 1,
                    "duration": 1,
                }
            },
            ("video", "video/mp4", "F"),
        ),
        (
            {"document": {"file_id": "D", "file_unique_id": "d"}},
            ("document", "application/octet-stream", "D"),
        ),
        (
            {
                "sticker": {
                    "file_id": "S",
                    "file_unique_id": "s",
                    "type": "regular",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                }
            },
            None,
        ),
        ({"location": {"latitude": 52.6, "longitude": 9.2}}, None),
        ({"text": "Hallo"}, None),
    ],
)
def test_telegram_keeps_a_reference_only_to_files_for_the_team(
    fields: dict[str, object], expected: tuple[str, str, str] | None
) -> None:
    message = {
        "message_id": 1,
        "date": 1_796_000_000,
        "chat": {"id": 5, "type": "private", "first_name": "A"},
        "from": {"id": 5, "is_bot": False, "first_name": "A"},
        **fields,
    }
    parsed = parse_json({"update_id": 1, "message": message}, NOW)
    assert isinstance(parsed, Private)
    media = parsed.inbound.media
    if expected is None:
        assert media == ()
    else:
        kind, content_type, file_id = expected
        assert [(m.kind, m.content_type, m.url) for m in media] == [
            (kind, content_type, f"telegram:file:{file_id}")
        ]
