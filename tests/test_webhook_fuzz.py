"""Fuzzing every webhook route over real HTTP (issue 11, "Also").

The app (Telegram in webhook mode, WhatsApp through Twilio, the simulator) is served by a real
uvicorn on 127.0.0.1 (``tests/auxil/served.py``); Hypothesis generates bodies, headers, query
strings and methods.  Whatever arrives:

* the answer is never a 5xx;
* nothing is logged with a traceback or at ERROR (the root logger is recorded);
* a request that is not authenticated (no or a wrong Telegram secret, no or a wrong Twilio
  signature) stores nothing: every table of the database has the same rows afterwards.

Authenticated requests (the right secret, a correct signature over fuzzed fields) may store
what they carry, but must still never fail on the server.  No channel is started and nothing is
dispatched (``background=False``): no platform is called.

Inputs that once gave a 5xx (an ``ErrorCode`` of ``"²"`` on the status callback) are kept as
``@example``.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, func, select

from bot.channels.telegram.webhook import SECRET_HEADER
from bot.db.migrate import upgrade
from bot.demo import load_demo
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.served import LogRecorder, recording_logs, served
from tests.auxil.telegram import TOKEN, WEBHOOK_SECRET
from tests.auxil.twilio import sign
from tests.auxil.whatsapp import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    SENDER,
    inbound_form,
    write_templates,
)

TELEGRAM = "/webhooks/telegram"
TWILIO_INBOUND = "/webhooks/twilio/whatsapp"
TWILIO_STATUS = "/webhooks/twilio/status"
SIMULATOR = "/simulator/api/messages"
EXAMPLES = 150
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class Target:
    """The served app, an HTTP client, the database and the log."""

    def __init__(self, runtime: Runtime, base_url: str, log: LogRecorder) -> None:
        self.runtime = runtime
        # A fresh connection per request: a kept-alive one that uvicorn closes after its idle
        # timeout, just as the next test reuses it, would be a reset nobody caused.
        self.http = httpx.Client(
            base_url=base_url, timeout=30.0, limits=httpx.Limits(max_keepalive_connections=0)
        )
        self.log = log
        self.tables = MetaData()
        self.tables.reflect(runtime.db)

    def rows(self) -> dict[str, int]:
        """How many rows every table has."""
        with self.runtime.db.connect() as conn:
            return {
                name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for name, table in self.tables.tables.items()
            }

    def send(
        self,
        method: str,
        path: str,
        body: bytes,
        headers: dict[str, str],
        query: str = "",
    ) -> httpx.Response:
        """One request; fails the test on a 5xx or a traceback in the log."""
        self.log.clear()
        url = f"{path}?{query}" if query else path
        response = self.http.request(method, url, content=body, headers=headers)
        assert response.status_code < 500, (method, url, response.status_code, response.text)
        assert not self.log.tracebacks(), self.log.tracebacks()
        return response


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """Telegram (webhook mode), WhatsApp and the simulator in one app on a real server."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'fuzz.sqlite3'}"
    clock = FrozenClock()
    config = Settings(
        database_url=url,
        environment="development",
        secret_key=TEST_SECRET,
        public_url=PUBLIC_URL,
        telegram_token=TOKEN,
        telegram_api_url="http://127.0.0.1:9/bot{token}",
        telegram_mode="webhook",
        telegram_webhook_secret=WEBHOOK_SECRET,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=SENDER,
        twilio_api_url="http://127.0.0.1:9",
        twilio_templates=write_templates(folder / "templates.yaml"),
        simulator_enabled=True,
    )
    upgrade(url)
    runtime = build_runtime(config, clock=clock)
    load_demo(runtime.db, TEST_SECRET, clock())
    with recording_logs() as log, served(create_app(runtime, background=False)) as base:
        fuzz = Target(runtime, base, log)
        yield fuzz
        fuzz.http.close()
    runtime.close()


# ---- strategies ------------------------------------------------------------------------------

TRICKY = "\x00\x7f\r\n\t \u00a0\u200b\u202e\ufeff٢²🙂{}[]\"':,=&%+;\\/"
HEADER_NAME = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=20)
HEADER_VALUE = st.text(string.printable.strip() + " ", max_size=60).map(str.strip)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "multipart/form-data; boundary=xyz",
        "multipart/form-data",
        "text/plain",
        "application/json; charset=utf-16",
        "",
        "garbage/;;;=",
    ]
)


def json_values(max_leaves: int = 20) -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=30)
        | st.text(st.sampled_from(TRICKY), max_size=20)
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=12), children, max_size=5)
        ),
        max_leaves=max_leaves,
    )


def update_like() -> st.SearchStrategy[Any]:
    """Shapes near a Telegram update, so the parser's deeper paths are reached."""
    keys = st.sampled_from(
        [
            "update_id",
            "message",
            "callback_query",
            "my_chat_member",
            "chat",
            "from",
            "text",
            "data",
            "id",
            "type",
            "date",
            "message_id",
            "new_chat_member",
            "status",
            "entities",
        ]
    )
    return st.recursive(
        json_values(4),
        lambda children: st.dictionaries(keys, children, max_size=6),
        max_leaves=25,
    )


def raw_bodies() -> st.SearchStrategy[bytes]:
    encoded = json_values().map(lambda v: json.dumps(v).encode())
    return (
        st.binary(max_size=500)
        | st.text(st.sampled_from(TRICKY + "ab01"), max_size=200).map(str.encode)
        | encoded
        | update_like().map(
            lambda v: json.dumps({"update_id": 1, **v} if isinstance(v, dict) else v).encode()
        )
    )


def form_fields() -> st.SearchStrategy[dict[str, str]]:
    """Forms like Twilio's: its field names with any values, and any other fields."""
    names = st.sampled_from(
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
            "SmsSid",
            "MessageStatus",
            "SmsStatus",
            "ErrorCode",
            "ErrorMessage",
            "Latitude",
            "MessageType",
        ]
    ) | st.text(max_size=15)
    values = (
        st.text(max_size=80)
        | st.text(st.sampled_from(TRICKY), max_size=30)
        | st.sampled_from(
            [
                "whatsapp:+4915112345699",
                "4915112345699",
                "SM" + "f" * 32,
                "failed",
                "delivered",
                "63016",
                "²",
                "٣",
                "-1",
                "1",
                "10",
                "https://api.twilio.com/M/1",
                "image/jpeg",
            ]
        )
    )
    return st.dictionaries(names, values, max_size=10)


def queries() -> st.SearchStrategy[str]:
    return (
        st.just("")
        | st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=3).map(urlencode)
        | st.text(string.printable.strip(), max_size=40).map(lambda q: q.replace("#", ""))
    )


def headers(
    content_type: st.SearchStrategy[str] = CONTENT_TYPES,
) -> st.SearchStrategy[dict[str, str]]:
    return st.builds(
        lambda extra, ctype: {**extra, **({"content-type": ctype} if ctype else {})},
        st.dictionaries(HEADER_NAME, HEADER_VALUE, max_size=4).map(
            lambda h: {k: v for k, v in h.items() if k.lower() not in NOT_FUZZED}
        ),
        content_type,
    )


#: Headers httpx must set itself for the request to be HTTP at all.
NOT_FUZZED = {
    "content-length",
    "transfer-encoding",
    "host",
    "connection",
    "expect",
    "upgrade",
    "te",
    "trailer",
    "content-type",
}


def form_body(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()


def signed_headers(path: str, fields: dict[str, str], query: str = "") -> dict[str, str]:
    url = f"{PUBLIC_URL}{path}" + (f"?{query}" if query else "")
    return {
        "content-type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(AUTH_TOKEN, url, fields),
    }


# ---- Telegram --------------------------------------------------------------------------------


@FUZZ
@given(
    method=st.sampled_from(["POST", "POST", "GET", "PUT", "DELETE"]),
    body=raw_bodies(),
    extra=headers(),
    secret=st.none()
    | st.sampled_from(["", WEBHOOK_SECRET[:-1], WEBHOOK_SECRET + "x", "wrong"])
    | HEADER_VALUE,
    query=queries(),
)
@example(method="POST", body=b"[" * 100_000, extra={}, secret=None, query="")
def test_telegram_without_the_secret_stores_nothing(
    target: Target,
    method: str,
    body: bytes,
    extra: dict[str, str],
    secret: str | None,
    query: str,
) -> None:
    if secret is not None:
        extra = {**extra, SECRET_HEADER: secret}
    before = target.rows()
    response = target.send(method, TELEGRAM, body, extra, query)
    assert response.status_code >= 400
    assert target.rows() == before


@FUZZ
@given(body=raw_bodies(), extra=headers(), query=queries())
@example(
    body=json.dumps({"update_id": 1, "message": {"text": "/start"}}).encode(),
    extra={"content-type": "application/json"},
    query="",
)
@example(
    body=b'{"update_id": 1, "message": ' * 400 + b"1" + b"}" * 400,
    extra={"content-type": "application/json"},
    query="",
)
@example(body=b"[" * 100_000, extra={"content-type": "application/json"}, query="")
@example(
    body=b'{"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, '
    b'"type": "private"}, "text": "x", "reply_markup": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
    extra={"content-type": "application/json"},
    query="",
)
def test_telegram_with_the_secret_never_fails_on_the_server(
    target: Target, body: bytes, extra: dict[str, str], query: str
) -> None:
    target.send("POST", TELEGRAM, body, {**extra, SECRET_HEADER: WEBHOOK_SECRET}, query)


# ---- Twilio ----------------------------------------------------------------------------------


@FUZZ
@given(
    path=st.sampled_from([TWILIO_INBOUND, TWILIO_STATUS]),
    method=st.sampled_from(["POST", "POST", "GET"]),
    fields=form_fields(),
    raw=st.none() | raw_bodies(),
    extra=headers(),
    signature=st.none()
    | st.sampled_from(["", "x", "bm90IGEgc2lnbmF0dXJl"])
    | HEADER_VALUE
    | st.just("right-for-other-fields"),
    query=queries(),
)
def test_twilio_unsigned_or_wrongly_signed_stores_nothing(
    target: Target,
    path: str,
    method: str,
    fields: dict[str, str],
    raw: bytes | None,
    extra: dict[str, str],
    signature: str | None,
    query: str,
) -> None:
    if signature == "right-for-other-fields":  # a real signature, replayed over other fields
        signature = sign(AUTH_TOKEN, PUBLIC_URL + path, {**fields, "Body": "other"})
    if signature is not None:
        extra = {**extra, "X-Twilio-Signature": signature}
    before = target.rows()
    response = target.send(
        method, path, raw if raw is not None else form_body(fields), extra, query
    )
    assert response.status_code >= 400
    assert target.rows() == before


@FUZZ
@given(fields=form_fields(), well_formed=st.booleans(), query=queries())
def test_twilio_signed_inbound_never_fails_on_the_server(
    target: Target, fields: dict[str, str], well_formed: bool, query: str
) -> None:
    """Correctly signed (as Twilio signs: public URL, query and every field): any fields, or a
    real inbound form with fuzzed values on top."""
    if well_formed:
        fields = {**inbound_form("+4915112345698", "Hallo"), **fields}
    target.send(
        "POST",
        TWILIO_INBOUND,
        form_body(fields),
        signed_headers(TWILIO_INBOUND, fields, query),
        query,
    )


@FUZZ
@given(fields=form_fields(), query=queries())
@example(fields={"MessageSid": "SM1", "MessageStatus": "failed", "ErrorCode": "63016"}, query="")
@example(fields={"MessageSid": "SM1", "MessageStatus": "failed", "ErrorCode": "²"}, query="")
def test_twilio_signed_status_callback_never_fails_on_the_server(
    target: Target, fields: dict[str, str], query: str
) -> None:
    target.send(
        "POST",
        TWILIO_STATUS,
        form_body(fields),
        signed_headers(TWILIO_STATUS, fields, query),
        query,
    )


# ---- the simulator ---------------------------------------------------------------------------


@FUZZ
@given(
    method=st.sampled_from(["POST", "POST", "GET"]),
    body=raw_bodies()
    | st.fixed_dictionaries(
        {"user": st.text(min_size=1, max_size=70)},
        optional={
            "text": st.text(max_size=200),
            "choice": st.text(max_size=140),
            "id": json_values(3),
            "language": json_values(3),
        },
    ).map(lambda v: json.dumps(v).encode()),
    extra=headers(),
    query=queries() | st.text(max_size=70).map(lambda u: urlencode({"user": u})),
)
def test_simulator_api_never_fails_on_the_server(
    target: Target, method: str, body: bytes, extra: dict[str, str], query: str
) -> None:
    target.send(method, SIMULATOR, body, extra, query)


def test_the_fuzzed_routes_do_store_what_is_authenticated(target: Target) -> None:
    """The other side of "nothing stored": the same server, the same signing and the same
    secret store a real message (so the checks above are not vacuous)."""
    before = target.rows()
    form = inbound_form("+4915112345697", "Hallo")
    response = target.send(
        "POST", TWILIO_INBOUND, form_body(form), signed_headers(TWILIO_INBOUND, form)
    )
    assert response.status_code == 200
    update = {
        "update_id": 987654,
        "message": {
            "message_id": 1,
            "date": 1_796_000_000,
            "chat": {"id": 555001, "type": "private", "first_name": "A"},
            "from": {"id": 555001, "is_bot": False, "first_name": "A"},
            "text": "Hallo",
        },
    }
    response = target.send(
        "POST",
        TELEGRAM,
        json.dumps(update).encode(),
        {"content-type": "application/json", SECRET_HEADER: WEBHOOK_SECRET},
    )
    assert response.status_code == 200
    after = target.rows()
    assert after["inbound_messages"] == before["inbound_messages"] + 2
    assert after["people"] == before["people"] + 2
