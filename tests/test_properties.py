"""Property-based tests for every parser of outside input.

Whatever people type, press or post, the bot must answer sensibly and never crash:

* the flow engine, driven by arbitrary sequences of messages, button presses, ``/start`` codes
  and media, always answers with well-formed replies and keeps a JSON-serialisable state;
* the text helpers in :mod:`conversations.matching` never raise and keep their promises;
* the simulator's HTTP API answers arbitrary bodies and queries with 200 or a JSON 4xx, never 5xx.

Fixed examples (``@example``) keep the inputs that once broke a parser in the suite for good.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from bot.runtime import load_flow_engine
from conversations.events import (
    ChoiceIn,
    Event,
    ForgetPerson,
    MediaIn,
    Reply,
    RequestHuman,
    StartIn,
    TextIn,
    TimeoutIn,
    UpdateProfile,
)
from conversations.flow_engine import FlowEngine, Result
from conversations.matching import (
    BIDI_MARKS,
    MAX_INBOUND_CHARS,
    clean_text,
    fold,
    read_decimal,
    read_number,
    read_numbers,
)
from conversations.model import Context, Conversation, OrganisationInfo, Profile
from tests.auxil.clock import FrozenClock

NOW = FrozenClock()()
ORG = OrganisationInfo(
    name="VNB – Pilot Landkreis Nienburg",
    towns=("Nienburg (Weser)", "Hoya", "Marklohe"),
    privacy_contact="datenschutz@example.org",
    office_hours="Mo–Fr 9–13 Uhr",
)
UNFILLED = re.compile(r"\{[a-z_]+\}")
TELEGRAM_CALLBACK_BYTES = 64
API = "/simulator/api/messages"
JSON_HEADERS = {"content-type": "application/json"}
OK_STATUSES = {200, 400, 413, 422}

#: Fresh simulator user ids, so examples that share one database do not share a person.
_user_ids = itertools.count()

# ---- strategies ---------------------------------------------------------------------------

#: Characters phones and pastes really produce, and some that only attackers do.
TRICKY = "\x00\x07\x1b\x7f\x85\r\n\t \u00a0\u200b\u200d\u200e\u200f\u202e\u2066\u2069\ufeff\ufe0f\u20e3\u0640{}٢۲2️⃣🙂👩‍👩‍👧ß İ"
#: Words that mean something to the bot: commands, menu answers, "done", placeholders.
MEANINGFUL = (
    "start",
    "/start",
    "/start CODE42",
    "/start@TogetherBot x",
    "hallo",
    "stop",
    "STOPP",
    "стоп",
    "/delete",
    "löschen",
    "menü",
    "/menu",
    "hilfe",
    "/help",
    "datenschutz",
    "/privacy",
    "meine daten",
    "/mydata",
    "sprache",
    "mensch",
    "1",
    "2",
    "3",
    "9",
    "0",
    "٢",
    "2️⃣",
    "1, 3",
    "1 و 3",
    "fertig",
    "ja",
    "nein",
    "Hoya",
    "Amina",
    "{name}",
    "{org} {office_hours}",
    "English",
    "العربية",
    "",
)


def long_text() -> st.SearchStrategy[str]:
    """Pastes up to 5000 characters, built by repetition (cheap for Hypothesis)."""
    return st.builds(
        lambda piece, times: (piece * times)[:5000],
        st.text(min_size=1, max_size=12),
        st.integers(min_value=300, max_value=5000),
    )


def any_text() -> st.SearchStrategy[str]:
    """Anything a person could type: Unicode, control characters, commands, long pastes."""
    return st.one_of(
        st.text(max_size=60),
        st.text(alphabet=st.sampled_from(TRICKY), max_size=30),
        st.sampled_from(MEANINGFUL),
        st.builds(lambda a, b: a + b, st.sampled_from(MEANINGFUL), st.text(TRICKY, max_size=5)),
        long_text(),
    )


def json_values(text: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Any]:
    """Arbitrary JSON documents (no NaN or infinities: they are not JSON)."""
    strings = text if text is not None else st.text(max_size=40)
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        strings,
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=12,
    )


# ---- the engine -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine() -> FlowEngine:
    """The real engine with the real flows and catalogs, built once for this module."""
    return load_flow_engine()


class Phone:
    """One person talking to the pure engine, with the host's bookkeeping in between."""

    def __init__(self, engine: FlowEngine, hint: str | None) -> None:
        self.engine = engine
        self.hint = hint
        self.conversation: Conversation | None = None
        self.profile = Profile()
        self.replies: list[Reply] = []
        self.typed: list[str] = []

    def send(self, event: Event) -> Result:
        """One turn, then what the host would store (or erase)."""
        if isinstance(event, TextIn):
            self.typed.append(clean_text(event.text))
        context = Context(self.profile, ORG, NOW, "simulator", self.hint)
        result = self.engine.handle(self.conversation, event, context)
        self.conversation, self.profile = result.conversation, result.profile
        if any(isinstance(e, ForgetPerson) for e in result.effects):
            # The host erases her: her next message starts from nothing.
            self.conversation, self.profile = None, Profile()
        if result.replies:
            self.replies = result.replies
        return result

    def buttons(self) -> list[tuple[str, str]]:
        """``(id, label)`` of every button of the last answer."""
        return [(b.id, b.label) for r in self.replies for b in r.buttons]


def draw_event(data: st.DataObject, phone: Phone) -> Event:
    """One event: often a button of the last reply (so flows progress), else anything."""
    buttons = phone.buttons()
    kinds = ["text", "name", "choice", "start", "media", "timeout"]
    if buttons:
        kinds = ["button", "button", "button", "label", *kinds]
    kind = data.draw(st.sampled_from(kinds), label="kind")
    if kind == "name":  # what an input node wants: letters (a name, a question)
        letters = st.text(st.characters(categories=["L", "Zs", "Mn"]), min_size=1, max_size=45)
        return TextIn(
            data.draw(letters | st.sampled_from(["Amina", "Олена", "ليلى"]), label="name")
        )
    if kind == "button":
        return ChoiceIn(data.draw(st.sampled_from([i for i, _ in buttons]), label="button"))
    if kind == "label":
        return TextIn(data.draw(st.sampled_from([label for _, label in buttons]), label="typed"))
    if kind == "text":
        return TextIn(data.draw(any_text(), label="text"))
    if kind == "choice":
        choice = st.one_of(
            st.text(max_size=80),
            st.sampled_from(
                [
                    "onboarding.choose_language:de",
                    "onboarding.privacy_notice:yes",
                    "onboarding.privacy_notice:no",
                    "main.menu:privacy",
                    "main.my_data:delete",
                    "main.confirm_delete:yes",
                    "main.my_data:stop",
                    "onboarding.ask_interests:done",
                    "main.menu:",
                    ":",
                ]
            ),
        )
        return ChoiceIn(data.draw(choice, label="choice"))
    if kind == "start":
        return StartIn(data.draw(st.none() | st.text(max_size=64), label="code"))
    if kind == "media":
        media = st.sampled_from(["photo", "voice", "document", "sticker", "video"])
        return MediaIn(data.draw(media | st.text(max_size=20), label="media"))
    flow = st.sampled_from(["onboarding", "main", ""]) | st.text(max_size=10)
    node = st.sampled_from(["choose_language", "ask_name", "menu"]) | st.text(max_size=10)
    visit = st.integers(min_value=-5, max_value=50)
    return data.draw(st.builds(TimeoutIn, flow, node, visit), label="timeout")


def check_result(phone: Phone, event: Event, result: Result) -> None:
    """Every property a turn's outcome must have, whatever the event was."""
    if isinstance(event, TextIn | ChoiceIn | StartIn | MediaIn):
        assert result.replies, f"no reply to {event!r}"
    for reply in result.replies:
        assert reply.text.strip(), f"empty reply to {event!r}"
        for placeholder in UNFILLED.findall(reply.text):
            # Only allowed when she typed it herself (a name such as "{name}" is echoed).
            assert any(placeholder in typed for typed in phone.typed), (placeholder, reply.text)
        ids = [b.id for b in reply.buttons]
        assert len(ids) == len(set(ids)), f"duplicate button ids {ids}"
        for button in reply.buttons:
            assert button.label.strip(), f"empty button label in {reply!r}"
            assert len(button.id.encode("utf-8")) <= TELEGRAM_CALLBACK_BYTES, button.id
    if result.conversation is not None:
        json.dumps(result.conversation.data, allow_nan=False)
    for effect in result.effects:
        if isinstance(effect, UpdateProfile):
            json.dumps(effect.fields, allow_nan=False)


def signed_up(status: str, language: str) -> Profile:
    """The profile the host stores for someone who finished onboarding."""
    return Profile(
        language=language,
        display_name="Amina",
        town="Hoya",
        interests=["course", "meet"],
        attend_help=["childcare"],
        status=status,
        consent_given_at=NOW,
    )


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    start=st.sampled_from(["new", "new", "active", "opted_out"]),
    language=st.sampled_from(["de", "en", "ar", "uk", "fa"]),
    hint=st.none() | st.sampled_from(["uk-UA", "ar", "fa_IR", "prs", "en", "xx"]) | st.text(),
    length=st.integers(min_value=1, max_value=15),
)
def test_engine_answers_every_event_with_well_formed_replies(
    engine: FlowEngine,
    data: st.DataObject,
    start: str,
    language: str,
    hint: str | None,
    length: int,
) -> None:
    """Any sequence of inputs, from no conversation at all (or from the menu of someone signed
    up, or opted out, so deep paths are reached too): no crash, always an answer, every reply
    sendable (text, labels, Telegram-sized button ids), state storable as JSON."""
    phone = Phone(engine, hint)
    if start != "new":
        phone.profile = signed_up(start, language)
        phone.conversation = Conversation("main", "menu", 1)
    for _ in range(length):
        event = draw_event(data, phone)
        with_team = phone.profile.with_team_since is not None
        result = phone.send(event)
        if with_team and isinstance(event, TextIn | MediaIn) and not result.replies:
            # She talks with a person: what she sends goes to the team, the bot is silent.
            assert [type(e) for e in result.effects] == [RequestHuman], (event, result)
            continue
        check_result(phone, event, result)


# ---- matching -------------------------------------------------------------------------------

BIDI = {chr(code) for code in BIDI_MARKS}


@settings(max_examples=150, deadline=None)
@given(text=any_text())
def test_clean_text_leaves_only_safe_characters(text: str) -> None:
    """What is stored and echoed has no control characters (but line breaks and tabs), no bidi
    marks, and is capped."""
    cleaned = clean_text(text)
    assert len(cleaned) <= MAX_INBOUND_CHARS
    for char in cleaned:
        assert char in "\n\t" or unicodedata.category(char) != "Cc", repr(char)
        assert char not in BIDI, repr(char)
    assert cleaned == cleaned.strip() or len(cleaned) == MAX_INBOUND_CHARS


@settings(max_examples=150, deadline=None)
@given(text=any_text())
@example(text="a" * (MAX_INBOUND_CHARS - 1) + " b")
def test_clean_text_is_idempotent(text: str) -> None:
    """Cleaning twice changes nothing: a cleaned text is already safe as it is."""
    once = clean_text(text)
    assert clean_text(once) == once


@settings(max_examples=150, deadline=None)
@given(text=any_text())
def test_fold_gives_a_plain_comparison_key(text: str) -> None:
    """``fold`` never raises and yields only letters, digits and single inner spaces."""
    key = fold(text)
    assert key == key.strip()
    assert "  " not in key
    for char in key:
        assert char == " " or unicodedata.category(char)[0] in "LN", repr(char)


@settings(max_examples=150, deadline=None)
@given(
    text=any_text() | st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹²①.,;/+& و-", max_size=20)
)
def test_number_readers_never_raise(text: str) -> None:
    """Menu answers by number: ``None`` or non-negative whole numbers, never an exception."""
    number = read_number(text)
    assert number is None or (type(number) is int and number >= 0)
    numbers = read_numbers(text)
    assert numbers is None or (
        len(numbers) >= 2 and all(type(n) is int and n >= 0 for n in numbers)
    )
    decimal = read_decimal(text)
    assert decimal is None or isinstance(decimal, float)


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet="0123456789.,-", max_size=40) | long_text())
@example(text="1" * 400)
def test_read_decimal_is_finite(text: str) -> None:
    """A number she typed is a finite number, so it can be stored as JSON."""
    decimal = read_decimal(text)
    assert decimal is None or math.isfinite(decimal)


# ---- the simulator API over HTTP ------------------------------------------------------------

HTTP_SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OWN_USER = "@own-user@"  # replaced by a fresh user id in each example


def check_response(response: Any) -> dict[str, Any]:
    """200 or a client error, always with a JSON body; errors say what is wrong."""
    assert response.status_code in OK_STATUSES, (response.status_code, response.text)
    body = response.json()
    assert isinstance(body, dict)
    if response.status_code >= 400:
        assert isinstance(body.get("error"), str) and body["error"], body
    else:
        assert isinstance(body.get("replies"), list), body
    return body


def post_json(client: TestClient, value: Any) -> Any:
    """POST any JSON value as the body (``ensure_ascii`` keeps lone surrogates sendable)."""
    return client.post(API, content=json.dumps(value).encode(), headers=JSON_HEADERS)


PRESS = "@press-a-button@"  # replaced by a button id from the last 200 answer


def message_bodies(text: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies shaped like simulator messages: half of them well formed (any text, a button of
    the last answer) so conversations progress, the rest with every field of any JSON type."""
    anything = json_values()
    extras = {
        "id": st.text(max_size=110) | anything,
        "language": st.sampled_from(["uk-UA", "ar", "en"]) | st.text(max_size=20) | anything,
    }
    well_formed = st.fixed_dictionaries(
        {"user": st.just(OWN_USER), "text": text}, optional=extras
    ) | st.fixed_dictionaries({"user": st.just(OWN_USER), "choice": st.just(PRESS)})
    arbitrary = st.fixed_dictionaries(
        {"user": st.just(OWN_USER) | anything | st.text(max_size=70)},
        optional={
            "text": text | anything,
            "choice": st.sampled_from(["onboarding.choose_language:de", "main.menu:privacy"])
            | st.text(max_size=140)
            | anything,
            **extras,
        },
    )
    return well_formed | well_formed | arbitrary


@HTTP_SETTINGS
@given(value=json_values())
def test_post_any_json_is_answered_without_server_error(
    sqlite_client: TestClient, value: Any
) -> None:
    """Any JSON document as the body: 200, 400, 413 or 422 with a JSON body, never 5xx."""
    check_response(post_json(sqlite_client, value))


@HTTP_SETTINGS
@given(data=st.data(), bodies=st.lists(message_bodies(any_text()), min_size=1, max_size=5))
def test_post_message_shaped_bodies_never_fail_on_the_server(
    sqlite_client: TestClient, data: st.DataObject, bodies: list[dict[str, Any]]
) -> None:
    """Up to five messages in a row from one fresh user, each field of any type or content:
    never 5xx; a 200 answer carries well-formed replies."""
    user = f"prop-{next(_user_ids)}"
    buttons = ["onboarding.choose_language:de"]
    for body in bodies:
        if body["user"] == OWN_USER:
            body = {**body, "user": user}
        if body.get("choice") == PRESS:
            body = {**body, "choice": data.draw(st.sampled_from(buttons), label="button")}
        answer = check_response(post_json(sqlite_client, body))
        for reply in answer.get("replies", []):
            assert isinstance(reply["text"], str) and reply["text"]
            assert reply["direction"] in ("ltr", "rtl")
            for choice in reply["choices"]:
                assert choice["label"] and len(choice["id"].encode()) <= TELEGRAM_CALLBACK_BYTES
        pressable = [c["id"] for r in answer.get("replies", []) for c in r["choices"]]
        if pressable:
            buttons = pressable


@HTTP_SETTINGS
@given(raw=st.binary(max_size=600) | st.text(TRICKY + '{}[]":,01ae', max_size=60).map(str.encode))
@example(raw=b"")
@example(raw=b"\xff\xfe{")
@example(raw=b'{"user": "x", "text": "\xed\xa0\x80"}')
@example(raw=b" " * (300 * 1024))
def test_post_raw_bytes_is_answered_without_server_error(
    sqlite_client: TestClient, raw: bytes
) -> None:
    """Arbitrary bytes (broken UTF-8, truncated JSON, oversized): a JSON 4xx, never 5xx."""
    check_response(sqlite_client.post(API, content=raw, headers=JSON_HEADERS))


@HTTP_SETTINGS
@given(user=st.text(max_size=80) | st.sampled_from(["", " ", "amina", "x" * 64, "x" * 65]))
def test_get_messages_for_any_user_never_fails_on_the_server(
    sqlite_client: TestClient, user: str
) -> None:
    """Reading a screen with any ``user`` parameter: 200 or 422 with a JSON body."""
    response = sqlite_client.get(API, params={"user": user})
    assert response.status_code in (200, 422), (response.status_code, response.text)
    body = response.json()
    if response.status_code == 200:
        assert isinstance(body["messages"], list)
    else:
        assert isinstance(body["error"], str)


@HTTP_SETTINGS
@given(raw=st.binary(max_size=100))
def test_get_messages_with_raw_query_bytes_never_fails_on_the_server(
    sqlite_client: TestClient, raw: bytes
) -> None:
    """Percent-encoded bytes that are not UTF-8 in the query string: never 5xx."""
    response = sqlite_client.get(f"{API}?user={quote_from_bytes(raw)}")
    assert response.status_code in (200, 422), (response.status_code, response.text)
    response.json()


# ---- known bugs, pinned -------------------------------------------------------------------


@HTTP_SETTINGS
@given(
    kind=st.sampled_from(["digits", "arrays", "objects"]),
    size=st.integers(min_value=1, max_value=60_000),
)
@example(kind="digits", size=5000)
@example(kind="arrays", size=100_000)
def test_pathological_json_is_a_client_error(
    sqlite_client: TestClient, kind: str, size: int
) -> None:
    """Valid-looking but hostile JSON (huge numbers, deep nesting) is a 4xx, not a crash."""
    raw = {"digits": b"1" * size, "arrays": b"[" * size, "objects": b'{"a":' * size}[kind]
    check_response(sqlite_client.post(API, content=raw, headers=JSON_HEADERS))


@HTTP_SETTINGS
@given(code=st.text(alphabet=st.characters(categories=["Cs"]) | st.characters(), min_size=1))
@example(code="\ud800")
def test_start_code_with_any_characters_is_not_a_server_error(
    sqlite_client: TestClient, code: str
) -> None:
    """``/start <code>`` with arbitrary characters (JSON allows ``\\ud800``): never 5xx."""
    user = f"prop-{next(_user_ids)}"
    check_response(post_json(sqlite_client, {"user": user, "text": f"/start {code}"}))
