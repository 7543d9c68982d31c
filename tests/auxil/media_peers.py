"""Real HTTP stand-ins for the platforms' file downloads, and a woman whose replies are read
from the outbox (no platform needed for them).

:class:`TelegramFiles` is a tiny Bot API: ``getFile`` and the file download
(``/file/bot<token>/<path>``) for the files a test puts there, ``getMe`` (the bot starts with
it) and ``{"ok": true, "result": true}`` for the lifecycle calls (``setWebhook``, answering a
button press).  Neither other Telegram stand-in serves files: ``telegram-test-api`` has no
``getFile``, and the limiting stand-in speaks only ``sendMessage``.

:class:`TwilioMedia` answers like Twilio's media URL: 401 without the account's basic auth, and
with it a 307 redirect to a second server (another origin, as Twilio's content host) that
serves the bytes and records whether credentials reached it (they must not).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from bot.channels.telegram.webhook import SECRET_HEADER
from bot.db.tables import outbox
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.person import Person, Seen
from tests.auxil.processes import free_port
from tests.auxil.telegram import TOKEN, WEBHOOK_SECRET, _wait_for_port
from tests.auxil.whatsapp import inbound_form, post_signed


@contextlib.contextmanager
def serving(app: Starlette, port: int) -> Iterator[None]:
    """Serve ``app`` on 127.0.0.1:``port`` in a daemon thread for the block."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_for_port(port, None, Path("/dev/null"))
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class TelegramFiles:
    """A Bot API serving ``getFile`` and downloads of ``files`` (file_id → bytes)."""

    files: dict[str, bytes] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    """A file size ``getFile`` reports instead of the real one (a file over the limit)."""
    calls: list[str] = field(default_factory=list)
    down: bool = False
    """Answer 502 to everything (the platform is unwell)."""
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What ``TWC_TELEGRAM_API_URL`` is set to."""
        return f"{self.url}/bot{{token}}"

    async def _method(self, request: Request) -> Response:
        if request.path_params["token"] != TOKEN:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        method = request.path_params["method"]
        self.calls.append(method)
        if self.down and method == "getFile":
            return Response("Bad Gateway", status_code=502)
        if method == "getMe":
            me = {"id": 123456, "is_bot": True, "first_name": "TWC", "username": "twc_test_bot"}
            me |= {"can_join_groups": True, "can_read_all_group_messages": False}
            return JSONResponse({"ok": True, "result": me | {"supports_inline_queries": False}})
        if method != "getFile":
            return JSONResponse({"ok": True, "result": True})
        form = dict(await request.form()) if await request.body() else {}
        if not form:
            form = dict(request.query_params)
        file_id = str(form.get("file_id", ""))
        if file_id not in self.files:
            description = "Bad Request: wrong file_id or the file is temporarily unavailable"
            return JSONResponse({"ok": False, "error_code": 400, "description": description}, 400)
        size = self.sizes.get(file_id, len(self.files[file_id]))
        result = {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": size,
            "file_path": f"files/{file_id}.bin",
        }
        return JSONResponse({"ok": True, "result": result})

    async def _download(self, request: Request) -> Response:
        self.calls.append("download")
        if request.path_params["token"] != TOKEN:
            return Response(status_code=401)
        name = request.path_params["path"].removeprefix("files/").removesuffix(".bin")
        if name not in self.files:
            return Response(status_code=404)
        return Response(self.files[name], media_type="application/octet-stream")

    @contextlib.contextmanager
    def running(self) -> Iterator[TelegramFiles]:
        app = Starlette(
            routes=[
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
                Route("/bot{token}/{method}", self._method, methods=["GET", "POST"]),
            ]
        )
        with serving(app, self.port):
            yield self


@dataclass
class TwilioMedia:
    """Twilio's media URL (basic auth, then a redirect) and its content host."""

    account_sid: str
    auth_token: str
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """Media SID (``ME…``) → (content type, bytes)."""
    refused: int = 0
    """Requests without the right credentials."""
    leaked: int = 0
    """Requests that reached the content host with credentials (must stay 0)."""
    served: int = 0
    port: int = field(default_factory=free_port)
    content_port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        """What ``TWC_TWILIO_API_URL`` is set to."""
        return f"http://127.0.0.1:{self.port}"

    def media_url(self, message_sid: str, media_sid: str) -> str:
        """The URL Twilio's webhook names for one file."""
        return (
            f"https://api.twilio.com/2010-04-01/Accounts/{self.account_sid}"
            f"/Messages/{message_sid}/Media/{media_sid}"
        )

    async def _media(self, request: Request) -> Response:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            self.refused += 1
            return Response(status_code=401, headers={"www-authenticate": 'Basic realm="Twilio"'})
        sid = request.path_params["media"]
        if sid not in self.files or request.path_params["account"] != self.account_sid:
            return JSONResponse({"code": 20404, "message": "not found", "status": 404}, 404)
        location = f"http://127.0.0.1:{self.content_port}/content/{sid}"
        return RedirectResponse(location, status_code=307)

    async def _content(self, request: Request) -> Response:
        if "authorization" in request.headers:
            self.leaked += 1
        content_type, data = self.files[request.path_params["media"]]
        self.served += 1
        return Response(data, media_type=content_type)

    @contextlib.contextmanager
    def running(self) -> Iterator[TwilioMedia]:
        api = Starlette(
            routes=[
                Route(
                    "/2010-04-01/Accounts/{account}/Messages/{message}/Media/{media}",
                    self._media,
                )
            ]
        )
        content = Starlette(routes=[Route("/content/{media}", self._content)])
        with serving(api, self.port), serving(content, self.content_port):
            yield self


class OutboxPerson(Person):
    """A woman on Telegram or WhatsApp whose messages go through the channel's real webhook
    and whose replies are read from the outbox (nothing is sent: no platform needed)."""

    def __init__(
        self, runtime: Runtime, client: TestClient, channel: str, address: str, clock: FrozenClock
    ) -> None:
        super().__init__(runtime, address)
        self.channel = channel
        self.client = client
        self.clock = clock
        self.numbers = itertools.count(1)
        self.seen_outbox = 0

    def _replies(self) -> list[Seen]:
        with self.runtime.db.connect() as conn:
            rows = conn.execute(
                select(outbox.c.id, outbox.c.payload)
                .where(outbox.c.id > self.seen_outbox)
                .order_by(outbox.c.id)
            ).all()
        if rows:
            self.seen_outbox = rows[-1].id
        return [
            Seen(
                str(payload.get("text", "")),
                [(str(c["label"]), str(c["id"])) for c in payload.get("choices", ())],
            )
            for _, payload in rows
        ]

    def post(self, **content: Any) -> list[Seen]:
        """One message of hers with ``content`` (Telegram: message fields; WhatsApp: form)."""
        self.clock.advance(seconds=30)  # she takes her time: never the flood guard
        number = next(self.numbers)
        if self.channel == "telegram":
            chat = int(self.address)
            message = {
                "message_id": number,
                "date": int(self.clock().timestamp()),
                "chat": {"id": chat, "type": "private", "first_name": "Amina"},
                "from": {
                    "id": chat,
                    "is_bot": False,
                    "first_name": "Amina",
                    "language_code": "de",
                },
                **content,
            }
            if str(content.get("text", "")).startswith("/"):
                length = len(content["text"].split(" ", 1)[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            self._update({"update_id": 10_000 + number, "message": message})
        else:
            form = inbound_form(self.address.removeprefix("whatsapp:"), **content)
            answer = post_signed(self.client, "/webhooks/twilio/whatsapp", form)
            assert answer.status_code == 200, answer.text
        return self._replies()

    def _update(self, update: dict[str, Any]) -> None:
        answer = self.client.post(
            "/webhooks/telegram", json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}
        )
        assert answer.status_code == 200, answer.text

    def _say(self, text: str) -> list[Seen]:
        if self.channel == "telegram":
            return self.post(text=text)
        return self.post(body=text)

    def _press(self, message: Seen, label: str, choice_id: str | None) -> list[Seen]:
        assert choice_id is not None
        if self.channel == "whatsapp":
            return self.post(body=label, ButtonPayload=choice_id, ButtonText=label)
        self.clock.advance(seconds=30)
        number = next(self.numbers)
        chat = int(self.address)
        user = {"id": chat, "is_bot": False, "first_name": "Amina", "language_code": "de"}
        query = {
            "id": str(number),
            "from": user,
            "chat_instance": str(chat),
            "data": choice_id,
            "message": {
                "message_id": 90_000 + number,
                "date": int(self.clock().timestamp()),
                "chat": {"id": chat, "type": "private", "first_name": "Amina"},
                "from": {"id": 123456, "is_bot": True, "first_name": "TWC"},
                "text": message.text[:100],
            },
        }
        self._update({"update_id": 10_000 + number, "callback_query": query})
        return self._replies()
