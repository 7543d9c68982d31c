"""Twilio's inbound WhatsApp form → one channel-neutral event (a table, then any form at all)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.whatsapp.parse import WhatsAppInputError, media_kind, parse_form
from conversations.events import ChoiceIn, MediaIn, TextIn

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
BASE = {"From": "whatsapp:+4915112345601", "WaId": "4915112345601", "MessageSid": "SM" + "1" * 32}
AUDIO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/SM1/Media/ME1"

CASES = [
    ("plain text", {"Body": "Hallo"}, TextIn("Hallo")),
    ("digit", {"Body": "٣"}, TextIn("٣")),
    (
        "our quick-reply button",
        {"Body": "✅ Ja", "ButtonText": "✅ Ja", "ButtonPayload": "onboarding.consent:yes"},
        ChoiceIn("onboarding.consent:yes"),
    ),
    (
        "list picker",
        {"ListId": "main.menu:person", "ListTitle": "🙋"},
        ChoiceIn("main.menu:person"),
    ),
    (
        "a template's own button is its text",
        {"ButtonText": "Ich komme", "ButtonPayload": "I will come"},
        TextIn("Ich komme"),
    ),
    (
        "voice note",
        {"NumMedia": "1", "MediaUrl0": AUDIO, "MediaContentType0": "audio/ogg"},
        MediaIn("voice"),
    ),
    (
        "photo with a caption is text (the photo is still recorded)",
        {
            "Body": "Mein Zeugnis",
            "NumMedia": "1",
            "MediaUrl0": AUDIO,
            "MediaContentType0": "image/jpeg",
        },
        TextIn("Mein Zeugnis"),
    ),
    ("only WaId", {"From": "", "Body": "hi"}, TextIn("hi")),
    (
        "a document: its Body is the file name, not something she wrote",
        {
            "Body": "Lebenslauf.pdf",
            "NumMedia": "1",
            "MediaUrl0": AUDIO,
            "MediaContentType0": "application/pdf",
        },
        MediaIn("document"),
    ),
    (
        "a location pin",
        {"Latitude": "52.64", "Longitude": "9.21", "Address": "Hoya"},
        MediaIn("location"),
    ),
    ("a contact card or any kind WhatsApp adds later", {"Body": ""}, MediaIn("other")),
]


@pytest.mark.parametrize(("name", "fields", "event"), CASES, ids=[c[0] for c in CASES])
def test_form_becomes_one_event(name: str, fields: dict[str, str], event: object) -> None:
    inbound, _media = parse_form({**BASE, **fields}, NOW)
    assert inbound.event == event
    assert inbound.channel == "whatsapp"
    assert inbound.address == "whatsapp:+4915112345601"
    assert inbound.external_id == BASE["MessageSid"]
    assert inbound.received_at == NOW


def test_media_are_kept_as_type_and_twilio_url() -> None:
    _inbound, media = parse_form(
        {
            **BASE,
            "NumMedia": "3",
            "MediaUrl0": AUDIO,
            "MediaContentType0": "audio/ogg",
            "MediaUrl1": AUDIO + "2",
            "MediaContentType1": "application/pdf",
            "MediaUrl2": "http://not-https.example/x",
            "MediaContentType2": "image/png",
        },
        NOW,
    )
    assert [(m.kind, m.content_type, m.url) for m in media] == [
        ("voice", "audio/ogg", AUDIO),
        ("document", "application/pdf", AUDIO + "2"),
    ]


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("image/jpeg", "photo"),
        ("image/webp", "sticker"),
        ("audio/ogg; codecs=opus", "voice"),
        ("video/mp4", "video"),
        ("application/pdf", "document"),
        ("", "document"),
    ],
)
def test_media_kinds(content_type: str, kind: str) -> None:
    assert media_kind(content_type) == kind


@pytest.mark.parametrize(
    "fields",
    [
        {"From": "", "WaId": ""},
        {"From": "+4915112345601", "WaId": "abc"},
        {"MessageSid": ""},
        {"From": "whatsapp:+12", "WaId": ""},
    ],
)
def test_forms_without_sender_or_id_are_refused(fields: dict[str, str]) -> None:
    with pytest.raises(WhatsAppInputError):
        parse_form({**BASE, **fields}, NOW)


KEYS = st.sampled_from(
    [
        "From",
        "WaId",
        "Body",
        "ButtonPayload",
        "ButtonText",
        "ListId",
        "NumMedia",
        "MediaUrl0",
        "MediaContentType0",
        "MessageSid",
        "SmsMessageSid",
    ]
) | st.text(max_size=20)


@given(st.dictionaries(KEYS, st.text(max_size=300), max_size=12))
def test_any_form_parses_or_is_refused_cleanly(form: dict[str, str]) -> None:
    try:
        inbound, media = parse_form(form, NOW)
    except WhatsAppInputError:
        return
    assert inbound.address.startswith("whatsapp:+")
    assert inbound.external_id
    assert len(media) <= 10
