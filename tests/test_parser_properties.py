"""Property-based tests for every parser of outside input (issue 11, "Also").

Each parser promises one error type for bad input and nothing else; a well-formed input becomes
exactly the neutral message it stands for:

* Telegram updates (``bot/channels/telegram/parse.py``): any JSON is an event, a notice or
  ``None``; a private text, a ``/start`` link and a button press round-trip;
* Twilio's forms (``bot/channels/whatsapp/parse.py``): an inbound form is an :class:`Inbound` or
  :class:`WhatsAppInputError`; text, buttons and media round-trip; a status callback is a
  :class:`DeliveryReport` or ``None``;
* the simulator's JSON (``bot/channels/simulator/parse.py``): an :class:`Inbound` or
  :class:`SimulatorInputError`; well-formed bodies round-trip;
* the people import (``twc people import``): any file is rows or :class:`PeopleImportError`, any
  row is a row or a :class:`RowError`; in a real import every bad row is reported with its
  line and every good row is stored;
* broadcast files (``twc broadcast create --file``): a :class:`Draft` or
  :class:`BroadcastError`; texts that pass the checks always fill without a brace left.

Inputs that once broke a parser are kept as ``@example``.
"""

from __future__ import annotations

import csv
import io
import itertools
import string
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.channels.messages import (
    DeliveryReport,
    GroupCommand,
    GroupJoined,
    GroupLeft,
    Inbound,
    Reachability,
)
from bot.channels.simulator.parse import MAX_USER_ID, SimulatorInputError, parse_request
from bot.channels.telegram.parse import MAX_TEXT, Private, parse_json
from bot.channels.whatsapp.parse import (
    CHOICE_ID,
    MAX_MEDIA,
    WhatsAppInputError,
    parse_form,
    parse_status,
    signature_is_valid,
)
from bot.db.models import ChannelIdentity, Person
from bot.features.broadcasts.compose import (
    PLACEHOLDERS,
    BroadcastError,
    Draft,
    check_texts,
    fill,
    read_draft,
)
from bot.features.people_import.importer import (
    PeopleImporter,
    PeopleImportError,
    RowError,
    parse_row,
    read_rows,
)
from bot.identity import lookup_key
from bot.runtime import Runtime, load_flow_engine
from conversations.events import ChoiceIn, MediaIn, StartIn, TextIn
from conversations.languages import LanguageTable
from conversations.matching import BIDI_MARKS, clean_text
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.twilio import sign

T = TypeVar("T")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
BOT = "TwcBot"
#: Examples per property: pure parsers are cheap, the database import is not.
PURE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FILES = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
DATABASE = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: Characters phones, spreadsheets and attackers produce.
TRICKY = "\x00\x07\x1b\x7f\x85\r\n\t \u00a0\u200b\u200e\u202e\ufeff٢۲²①🙂ßİ{}\"';,=+-@/\\"


def texts(max_size: int = 60) -> st.SearchStrategy[str]:
    return st.text(max_size=max_size) | st.text(st.sampled_from(TRICKY), max_size=max_size)


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | texts(20)
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(texts(10), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def attempt(call: Callable[[], T], refusal: type[Exception]) -> T | None:
    """``call()``, or ``None`` if it refused with ``refusal`` (which must say why); any other
    exception fails the test."""
    try:
        return call()
    except refusal as error:
        reason = str(error)
    assert reason, f"{refusal.__name__} without a reason"
    return None


# ---- Telegram updates ------------------------------------------------------------------------

USER = {"id": 4711, "is_bot": False, "first_name": "Olena"}
PRIVATE_CHAT = {"id": 4711, "type": "private", "first_name": "Olena"}
UPDATE_KEYS = st.sampled_from(
    [
        "update_id",
        "message",
        "callback_query",
        "my_chat_member",
        "edited_message",
        "chat",
        "from",
        "text",
        "data",
        "id",
        "type",
        "date",
        "message_id",
        "reply_markup",
        "status",
        "new_chat_member",
        "old_chat_member",
        "photo",
        "entities",
        "new_chat_members",
    ]
) | texts(10)
UPDATE_LIKE = st.recursive(
    json_values(4),
    lambda children: st.dictionaries(UPDATE_KEYS, children, max_size=6),
    max_leaves=30,
)
PARSED = (Private, GroupJoined, GroupLeft, GroupCommand, Reachability)


def private_message(update_id: int, chat_id: int, **fields: Any) -> dict[str, Any]:
    chat = {**PRIVATE_CHAT, "id": chat_id}
    message = {"message_id": 9, "date": 1_796_000_000, "chat": chat, "from": USER, **fields}
    return {"update_id": update_id, "message": message}


def mutate(data: Any, path: list[int], value: Any) -> Any:
    """``data`` with the value at one place (chosen by ``path``) replaced by ``value``."""
    if not isinstance(data, dict) or not data or not path:
        return value
    keys = sorted(data)
    key = keys[path[0] % len(keys)]
    return {**data, key: mutate(data[key], path[1:], value)}


@PURE
@given(
    data=UPDATE_LIKE
    | st.builds(
        lambda u, p: {"update_id": u, **p},
        st.integers(),
        st.dictionaries(UPDATE_KEYS, UPDATE_LIKE, max_size=4),
    )
)
def test_telegram_any_json_is_an_event_a_notice_or_nothing(data: Any) -> None:
    """``parse_json`` documents no error at all: it answers or ignores, whatever it gets."""
    parsed = parse_json(data, NOW, username=BOT)
    assert parsed is None or isinstance(parsed, PARSED)


@PURE
@given(
    path=st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=4),
    value=json_values(),
    kind=st.sampled_from(["text", "start", "button", "blocked", "group"]),
)
def test_telegram_a_real_update_with_one_field_broken_never_raises(
    path: list[int], value: Any, kind: str
) -> None:
    """Real update shapes with one value anywhere replaced by any JSON: never an exception."""
    updates = {
        "text": private_message(1, 4711, text="Hallo"),
        "start": private_message(
            2,
            4711,
            text="/start kurs",
            entities=[{"type": "bot_command", "offset": 0, "length": 6}],
        ),
        "button": {
            "update_id": 3,
            "callback_query": {
                "id": "77",
                "from": USER,
                "chat_instance": "1",
                "data": "main.menu:privacy",
                "message": private_message(3, 4711, text="Menü")["message"],
            },
        },
        "blocked": {
            "update_id": 4,
            "my_chat_member": {
                "chat": PRIVATE_CHAT,
                "from": USER,
                "date": 1_796_000_000,
                "old_chat_member": {"status": "member", "user": USER},
                "new_chat_member": {"status": "kicked", "user": USER, "until_date": 0},
            },
        },
        "group": private_message(5, -100, text=f"/help@{BOT}") | {},
    }
    update = updates[kind]
    if kind == "group":
        update["message"]["chat"] = {"id": -100, "type": "supergroup", "title": "Treff"}
    parsed = parse_json(mutate(update, path, value), NOW, username=BOT)
    assert parsed is None or isinstance(parsed, PARSED)


@PURE
@given(
    update_id=st.integers(min_value=0, max_value=2**31),
    chat_id=st.integers(min_value=1, max_value=2**52),
    text=st.text(min_size=1, max_size=300).filter(lambda t: not t.strip().startswith("/")),
    language=st.none() | st.sampled_from(["uk", "ar", "de", "fa-IR"]),
)
@example(update_id=1, chat_id=1, text="a" * (MAX_TEXT + 5), language=None)
def test_telegram_a_private_text_round_trips(
    update_id: int, chat_id: int, text: str, language: str | None
) -> None:
    """Her text, her chat id and the update id become the neutral message unchanged (texts
    beyond Telegram's own limit are cut)."""
    user = {**USER, "id": chat_id, **({"language_code": language} if language else {})}
    update = private_message(update_id, chat_id, text=text)
    update["message"]["from"] = user
    parsed = parse_json(update, NOW, username=BOT)
    assert isinstance(parsed, Private) and parsed.callback is None
    assert parsed.inbound == Inbound(
        channel="telegram",
        address=str(chat_id),
        external_id=f"update:{update_id}",
        event=TextIn(text[:MAX_TEXT]),
        received_at=NOW,
        language_hint=language,
    )


@PURE
@given(code=texts(80), to_us=st.booleans())
def test_telegram_a_start_link_round_trips(code: str, to_us: bool) -> None:
    """``/start CODE`` (or ``/start@OurBot CODE``): the code, cleaned and at most 64 long."""
    head = f"/start@{BOT}" if to_us else "/start"
    parsed = parse_json(private_message(7, 4711, text=f"{head} {code}"), NOW, username=BOT)
    assert isinstance(parsed, Private)
    expected = clean_text(f"{head} {code}".strip().partition(" ")[2].strip())[:64] or None
    assert parsed.inbound.event == StartIn(expected)


@PURE
@given(
    data=st.text(min_size=1, max_size=64).filter(lambda d: len(d.encode()) <= 64),
    label=st.text(min_size=1, max_size=40),
    others=st.lists(st.text(min_size=1, max_size=20), max_size=3),
)
def test_telegram_a_button_press_round_trips(data: str, label: str, others: list[str]) -> None:
    """The pressed button's data is the choice; its label is read from the keyboard."""
    keyboard = [[{"text": label, "callback_data": data}]] + [
        [{"text": "x", "callback_data": other}] for other in others if other != data
    ]
    message = private_message(3, 4711, text="Menü")["message"]
    message["reply_markup"] = {"inline_keyboard": keyboard}
    update = {
        "update_id": 3,
        "callback_query": {
            "id": "77",
            "from": USER,
            "chat_instance": "1",
            "data": data,
            "message": message,
        },
    }
    parsed = parse_json(update, NOW, username=BOT)
    assert isinstance(parsed, Private) and parsed.callback is not None
    assert parsed.inbound.event == ChoiceIn(data)
    assert (parsed.callback.data, parsed.callback.label) == (data, label)
    assert (parsed.callback.chat_id, parsed.callback.message_id) == (4711, 9)


@PURE
@given(
    update_id=st.integers(min_value=0, max_value=2**31),
    chat_id=st.integers(min_value=1, max_value=2**52),
    old=st.sampled_from(["member", "kicked", "left"]),
    new=st.sampled_from(["member", "kicked", "left"]),
)
def test_telegram_blocking_and_unblocking_round_trip(
    update_id: int, chat_id: int, old: str, new: str
) -> None:
    """She blocks the bot (kicked/left) or unblocks it (member): a reachability notice for her
    chat, at the moment it arrived."""
    user = {**USER, "id": chat_id}

    def status(name: str) -> dict[str, Any]:
        return {"status": name, "user": user, **({"until_date": 0} if name == "kicked" else {})}

    update = {
        "update_id": update_id,
        "my_chat_member": {
            "chat": {**PRIVATE_CHAT, "id": chat_id},
            "from": user,
            "date": 1_796_000_000,
            "old_chat_member": status(old),
            "new_chat_member": status(new),
        },
    }
    parsed = parse_json(update, NOW, username=BOT)
    assert parsed == Reachability("telegram", str(chat_id), new == "member", NOW)


# ---- Twilio's forms --------------------------------------------------------------------------

FORM_KEYS = st.sampled_from(
    [
        "From",
        "WaId",
        "Body",
        "ButtonPayload",
        "ButtonText",
        "ListId",
        "ListTitle",
        "NumMedia",
        "MediaUrl0",
        "MediaContentType0",
        "MediaUrl1",
        "MessageSid",
        "SmsMessageSid",
        "Latitude",
        "MessageType",
    ]
) | texts(20)
FORM_VALUES = texts(300) | st.sampled_from(
    [
        "whatsapp:+4915112345601",
        "4915112345601",
        "SM" + "a" * 32,
        "1",
        "10",
        "-1",
        "²",
        "٣",
        "https://api.twilio.com/M/1",
        "image/jpeg",
        "application/pdf",
        "main.menu:privacy",
    ]
)
WA_NUMBER = st.text("0123456789", min_size=6, max_size=15)
SID = st.text(string.ascii_letters + string.digits, min_size=1, max_size=64)


@PURE
@given(form=st.dictionaries(FORM_KEYS, FORM_VALUES, max_size=14))
@example(form={"From": "whatsapp:+4915112345601", "MessageSid": "SM1", "NumMedia": "²"})
def test_twilio_any_inbound_form_is_a_message_or_a_whatsapp_input_error(
    form: dict[str, str],
) -> None:
    try:
        inbound, media = parse_form(form, NOW)
    except WhatsAppInputError:
        return
    number = inbound.address.removeprefix("whatsapp:+")
    assert number.isascii() and number.isdigit() and 6 <= len(number) <= 15
    assert inbound.external_id and len(inbound.external_id) <= 64
    assert len(media) <= MAX_MEDIA and all(m.url.startswith("https://") for m in media)


@PURE
@given(number=WA_NUMBER, sid=SID, body=st.text(min_size=1, max_size=500), via_wa_id=st.booleans())
@example(number="4915112345601", sid="SM1", body="٣", via_wa_id=False)
def test_twilio_a_text_message_round_trips(
    number: str, sid: str, body: str, via_wa_id: bool
) -> None:
    assume(body.strip())
    form = {"WaId": number} if via_wa_id else {"From": f"whatsapp:+{number}"}
    inbound, media = parse_form({**form, "MessageSid": sid, "Body": body}, NOW)
    assert media == []
    assert inbound == Inbound("whatsapp", f"whatsapp:+{number}", sid, TextIn(body), NOW)


@PURE
@given(
    number=WA_NUMBER,
    choice=st.from_regex(CHOICE_ID, fullmatch=True),
    field=st.sampled_from(["ButtonPayload", "ListId"]),
)
def test_twilio_a_button_or_list_choice_round_trips(number: str, choice: str, field: str) -> None:
    form = {"From": f"whatsapp:+{number}", "MessageSid": "SM1", field: choice, "Body": "✅"}
    inbound, _ = parse_form(form, NOW)
    assert inbound.event == ChoiceIn(choice.strip())


@PURE
@given(
    kinds=st.lists(
        st.sampled_from(["image/jpeg", "image/webp", "audio/ogg", "video/mp4", "application/pdf"]),
        min_size=1,
        max_size=MAX_MEDIA,
    )
)
def test_twilio_media_round_trip_as_type_and_url(kinds: list[str]) -> None:
    form = {"From": "whatsapp:+4915112345601", "MessageSid": "SM1", "NumMedia": str(len(kinds))}
    for index, content_type in enumerate(kinds):
        form[f"MediaUrl{index}"] = f"https://api.twilio.com/M/{index}"
        form[f"MediaContentType{index}"] = content_type
    inbound, media = parse_form(form, NOW)
    assert [m.content_type for m in media] == kinds
    assert [m.url for m in media] == [f"https://api.twilio.com/M/{i}" for i in range(len(kinds))]
    assert inbound.event == MediaIn(media[0].kind)


STATUS_KEYS = st.sampled_from(
    ["MessageSid", "SmsSid", "MessageStatus", "SmsStatus", "ErrorCode", "ErrorMessage"]
) | texts(12)
STATUS_VALUES = texts(80) | st.sampled_from(
    [
        "SM1",
        "delivered",
        "read",
        "failed",
        "undelivered",
        "63016",
        "21610",
        "63018",
        "²",
        "٣",
        "-1",
        "99999999999999999999999",
        " 63003 ",
    ]
)


@PURE
@given(form=st.dictionaries(STATUS_KEYS, STATUS_VALUES, max_size=8))
@example(form={"MessageSid": "SM1", "MessageStatus": "failed", "ErrorCode": "²"})
@example(form={"MessageSid": "SM1", "MessageStatus": "failed", "ErrorCode": "٦٣٠١٦"})
def test_twilio_any_status_callback_is_a_report_or_nothing(form: dict[str, str]) -> None:
    """A status callback never raises: a delivery report, or ``None`` when it names no message
    or no status; an error code is a number only when Twilio wrote one in ASCII digits."""
    report = parse_status(form)
    if report is None:
        return
    assert isinstance(report, DeliveryReport) and report.external_id and report.status
    assert len(report.external_id) <= 128 and len(report.status) <= 16
    assert report.error_code is None or report.error_code >= 0


@PURE
@given(
    sid=SID,
    status=st.sampled_from(["queued", "sent", "delivered", "read", "failed", "undelivered"]),
    code=st.none() | st.sampled_from([63016, 21610, 63003, 63018, 30008]),
)
def test_twilio_a_status_callback_round_trips(sid: str, status: str, code: int | None) -> None:
    form = {"MessageSid": sid, "MessageStatus": status.upper()}
    if code is not None:
        form["ErrorCode"] = str(code)
    report = parse_status(form)
    assert report is not None
    assert (report.external_id, report.status, report.error_code) == (sid, status, code)
    if status in ("failed", "undelivered"):
        assert report.error_reason
        assert report.final_status in ("failed", "needs_template", "skipped")
    else:
        assert report.error_reason is None


@PURE
@given(
    fields=st.dictionaries(FORM_KEYS, FORM_VALUES, max_size=8),
    changed=st.sampled_from(["value", "field", "path", "query", "token"]),
    extra=st.text(min_size=1, max_size=10),
)
def test_twilio_a_signature_holds_for_exactly_what_was_signed(
    fields: dict[str, str], changed: str, extra: str
) -> None:
    """Twilio's signature over the public URL and every field validates; any change to a
    value, a field, the path, the query or the token makes it invalid."""
    token, base = "twilio-test-auth-token", "https://bot.example.org"
    path = "/webhooks/twilio/whatsapp"
    signature = sign(token, base + path, fields)
    assert signature_is_valid(token, base, path, fields, signature)
    forged, forged_path, forged_token = dict(fields), path, token
    if changed == "value" and fields:
        key = sorted(fields)[0]
        forged[key] = fields[key] + extra
    elif changed in ("value", "field"):
        forged["X" + extra] = extra
    elif changed == "path":
        forged_path = "/webhooks/twilio/status"
    elif changed == "query":  # a query as it arrives: percent-encoded
        forged_path = f"{path}?{quote(extra)}"
    else:
        forged_token = token + extra
    assert not signature_is_valid(forged_token, base, forged_path, forged, signature)


# ---- the simulator ---------------------------------------------------------------------------


@PURE
@given(
    body=json_values(20)
    | st.dictionaries(
        st.sampled_from(["user", "text", "choice", "id", "language"]), json_values(4), max_size=5
    )
)
def test_simulator_any_json_is_a_message_or_a_simulator_input_error(body: Any) -> None:
    inbound = attempt(lambda: parse_request(body, NOW), SimulatorInputError)
    if inbound is None:
        return
    assert 0 < len(inbound.address) <= MAX_USER_ID and inbound.address.isprintable()
    assert isinstance(inbound.event, TextIn | ChoiceIn | StartIn)


@PURE
@given(
    user=st.text(min_size=1, max_size=MAX_USER_ID).filter(lambda u: u.strip().isprintable()),
    text=st.text(max_size=500).filter(lambda t: not t.strip().startswith("/start")),
    message_id=st.none() | st.text(min_size=1, max_size=100).filter(str.isprintable),
    language=st.none() | st.sampled_from(["uk-UA", "ar", "fa"]),
)
def test_simulator_a_well_formed_text_round_trips(
    user: str, text: str, message_id: str | None, language: str | None
) -> None:
    assume(user.strip())
    body = {"user": user, "text": text, "id": message_id, "language": language}
    inbound = parse_request(body, NOW)
    assert (inbound.channel, inbound.address, inbound.event) == (
        "simulator",
        user.strip(),
        TextIn(text),
    )
    assert inbound.language_hint == language
    assert inbound.external_id == (message_id or inbound.external_id)


# ---- the people import -----------------------------------------------------------------------

HEADER = [
    "name",
    "language",
    "town",
    "whatsapp number",
    "telegram chat id",
    "date of consent given on paper",
    "interests",
    "course",
]


@pytest.fixture(scope="module")
def languages() -> LanguageTable:
    return load_flow_engine().catalogs.languages


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@FILES
@given(
    data=st.binary(max_size=400)
    | texts(300).map(lambda t: t.encode("utf-8", "surrogatepass"))
    | st.lists(st.lists(texts(20), max_size=9), max_size=6).map(
        lambda rows: "\n".join(";".join(r) for r in [HEADER, *rows]).encode(
            "utf-8", "surrogatepass"
        )
    )
)
@example(data=b"name;whatsapp\n\xe4\xf6\xfc;0176 1\n")  # saved as Latin-1 by a spreadsheet
@example(data=b"name;whatsapp\n\xed\xa0\x80;1\n")  # a lone surrogate, as some tools write it
@example(data=b'name;whatsapp\n"' + b"x" * 140_000 + b'";1\n')  # over csv's field limit
@example(data=b"name,whatsapp\nA\x00B,1\n")
def test_import_any_file_is_rows_or_a_people_import_error(tmp_path: Path, data: bytes) -> None:
    """``read_rows`` raises :class:`PeopleImportError` and nothing else, whatever the bytes."""
    read = attempt(lambda: read_rows(write(tmp_path, "any.csv", data)), PeopleImportError)
    if read is None:
        return
    columns, rows = read
    assert "name" in columns
    lines = [line for line, _ in rows]
    assert lines == sorted(lines) and all(line >= 2 for line in lines)


@PURE
@given(
    record=st.dictionaries(
        st.sampled_from(
            ["name", "language", "town", "whatsapp", "telegram", "consent", "interests", "course"]
        ),
        texts(40)
        | st.sampled_from(
            [
                "0176 12345678",
                "+4915112345601",
                "٣٤٥",
                "²",
                "-0",
                "007",
                "12345678901234567890",
                "2026-11-20",
                "31.02.2026",
                "course; jobs",
                "Deutsch",
                "xx",
                "a2-hoya",
            ]
        ),
        max_size=8,
    )
)
@example(record={"name": "A", "telegram": "٣٤٥"})
@example(record={"name": "A", "telegram": "007"})
@example(record={"name": "\u202eAmina\x1b[31m\n", "town": " Hoya\t\r\n", "telegram": "7"})
def test_import_any_row_is_a_row_or_a_row_error(
    languages: LanguageTable, record: dict[str, str]
) -> None:
    """One row: checked and normalised, or refused with a reason; Telegram chat ids are the
    digits Telegram itself sends (ASCII, no leading zeros), so she is found when she writes."""
    row = attempt(
        lambda: parse_row(2, record, "DE", languages, "de", ["a2-hoya"], date(2026, 11, 30)),
        RowError,
    )
    if row is None:
        return
    assert row.name and row.addresses
    for shown in (row.name, row.town or ""):  # echoed in chats: one clean line
        assert shown == " ".join(shown.split())
        assert not any(unicodedata.category(c) == "Cc" or ord(c) in BIDI_MARKS for c in shown)
    for channel, address in row.addresses:
        if channel == "telegram":
            assert address == str(int(address)) and address.lstrip("-").isascii()
        else:
            assert address.startswith("whatsapp:+") and address[10:].isdigit()


#: Each bad row and the words of the reason the coordinator is shown.
BAD_ROWS = {
    "phone": ({"whatsapp number": "12345"}, "bad phone number"),
    "language": ({"language": "tlh"}, "unknown language"),
    "date": ({"date of consent given on paper": "31.02.2026"}, "bad consent date"),
    "future": ({"date of consent given on paper": "24.12.2027"}, "in the future"),
    "course": ({"course": "b1-nowhere"}, "unknown course"),
    "nobody": ({"whatsapp number": "", "telegram chat id": ""}, "no channel at all"),
    "interest": ({"interests": "cooking"}, "unknown interest"),
    "telegram": ({"telegram chat id": "12a"}, "bad telegram chat id"),
    "no name": ({"name": ""}, "no name"),
    "town": ({"town": "Nienbrug"}, "unknown town 'Nienbrug' (did you mean 'Nienburg (Weser)'?)"),
}
_numbers = itertools.count(10_000_000)


def good_row(draw: st.DrawFn) -> dict[str, str]:
    """A row that must be imported: a fresh number or chat id, everything else any valid value."""
    serial = next(_numbers)
    name = draw(st.text(st.characters(categories=["L", "Zs"]), min_size=1, max_size=30)).strip()
    channel = draw(st.sampled_from(["whatsapp", "telegram", "both"]))
    return {
        "name": name or "A",
        "language": draw(st.sampled_from(["", "ar", "Українська", "fa", "de"])),
        # Towns must be the organisation's (a typo is held back): the delimiter inside a
        # cell is in the interests ("meet; jobs").
        "town": draw(st.sampled_from(["", "Hoya", "Nienburg (Weser)", "Stolzenau"])),
        "whatsapp number": f"0176 {serial}" if channel != "telegram" else "",
        "telegram chat id": str(serial) if channel != "whatsapp" else "",
        "date of consent given on paper": draw(st.sampled_from(["", "20.11.2026", "2026-11-01"])),
        "interests": draw(st.sampled_from(["", "course", "jobs, meet", "meet; jobs", "Mentor"])),
        "course": "",
    }


@st.composite
def import_files(draw: st.DrawFn) -> list[tuple[str, dict[str, str]]]:
    """Rows, each ``("good", row)`` or ``(<bad kind>, row)``."""
    kinds = draw(st.lists(st.sampled_from(["good", "good", *BAD_ROWS]), min_size=1, max_size=8))
    return [(kind, {**good_row(draw), **BAD_ROWS.get(kind, ({}, ""))[0]}) for kind in kinds]


@DATABASE
@given(rows=import_files(), delimiter=st.sampled_from([";", ",", "\t"]))
def test_import_reports_every_bad_row_and_keeps_every_good_one(
    sqlite_runtime: Runtime,
    clock: FrozenClock,
    tmp_path: Path,
    rows: list[tuple[str, dict[str, str]]],
    delimiter: str,
) -> None:
    """A real import: each bad row is reported with its line and reason, each good row is a
    person findable by her address, with her name."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, HEADER, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(row for _, row in rows)
    path = write(tmp_path, "people.csv", buffer.getvalue().encode())
    importer = PeopleImporter(
        sqlite_runtime.db, TEST_SECRET, sqlite_runtime.flow_engine.catalogs.languages, clock
    )
    report = importer.run(path, "vnb-nienburg")

    expected = [
        (line, BAD_ROWS[kind][1]) for line, (kind, _) in enumerate(rows, 2) if kind != "good"
    ]
    assert [
        (p.line, reason) for p, (_, reason) in zip(report.problems, expected, strict=True)
    ] == [(line, reason) for line, reason in expected]
    for problem, (_, reason) in zip(report.problems, expected, strict=True):
        assert reason in problem.reason, (problem, reason)
    good = [row for kind, row in rows if kind == "good"]
    assert len(report.created) == len(good)
    people, identities = Person.__table__, ChannelIdentity.__table__
    with sqlite_runtime.db.connect() as conn:
        for row in good:
            channel, address = (
                ("telegram", row["telegram chat id"])
                if row["telegram chat id"]
                else ("whatsapp", "whatsapp:+49" + row["whatsapp number"][1:].replace(" ", ""))
            )
            name = conn.execute(
                select(people.c.display_name)
                .join(identities, identities.c.person_id == people.c.id)
                .where(identities.c.lookup_key == lookup_key(TEST_SECRET, channel, address))
            ).scalar_one()
            # Stored as the chat would store it: one line, single plain spaces (a no-break
            # space pasted from a spreadsheet becomes a space).
            assert name == " ".join(row["name"].split())


# ---- broadcast files -------------------------------------------------------------------------

DRAFT_KEYS = st.sampled_from(
    ["texts", "audience", "title", "organisation", "urgent", "de", "ar", "towns", "match", "all"]
) | texts(8)
YAML_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | texts(30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(DRAFT_KEYS, children, max_size=5)
    ),
    max_leaves=15,
)


@FILES
@given(
    data=st.binary(max_size=300)
    | texts(200).map(lambda t: t.encode("utf-8", "surrogatepass"))
    | YAML_LIKE.map(
        lambda v: yaml.safe_dump(v, allow_unicode=True).encode("utf-8", "surrogatepass")
    )
)
@example(data=b"de: Gr\xfc\xdfe\n")  # Latin-1, not UTF-8
@example(data=b"[" * 5000)  # nested beyond the parser's recursion
@example(data=b"? [a, b]\n: x\n")  # a key YAML can write but Python cannot hash
@example(data=b"texts:\n  de: Hallo\nurgent: 'no'\n")
def test_broadcast_any_file_is_a_draft_or_a_broadcast_error(tmp_path: Path, data: bytes) -> None:
    """``read_draft`` raises :class:`BroadcastError` and nothing else, whatever the file holds;
    ``urgent`` is only ever set by a real yes (``true``), never by a word that means no."""
    draft = attempt(lambda: read_draft(write(tmp_path, "b.yaml", data)), BroadcastError)
    if draft is None:
        return
    assert isinstance(draft, Draft)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in draft.texts.items())
    assert isinstance(draft.urgent, bool)
    if draft.urgent:
        assert yaml.safe_load(data.decode("utf-8"))["urgent"] is True


@PURE
@given(
    texts_by_language=st.dictionaries(
        st.sampled_from(["de", "ar", "uk", "en"]),
        st.text(
            st.characters(exclude_categories=["Cc", "Cs", "Zl", "Zp"]), min_size=1, max_size=200
        ).filter(lambda t: t.strip() == t and t),
        min_size=1,
        max_size=4,
    ),
    title=st.text(max_size=40),
    urgent=st.booleans(),
)
def test_broadcast_a_well_formed_file_round_trips(
    tmp_path_factory: pytest.TempPathFactory,
    texts_by_language: dict[str, str],
    title: str,
    urgent: bool,
) -> None:
    path = tmp_path_factory.mktemp("draft") / "b.yaml"
    document = {
        "title": title,
        "texts": texts_by_language,
        "urgent": urgent,
        "audience": {"towns": ["Hoya"]},
    }
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    # YAML itself folds some characters (a NEL is a line break): compare with what it loads.
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assume(loaded["title"] == title and loaded["texts"] == texts_by_language)
    draft = read_draft(path)
    assert draft == Draft(texts_by_language, {"towns": ["Hoya"]}, title, None, urgent)


@PURE
@given(
    text=texts(120)
    | st.builds(
        lambda a, p, b: a + p + b,
        texts(20),
        st.sampled_from(
            [
                "{name}",
                "{org}",
                "{name:}",
                "{name!r}",
                "{}",
                "{0}",
                "{name.x}",
                "{{",
                "}}",
                "{",
                "}",
                "{name[0]}",
                "{nmae}",
                "{name:>{org}}",
            ]
        ),
        texts(20),
    ),
    name=st.text(max_size=30),
)
@example(text="{name:}", name="Amina")
@example(text="{name:>{org}}", name="Amina")
def test_broadcast_a_checked_text_always_fills_without_a_brace_left(
    languages: LanguageTable, text: str, name: str
) -> None:
    """``check_texts`` refuses with :class:`BroadcastError` or guarantees that filling in works
    and leaves no placeholder behind."""
    try:
        check_texts({"de": text}, languages)
    except BroadcastError:
        return
    values = {key: f"<{key}>" for key in PLACEHOLDERS} | {"name": name.replace("{", "")}
    filled = fill(text, values)
    for key in PLACEHOLDERS:
        assert f"{{{key}}}" not in filled.replace(values["name"], "")
