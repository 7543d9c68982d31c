"""A Bot API stand-in that enforces Telegram's send limits: 429 with ``retry_after`` beyond them.

It speaks the ``sendMessage`` (and ``getMe``) shape python-telegram-bot expects, counts every
accepted message in a sliding one-second window (``per_second`` at most) and per chat (one
every ``chat_interval`` seconds), and answers 429 beyond either, as Telegram does.  ``latency``
holds every answer back that long, like a network round trip, so a sender that waits for each
answer before the next send cannot reach the limit.  Times are ``time.monotonic()`` (one clock
for every process on Linux), taken when a request arrives.

The tests run it in a thread (:meth:`LimitingBotApi.in_thread`); the broadcast benchmark runs it
in a process of its own (:func:`serve`), so the stand-in and the bot do not share one
interpreter, and reads its figures from ``GET /stats``.

:class:`LimitingStandIn` is the simpler, older stand-in of the Telegram limit tests (a context
manager, no latency, no ``/stats``), and :func:`max_in_window` the peak count of a burst.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.auxil.clock import wall_now
from tests.auxil.processes import free_port
from tests.auxil.telegram import _wait_for_port


def too_many(retry_after: int = 1) -> dict[str, Any]:
    """Telegram's 429 body."""
    return {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }


class LimitingBotApi:
    """The stand-in's state and its Starlette app."""

    def __init__(
        self,
        per_second: float = 30,
        chat_interval: float = 1.0,
        latency: float = 0.0,
        watch: Iterable[str] = (),
        port: int | None = None,
    ) -> None:
        self.per_second = per_second
        self.chat_interval = chat_interval
        self.latency = latency
        self.watch = set(watch)
        """Chats whose every arrival is kept for ``/stats`` (the benchmark's chatters)."""
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/bot{{token}}"
        self.accepted: list[tuple[float, str, str]] = []
        self.refused: list[tuple[float, str, str]] = []
        self.force: deque[tuple[int, dict[str, Any]]] = deque()
        """Answers to give the next requests instead (status, body), whatever the limits."""
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self._window: deque[float] = deque()
        self._last_in_chat: dict[str, float] = {}
        self._ids = itertools.count(1)

    # ---- the API --------------------------------------------------------------------------

    def _admit(self, chat: str, text: str, now: float) -> tuple[int, dict[str, Any]] | None:
        """Record the request; ``None`` if accepted, else the refusal to answer."""
        with self.lock:
            if self.force:
                status, body = self.force.popleft()
                self.refused.append((now, chat, f"{status}:{text}"))
                return status, body
            while self._window and self._window[0] <= now - 1.0:
                self._window.popleft()
            last = self._last_in_chat.get(chat)
            if len(self._window) >= self.per_second or (
                last is not None and now - last < self.chat_interval
            ):
                self.refused.append((now, chat, text))
                return 429, too_many(1)
            self._window.append(now)
            self._last_in_chat[chat] = now
            self.accepted.append((now, chat, text))
        return None

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        if method == "getMe":
            me = {"id": 1, "is_bot": True, "first_name": "T", "username": "TBot"}
            return JSONResponse({"ok": True, "result": me})
        if method == "getUpdates":  # a bot in polling mode: nobody writes, answer after a while
            await asyncio.sleep(1.0)
            return JSONResponse({"ok": True, "result": []})
        if method != "sendMessage":
            return JSONResponse({"ok": True, "result": True})
        form = await request.form()
        chat, text = str(form["chat_id"]), str(form["text"])
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            refusal = self._admit(chat, text, time.monotonic())
            if self.latency:
                await asyncio.sleep(self.latency)  # the network's round trip
        finally:
            self.in_flight -= 1
        if refusal is not None:
            return JSONResponse(refusal[1], status_code=refusal[0])
        message = {
            "message_id": next(self._ids),
            "date": int(wall_now().timestamp()),
            "chat": {"id": int(chat), "type": "private"},
            "text": text,
        }
        return JSONResponse({"ok": True, "result": message})

    async def _stats(self, _request: Request) -> Response:
        """Counts; first and last arrival in chats not watched; every arrival in those watched."""
        with self.lock:
            others = [t for t, c, _ in self.accepted if c not in self.watch]
            watched = [(t, c, x) for t, c, x in self.accepted if c in self.watch]
            accepted, refused = len(self.accepted), len(self.refused)
        return JSONResponse(
            {
                "accepted": accepted,
                "refused": refused,
                "first": min(others, default=None),
                "last": max(others, default=None),
                "max_in_flight": self.max_in_flight,
                "watched": watched,
            }
        )

    def app(self) -> Starlette:
        """The Starlette app: ``/bot<token>/<method>`` and ``/stats``."""
        return Starlette(
            routes=[
                Route("/stats", self._stats),
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
            ]
        )

    # ---- serving --------------------------------------------------------------------------

    @contextlib.contextmanager
    def in_thread(self) -> Iterator[LimitingBotApi]:
        """Serve on 127.0.0.1 in a daemon thread for the duration of the block."""
        config = uvicorn.Config(
            self.app(), host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        _wait_for_port(self.port, None, None)  # type: ignore[arg-type]
        try:
            yield self
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def serve(
    port: int, per_second: float, chat_interval: float, watch: list[str], latency: float = 0.0
) -> None:
    """Run a stand-in in this process until it is terminated (the benchmark's subprocess)."""
    api = LimitingBotApi(per_second, chat_interval, latency, watch=watch, port=port)
    uvicorn.run(api.app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def max_in_window(times: list[float], span: float) -> int:
    """The most ``times`` in any window of ``span`` seconds."""
    window: deque[float] = deque()
    best = 0
    for t in sorted(times):
        window.append(t)
        while window[0] <= t - span:
            window.popleft()
        best = max(best, len(window))
    return best


class LimitingStandIn:
    """A Bot API stand-in that enforces Telegram's limits with 429 and ``retry_after``."""

    def __init__(self, per_second: int = 30, chat_interval: float = 1.0) -> None:
        self.per_second = per_second
        self.chat_interval = chat_interval
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/bot{{token}}"
        self.accepted: list[tuple[float, str, str]] = []
        self.refused: list[tuple[float, str, str]] = []
        self.force: deque[tuple[int, dict[str, Any]]] = deque()
        self.lock = threading.Lock()
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None
        self._ids = itertools.count(1)

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        if method == "getMe":
            return JSONResponse(
                {
                    "ok": True,
                    "result": {"id": 1, "is_bot": True, "first_name": "T", "username": "TBot"},
                }
            )
        if method != "sendMessage":
            return JSONResponse({"ok": True, "result": True})
        form = await request.form()
        chat, text = str(form["chat_id"]), str(form["text"])
        now = time.monotonic()
        with self.lock:
            if self.force:
                status, body = self.force.popleft()
                self.refused.append((now, chat, f"{status}:{text}"))
                return JSONResponse(body, status_code=status)
            recent = [t for t, _, _ in self.accepted if t > now - 1.0]
            last_here = max((t for t, c, _ in self.accepted if c == chat), default=None)
            if len(recent) >= self.per_second or (
                last_here is not None and now - last_here < self.chat_interval
            ):
                self.refused.append((now, chat, text))
                return JSONResponse(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1},
                    },
                    status_code=429,
                )
            self.accepted.append((now, chat, text))
            message_id = next(self._ids)
        return JSONResponse(
            {
                "ok": True,
                "result": {
                    "message_id": message_id,
                    "date": int(wall_now().timestamp()),
                    "chat": {"id": int(chat), "type": "private"},
                    "text": text,
                },
            }
        )

    def __enter__(self) -> LimitingStandIn:
        app = Starlette(routes=[Route("/bot{token}/{method}", self._api, methods=["GET", "POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        _wait_for_port(self.port, None, None)  # type: ignore[arg-type]
        return self

    def __exit__(self, *_: object) -> None:
        assert self.server is not None and self.thread is not None
        self.server.should_exit = True
        self.thread.join(timeout=10)
