"""Every route: bodies over ``TWC_MAX_BODY_BYTES`` are refused before anything reads them, a
client hanging up is one quiet log line, deep JSON is a 4xx, every answer carries the security
headers, and outside development there is no simulator.

In-process, calling the ASGI app with a hand-made ``receive`` (``tests.auxil.asgi``): a body
can be declared and never sent, or be cut off, without a socket.  The same limits, and the
deadlines for slow heads and bodies (the server protocol's), against a real ``twc run`` over
sockets: ``tests/test_web_process.py``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.channels.telegram.webhook import PATH as TELEGRAM_PATH
from bot.channels.telegram.webhook import SECRET_HEADER
from bot.channels.whatsapp.parse import INBOUND_PATH
from bot.db.migrate import upgrade
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.headers import CONTENT_SECURITY_POLICY
from tests.auxil.asgi import call
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.telegram import WEBHOOK_SECRET, update, webhook_settings
from tests.auxil.whatsapp import whatsapp_runtime

LIMIT = 64 * 1024
MB = 1024 * 1024
FORM = ("content-type", "application/x-www-form-urlencoded")
JSON = ("content-type", "application/json")


@pytest.fixture
def twilio_app(sqlite_url: str, clock: FrozenClock, tmp_path: Path) -> Iterator[Starlette]:
    runtime = whatsapp_runtime(sqlite_url, clock, tmp_path, None)
    yield create_app(runtime, background=False)
    runtime.close()


@pytest.fixture
def telegram_client(webhook_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(webhook_runtime, background=False)) as client:
        yield client


def test_a_declared_length_over_the_limit_is_refused_without_reading_the_body(
    twilio_app: Starlette,
) -> None:
    """The 900 MB unsigned POST of the report: 413 at once, not one byte read or parsed."""
    answer = asyncio.run(
        call(twilio_app, "POST", INBOUND_PATH, [FORM, ("content-length", str(900 * MB))])
    )
    assert answer.status == 413
    assert answer.receives == 0
    assert answer.headers["connection"] == "close"
    assert "65536" in answer.body.decode()


def test_a_body_without_a_length_is_cut_off_at_the_limit(twilio_app: Starlette) -> None:
    """Chunked: counted as it arrives; the handler (form parsing, before the signature can be
    checked) is told she is gone once the limit is passed, and nothing more is asked for."""
    chunks = [b"&f=" + b"a" * 8_000] * 20_000  # 160 MB on offer, each field under its limit
    chunked = ("transfer-encoding", "chunked")
    answer = asyncio.run(call(twilio_app, "POST", INBOUND_PATH, [FORM, chunked], chunks))
    assert answer.status == 413
    assert answer.bytes_given <= LIMIT + 8_003
    assert answer.headers["connection"] == "close"


def test_an_answer_before_a_chunked_body_ends_closes_the_connection(
    twilio_app: Starlette,
) -> None:
    """A field over the form's limit is refused while more is still coming: the answer closes
    the connection, or the server would read the rest of a body of unknown length (a 900 MB
    upload went on to the end that way)."""
    chunks = [b"f=" + b"a" * 20_000] + [b"a" * 8_000] * 100
    chunked = ("transfer-encoding", "chunked")
    answer = asyncio.run(call(twilio_app, "POST", INBOUND_PATH, [FORM, chunked], chunks))
    assert answer.status == 400
    assert answer.headers["connection"] == "close"
    assert answer.bytes_given < LIMIT


def test_a_form_with_too_many_fields_is_refused_before_the_signature(
    twilio_app: Starlette,
) -> None:
    body = "&".join(f"f{i}=1" for i in range(2_000)).encode()
    assert len(body) < LIMIT
    answer = asyncio.run(
        call(
            twilio_app,
            "POST",
            INBOUND_PATH,
            [FORM, ("content-length", str(len(body)))],
            [body],
            then="ends",
        )
    )
    assert answer.status == 400


def test_a_client_hanging_up_is_one_quiet_line(
    twilio_app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = asyncio.run(
        call(
            twilio_app,
            "POST",
            INBOUND_PATH,
            [FORM, ("content-length", "1000")],
            [b"Body=x"],
            then="hangs_up",
        )
    )
    assert answer.status in (0, 499)  # nobody is listening any more
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert not any(r.exc_info for r in caplog.records)
    gone = [r for r in caplog.records if "went away" in r.getMessage()]
    assert len(gone) == 1 and gone[0].levelno == logging.INFO
    assert gone[0].getMessage() == f"client went away during POST {INBOUND_PATH}"


def test_a_signed_telegram_update_under_the_limit_still_works(
    telegram_client: TestClient,
) -> None:
    response = telegram_client.post(
        TELEGRAM_PATH, json=update(1), headers={SECRET_HEADER: WEBHOOK_SECRET}
    )
    assert response.status_code == 200
    too_big = {**update(2), "padding": "x" * LIMIT}
    refused = telegram_client.post(
        TELEGRAM_PATH, json=too_big, headers={SECRET_HEADER: WEBHOOK_SECRET}
    )
    assert refused.status_code == 413


@pytest.mark.parametrize("opening", [b"[", b'{"a":'])
def test_deeply_nested_json_is_a_4xx_on_every_json_route(
    telegram_client: TestClient, client: TestClient, opening: bytes
) -> None:
    """100 000 levels (within the byte limit for lists) or as deep as the limit allows."""
    closing = b"]" if opening == b"[" else b"}"
    depth = min(100_000, (LIMIT - 10) // (len(opening) + 1))
    body = opening * depth + b"1" + closing * depth
    headers = {SECRET_HEADER: WEBHOOK_SECRET, "content-type": "application/json"}
    answer = telegram_client.post(TELEGRAM_PATH, content=body, headers=headers)
    assert 400 <= answer.status_code < 500, answer.text
    answer = client.post("/simulator/api/messages", content=body, headers=dict([JSON]))
    assert 400 <= answer.status_code < 500, answer.text


def test_100_000_nested_lists_are_refused_with_a_4xx(telegram_client: TestClient) -> None:
    """As the report sent them (200 000 bytes): over the limit, so refused before parsing; with
    the limit raised the parser's own depth check answers 400."""
    body = b"[" * 100_000 + b"]" * 100_000
    headers = {SECRET_HEADER: WEBHOOK_SECRET, "content-type": "application/json"}
    assert telegram_client.post(TELEGRAM_PATH, content=body, headers=headers).status_code == 413


def test_deep_nesting_with_a_raised_limit_is_400(sqlite_url: str, clock: FrozenClock) -> None:
    upgrade(sqlite_url)
    settings = webhook_settings(sqlite_url).model_copy(update={"max_body_bytes": MB})
    runtime = build_runtime(settings, clock=clock)
    body = b"[" * 100_000 + b"]" * 100_000
    headers = {SECRET_HEADER: WEBHOOK_SECRET, "content-type": "application/json"}
    with TestClient(create_app(runtime, background=False)) as client:
        assert client.post(TELEGRAM_PATH, content=body, headers=headers).status_code == 400
        nested_update = b'{"update_id": 9, "message": ' + b'{"reply_to_message": ' * 20_000
        nested_update += b"{}" + b"}" * 20_001
        answer = client.post(TELEGRAM_PATH, content=nested_update, headers=headers)
        assert answer.status_code == 400
    runtime.close()


# ---- security headers ------------------------------------------------------------------------


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    """Pages, JSON, errors, redirects; no HSTS over a plain-http public URL."""
    answers = [
        client.get("/healthz"),
        client.get("/simulator"),
        client.get("/simulator/simulator.js"),
        client.get("/", follow_redirects=False),
        client.get("/no/such/page"),
        client.post("/simulator/api/messages", content=b"x" * (LIMIT + 1)),
    ]
    for answer in answers:
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "camera=()" in answer.headers["permissions-policy"]
        assert "strict-transport-security" not in answer.headers
        assert "server" not in answer.headers
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    page = client.get("/simulator").text
    assert (
        "<script>" not in page and "<style" not in page
    )  # nothing inline for the policy to refuse


def test_an_unhandled_error_is_a_plain_500_with_the_security_headers(
    webhook_runtime: Runtime,
) -> None:
    """Starlette answers an error that escapes a route outside every middleware."""

    async def broken(_request: object) -> None:
        raise RuntimeError("a bug")

    app = create_app(webhook_runtime, background=False)
    app.add_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/broken")
    assert answer.status_code == 500 and "a bug" not in answer.text
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    assert "server" not in answer.headers


def test_hsts_when_the_public_url_is_https(telegram_client: TestClient) -> None:
    answer = telegram_client.post(TELEGRAM_PATH, json=update(1))  # no secret: 403
    assert answer.status_code == 403
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


# ---- the simulator outside development -------------------------------------------------------


@pytest.mark.parametrize("environment", ["test", "production"])
def test_outside_development_there_is_no_simulator(sqlite_url: str, environment: str) -> None:
    upgrade(sqlite_url)
    settings = Settings(
        _env_file=None,
        database_url=sqlite_url,
        environment=environment,
        secret_key=TEST_SECRET,
    )
    assert settings.simulator_enabled is False
    runtime = build_runtime(settings)
    assert "simulator" not in runtime.channels
    with TestClient(create_app(runtime, background=False)) as client:
        for path in (
            "/simulator",
            "/simulator/api/users",
            "/simulator/api/messages?user=amina",
            "/simulator/simulator.js",
        ):
            assert client.get(path).status_code == 404, path
        posted = client.post("/simulator/api/messages", json={"user": "amina", "text": "hi"})
        assert posted.status_code in (404, 405)
        home = client.get("/", follow_redirects=False)
        assert home.headers["location"] == "/healthz"
    runtime.close()
