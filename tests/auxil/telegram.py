"""Test-side Telegram: the npm stand-in ``telegram-test-api``, a fixing proxy, a test user.

``StandIn`` starts ``telegram-test-api`` 4.2.1 (installed by npm under
``tests/telegram_stand_in``) with Node on a free port.  Its answers differ from the real Bot API
in four ways that break python-telegram-bot (``tests/peers/README.md``), so the bot talks
to it through :class:`FixingProxy`, which corrects exactly those on the way back:

1. ``getMe`` lacks ``is_bot`` (and the ``can_*`` fields): added;
2. message ``date`` is in milliseconds: divided by 1000;
3. callback queries lack ``chat_instance`` (PTB then drops the update): added;
4. edit methods (and ``answerCallbackQuery``) answer ``null``: made ``true``.

The stand-in knows no ``sendDocument`` and no ``sendPoll``: the proxy answers those itself as
Telegram would (a ``Message`` with the document, or with the ``poll`` and its id) and records
them.  The proxy also records every Bot API call (method, chat, time) so tests can check what the bot
did: answered each button press, edited keyboards, kept one message a second per chat.  The bot
itself carries no test-only code: it only gets ``TWC_TELEGRAM_API_URL`` pointing at the proxy.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.auxil.clock import wall_now
from tests.auxil.processes import REPO_ROOT, free_port

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.runtime import Runtime
    from bot.settings import Settings

STAND_IN_DIR = REPO_ROOT / "tests" / "telegram_stand_in"
TOKEN = "123456:ABC-test-token"
#: The secret Telegram sends with each webhook call (``X-Telegram-Bot-Api-Secret-Token``).
WEBHOOK_SECRET = "webhook-Secret_0123456789"
EDIT_METHODS = {
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "answerCallbackQuery",
    "deleteMessage",
}


def require_stand_in() -> None:
    """Skip (or, under CI, fail) when Node or the npm package is missing."""
    problem = None
    if shutil.which("node") is None:
        problem = "node is not installed (the Telegram stand-in is an npm package)"
    elif not (STAND_IN_DIR / "node_modules" / "telegram-test-api").is_dir():
        problem = "telegram-test-api is not installed: run `make test` (npm ci)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


def _wait_for_port(port: int, process: subprocess.Popen[bytes] | None, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the stand-in exited:\n{log.read_text(errors='replace')}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)  # waiting for a process to listen
    raise AssertionError(f"nothing listens on {port}")


class StandIn:
    """``telegram-test-api`` in a Node process on 127.0.0.1."""

    def __init__(self, logs: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = logs / f"telegram-test-api-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> StandIn:
        require_stand_in()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["node", "--unhandled-rejections=warn", "serve.js", str(self.port)],
                cwd=STAND_IN_DIR,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_for_port(self.port, self.process, self.log_path)
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@dataclass
class Call:
    """One Bot API call the bot made."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


def _params(body: bytes, content_type: str, query: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
    if not body:
        return params
    if "json" in content_type:
        with contextlib.suppress(ValueError):
            params.update(json.loads(body))
    elif "form" in content_type:
        params.update({k: v[-1] for k, v in parse_qs(body.decode()).items()})
    return params


def _fix_dates(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (
                v // 1000
                if k in ("date", "edit_date") and isinstance(v, int) and v > 10**11
                else _fix_dates(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_fix_dates(v) for v in value]
    return value


def fix_answer(method: str, data: Any) -> Any:
    """Correct the stand-in's four known deviations from the Bot API."""
    if not isinstance(data, dict) or not data.get("ok"):
        return data
    result = data.get("result")
    if method == "getMe" and isinstance(result, dict):
        result.setdefault("is_bot", True)
        result.setdefault("can_join_groups", True)
        result.setdefault("can_read_all_group_messages", False)
        result.setdefault("supports_inline_queries", False)
    if method in EDIT_METHODS and result is None:
        data["result"] = True
    if method == "getUpdates" and isinstance(result, list):
        for update in result:
            query = update.get("callback_query") if isinstance(update, dict) else None
            if isinstance(query, dict):
                query.setdefault("chat_instance", str(query.get("from", {}).get("id", "0")))
    return _fix_dates(data)


class FixingProxy:
    """A Bot API front for the stand-in (see the module docstring), in a thread."""

    def __init__(self, upstream: str, answer_override: Any = None) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.calls: list[Call] = []
        self.lock = threading.Lock()
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    @property
    def api_url(self) -> str:
        """What ``TWC_TELEGRAM_API_URL`` is set to."""
        return f"{self.url}/bot{{token}}"

    def calls_of(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    async def _forward(self, request: Request) -> Response:
        arrived = time.monotonic()
        path = request.url.path
        method = path.rsplit("/", 1)[-1]
        if method == "sendDocument":
            return await self._send_document(request, arrived)
        body = await request.body()
        if method == "sendPoll":
            return self._send_poll(body, request.headers.get("content-type", ""), arrived)
        params = _params(body, request.headers.get("content-type", ""), request.url.query)
        async with httpx.AsyncClient(timeout=30) as client:
            upstream = await client.request(
                request.method,
                f"{self.upstream}{path}",
                params=request.url.query or None,
                content=body,
                headers={"content-type": request.headers.get("content-type", "")},
            )
        with self.lock:
            self.calls.append(Call(method, params, arrived, upstream.status_code))
        try:
            data = upstream.json()
        except ValueError:
            return Response(upstream.content, status_code=upstream.status_code)
        return Response(
            json.dumps(fix_answer(method, data)),
            status_code=upstream.status_code,
            media_type="application/json",
        )

    async def _send_document(self, request: Request, arrived: float) -> Response:
        """The stand-in has no ``sendDocument``: answer it here, keeping the file (as text)."""
        form = await request.form()
        params: dict[str, Any] = {}
        for key, value in form.multi_items():
            if hasattr(value, "read"):
                params[key] = {
                    "filename": value.filename,
                    "content": (await value.read()).decode(),
                }
            else:
                params[key] = value
        with self.lock:
            self.calls.append(Call("sendDocument", params, arrived))
            number = len(self.calls)
        document = params.get("document") or {}
        message = {
            "message_id": 900_000 + number,
            "date": int(wall_now().timestamp()),
            "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
            "document": {
                "file_id": f"doc-{number}",
                "file_unique_id": f"doc-{number}",
                "file_name": document.get("filename", ""),
            },
        }
        return Response(json.dumps({"ok": True, "result": message}), media_type="application/json")

    def _send_poll(self, body: bytes, content_type: str, arrived: float) -> Response:
        """The stand-in has no ``sendPoll``: answer it here as Telegram does, with the sent
        ``Message`` and its ``poll`` (a fresh poll id), and record the call."""
        params = _params(body, content_type, "")
        for key in ("options", "is_anonymous", "allows_multiple_answers"):
            value = params.get(key)
            if isinstance(value, str):  # form-encoded: the values are JSON
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
        options = [o["text"] if isinstance(o, dict) else str(o) for o in params["options"]]
        with self.lock:
            self.calls.append(Call("sendPoll", params, arrived))
            number = len(self.calls)
        poll_id = f"5{number:018d}"
        params["poll_id"] = poll_id
        message = {
            "message_id": 800_000 + number,
            "date": int(wall_now().timestamp()),
            "chat": {"id": int(params.get("chat_id", 0)), "type": "supergroup", "title": "Group"},
            "poll": {
                "id": poll_id,
                "question": params.get("question", ""),
                "options": [
                    {"text": text, "voter_count": 0, "persistent_id": f"{poll_id}-{n}"}
                    for n, text in enumerate(options)
                ],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": params.get("is_anonymous", True) is not False,
                "type": "regular",
                "allows_multiple_answers": bool(params.get("allows_multiple_answers", False)),
                "allows_revoting": True,
                "members_only": False,
            },
        }
        return Response(json.dumps({"ok": True, "result": message}), media_type="application/json")

    def __enter__(self) -> FixingProxy:
        app = Starlette(routes=[Route("/{path:path}", self._forward, methods=["GET", "POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        _wait_for_port(self.port, None, Path(os.devnull))
        return self

    def __exit__(self, *_: object) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)


@dataclass
class Received:
    """A message the bot sent her."""

    message_id: int
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [b["text"] for b in self.buttons]


class TelegramUser:
    """A person using Telegram, played through the stand-in's client API."""

    def __init__(self, stand_in: StandIn, user_id: int, first_name: str, language: str) -> None:
        self.base = stand_in.url
        self.user = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language,
        }
        self.chat = {"id": user_id, "type": "private", "first_name": first_name}
        self.http = httpx.Client(timeout=10)
        self.inbox: list[Received] = []
        self.transcript: list[tuple[str, str]] = []

    def _message(self, text: str) -> dict[str, Any]:
        return {
            "botToken": TOKEN,
            "from": self.user,
            "chat": self.chat,
            "date": int(wall_now().timestamp()),
            "text": text,
        }

    def send(self, text: str) -> None:
        """She types ``text`` (a command if it starts with "/")."""
        body = self._message(text)
        path = "/sendMessage"
        if text.startswith("/"):
            length = len(text.split(" ", 1)[0])
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            path = "/sendCommand"
        self.transcript.append(("she", text))
        self.http.post(self.base + path, json=body).raise_for_status()

    def send_sticker(self) -> None:
        """She sends a sticker (content the bot cannot read)."""
        body = self._message("")
        del body["text"]
        body["sticker"] = {
            "file_id": "CAACAgIAAxk",
            "file_unique_id": "AgAD",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        self.transcript.append(("she", "[sticker]"))
        self.http.post(self.base + "/sendMessage", json=body).raise_for_status()

    def press(self, label: str) -> str:
        """She taps the button ``label`` under the newest message that has it."""
        for message in reversed(self.inbox):
            for button in message.buttons:
                if button["text"] == label:
                    self.transcript.append(("she", f"[{label}]"))
                    body = {
                        "botToken": TOKEN,
                        "data": button["callback_data"],
                        "from": self.user,
                        "message": {
                            "message_id": message.message_id,
                            "date": int(wall_now().timestamp()),
                            "chat": self.chat,
                            "text": message.text,
                            "reply_markup": {"inline_keyboard": [message.buttons]},
                        },
                    }
                    self.http.post(self.base + "/sendCallback", json=body).raise_for_status()
                    return str(button["callback_data"])
        raise AssertionError(f"no button {label!r} in {[m.labels for m in self.inbox[-3:]]}")

    def receive(self, count: int, timeout: float = 20.0) -> list[Received]:
        """Wait for ``count`` new messages from the bot; return them."""
        new: list[Received] = []
        deadline = time.monotonic() + timeout
        while len(new) < count and time.monotonic() < deadline:
            answer = self.http.post(
                self.base + "/getUpdates", json={"token": TOKEN, "chatId": self.user["id"]}
            )
            answer.raise_for_status()
            for item in answer.json().get("result", []):
                message = item["message"]
                rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
                if isinstance(rows, str):
                    rows = json.loads(rows).get("inline_keyboard", [])
                received = Received(
                    item["messageId"], message.get("text", ""), [b for r in rows for b in r]
                )
                new.append(received)
                self.inbox.append(received)
                self.transcript.append(("bot", received.text))
            if len(new) < count:
                time.sleep(0.1)  # polling the stand-in for the bot's messages
        assert len(new) >= count, f"expected {count} message(s), got {[m.text for m in new]}"
        return new

    def close(self) -> None:
        self.http.close()


@contextlib.contextmanager
def live_telegram_runtime(database_url: str, api_url: str) -> Iterator[Runtime]:
    """A runtime with the Telegram channel against ``api_url``, the real clock (or the pinned
    ``TWC_TEST_NOW`` moving at real speed) and real sleeping (the limits are measured in real
    time), the demo data loaded."""
    from bot.db.migrate import upgrade
    from bot.demo import load_demo
    from bot.runtime import build_runtime
    from bot.settings import Settings
    from tests.auxil.constants import TEST_SECRET

    settings = Settings(
        database_url=database_url,
        environment="test",
        secret_key=TEST_SECRET,
        telegram_token=TOKEN,
        telegram_api_url=api_url,
    )
    upgrade(database_url)
    runtime = build_runtime(settings, clock=wall_now)
    load_demo(runtime.db, TEST_SECRET, runtime.clock())
    try:
        yield runtime
    finally:
        runtime.close()


def webhook_settings(url: str, api_url: str = "http://127.0.0.1:9/bot{token}") -> Settings:
    """Settings for the Telegram channel in webhook mode (secret :data:`WEBHOOK_SECRET`)."""
    from bot.settings import Settings
    from tests.auxil.constants import TEST_SECRET

    return Settings(
        database_url=url,
        environment="test",
        secret_key=TEST_SECRET,
        telegram_token=TOKEN,
        telegram_api_url=api_url,
        telegram_mode="webhook",
        public_url="https://bot.example.org",
        telegram_webhook_secret=WEBHOOK_SECRET,
    )


def update(update_id: int, text: str = "/start", chat: int = 424242) -> dict[str, Any]:
    """A private message as Telegram posts it to the webhook (a command gets its entity)."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_796_000_000,
            "chat": {"id": chat, "type": "private", "first_name": "Amina"},
            "from": {"id": chat, "is_bot": False, "first_name": "Amina", "language_code": "ar"},
            "text": text,
            **(
                {"entities": [{"type": "bot_command", "offset": 0, "length": 6}]}
                if text.startswith("/")
                else {}
            ),
        },
    }
