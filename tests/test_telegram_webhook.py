"""Webhook mode: ``POST /webhooks/telegram`` takes only calls with the right secret header.

The app runs in-process (Starlette's TestClient); the updates are what Telegram posts.  A call
without the header, or with a wrong one, gets 403 and nothing is stored.  Start-up registers the
webhook with its secret (checked against the npm stand-in through the fixing proxy).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.channels.telegram.webhook import SECRET_HEADER, secret_matches
from bot.db.migrate import upgrade
from bot.db.models import InboundMessage, OutboxMessage
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.telegram import (
    TOKEN,
    WEBHOOK_SECRET,
    FixingProxy,
    StandIn,
    update,
    webhook_settings,
)


def counts(runtime: Runtime) -> tuple[int, int]:
    with runtime.db.connect() as conn:
        inbound = conn.execute(
            select(func.count()).select_from(InboundMessage.__table__)
        ).scalar_one()
        outbox = conn.execute(
            select(func.count()).select_from(OutboxMessage.__table__)
        ).scalar_one()
    return inbound, outbox


def test_a_signed_update_is_processed_once(webhook_runtime: Runtime) -> None:
    with TestClient(create_app(webhook_runtime, background=False)) as client:
        response = client.post(
            "/webhooks/telegram", json=update(1), headers={SECRET_HEADER: WEBHOOK_SECRET}
        )
        assert response.status_code == 200, response.text
        assert counts(webhook_runtime) == (1, 1)
        with webhook_runtime.db.connect() as conn:
            row = conn.execute(select(OutboxMessage.__table__)).mappings().one()
        assert row["channel"] == "telegram"
        assert row["payload"]["language"] == "ar"  # her Telegram language is the first guess
        assert len(row["payload"]["choices"]) == 10
        # Telegram delivers again (it did not see our 200): nothing happens twice.
        again = client.post(
            "/webhooks/telegram", json=update(1), headers={SECRET_HEADER: WEBHOOK_SECRET}
        )
        assert again.status_code == 200
        assert counts(webhook_runtime) == (1, 1)


def test_a_button_press_is_answered_in_the_webhook_response(webhook_runtime: Runtime) -> None:
    """Telegram runs the Bot API call a webhook answers with: one request less per press.

    The keyboard's edit ("✓ Deutsch") still goes to the Bot API, which is not reachable in
    this test: it is logged and the press counts all the same.
    """
    headers = {SECRET_HEADER: WEBHOOK_SECRET}
    press = {
        "update_id": 2,
        "callback_query": {
            "id": "press-1",
            "from": {"id": 424242, "is_bot": False, "first_name": "Amina", "language_code": "ar"},
            "chat_instance": "1",
            "data": "onboarding.choose_language:de",
            "message": {
                "message_id": 77,
                "date": 1_796_000_000,
                "chat": {"id": 424242, "type": "private", "first_name": "Amina"},
                "text": "?",
            },
        },
    }
    with TestClient(create_app(webhook_runtime, background=False)) as client:
        assert client.post("/webhooks/telegram", json=update(1), headers=headers).is_success
        response = client.post("/webhooks/telegram", json=press, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": "press-1"}
    with webhook_runtime.db.connect() as conn:
        payloads = [p for p in conn.execute(select(OutboxMessage.__table__.c.payload)).scalars()]
    assert payloads[-1]["language"] == "de"  # the press counted: she goes on in German


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {SECRET_HEADER: ""},
        {SECRET_HEADER: "wrong"},
        {SECRET_HEADER: WEBHOOK_SECRET[:-1]},
        {SECRET_HEADER: WEBHOOK_SECRET + "x"},
        {SECRET_HEADER: WEBHOOK_SECRET.upper()},
    ],
    ids=["missing", "empty", "wrong", "prefix", "longer", "case"],
)
def test_a_missing_or_wrong_secret_gets_403_and_changes_nothing(
    webhook_runtime: Runtime, headers: dict[str, str]
) -> None:
    with TestClient(create_app(webhook_runtime, background=False)) as client:
        response = client.post("/webhooks/telegram", json=update(7), headers=headers)
        assert response.status_code == 403
        assert counts(webhook_runtime) == (0, 0)
        # Not even a malformed body gets further than the secret check.
        response = client.post("/webhooks/telegram", content=b"{", headers=headers)
        assert response.status_code == 403


def test_malformed_bodies_with_the_right_secret() -> None:
    assert secret_matches(WEBHOOK_SECRET, WEBHOOK_SECRET)
    assert not secret_matches(None, WEBHOOK_SECRET)
    assert not secret_matches(WEBHOOK_SECRET, None)
    assert not secret_matches("", "")


def test_garbage_with_the_right_secret_is_refused_or_ignored(webhook_runtime: Runtime) -> None:
    with TestClient(create_app(webhook_runtime, background=False)) as client:
        headers = {SECRET_HEADER: WEBHOOK_SECRET}
        assert client.post("/webhooks/telegram", content=b"{", headers=headers).status_code == 400
        assert client.post("/webhooks/telegram", json=[1], headers=headers).status_code == 400
        weird = {"update_id": 5, "message": {"chat": "nope"}}
        assert client.post("/webhooks/telegram", json=weird, headers=headers).status_code == 200
        assert counts(webhook_runtime) == (0, 0)


def test_the_webhook_route_exists_only_in_webhook_mode(sqlite_url: str) -> None:
    settings = Settings(
        database_url=sqlite_url, environment="test", secret_key=TEST_SECRET, telegram_token=TOKEN
    )
    assert settings.telegram_effective_mode == "polling"
    upgrade(sqlite_url)
    runtime = build_runtime(settings)
    with TestClient(create_app(runtime, background=False)) as client:
        assert client.post("/webhooks/telegram", json=update(1)).status_code in (404, 405)
    runtime.close()


def test_webhook_mode_needs_a_public_url_and_a_valid_secret(sqlite_url: str) -> None:
    base = {"database_url": sqlite_url, "telegram_token": TOKEN, "telegram_mode": "webhook"}
    with pytest.raises(ValueError, match="TWC_PUBLIC_URL"):
        Settings(**base, telegram_webhook_secret=WEBHOOK_SECRET)
    with pytest.raises(ValueError, match="TWC_TELEGRAM_WEBHOOK_SECRET"):
        Settings(**base, public_url="https://bot.example.org")
    with pytest.raises(ValueError, match="TWC_TELEGRAM_WEBHOOK_SECRET"):
        Settings(**base, public_url="https://bot.example.org", telegram_webhook_secret="a b")
    # A public URL alone makes webhook the default mode.
    assert (
        Settings(
            database_url=sqlite_url,
            telegram_token=TOKEN,
            public_url="https://x.example",
            telegram_webhook_secret=WEBHOOK_SECRET,
        ).telegram_effective_mode
        == "webhook"
    )


def test_start_up_registers_the_webhook_with_its_secret(
    sqlite_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    with StandIn(tmp_path) as stand_in, FixingProxy(stand_in.url) as proxy:
        upgrade(sqlite_url)
        runtime = build_runtime(webhook_settings(sqlite_url, proxy.api_url), clock=clock)
        assert runtime.telegram is not None

        async def start() -> None:
            assert runtime.telegram is not None
            await runtime.telegram.start(runtime.inbound)
            await runtime.telegram.stop()

        asyncio.run(start())
        runtime.close()
        [call] = proxy.calls_of("setWebhook")
        assert call.params["url"] == "https://bot.example.org/webhooks/telegram"
        assert call.params["secret_token"] == WEBHOOK_SECRET
        assert proxy.calls_of("setMyCommands")  # tried; the stand-in's 500 did not stop start-up
