"""Calling an ASGI app directly, with a hand-made ``receive``: what a test client cannot do
(declare a length it never sends, stall mid-body, hang up) without a socket."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]


@dataclass
class Answer:
    """What the app sent back, and how much of the body it asked for."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    receives: int = 0
    """How many times the app called ``receive``."""
    bytes_given: int = 0
    """How many body bytes the app was handed."""


async def call(
    app: Callable[..., Awaitable[None]],
    method: str,
    path: str,
    headers: Iterable[tuple[str, str]],
    chunks: Iterable[bytes] = (),
    *,
    then: str = "stall",
) -> Answer:
    """One request: ``chunks`` are handed out one per ``receive``; after them the client
    ``stall``s (never sends more), ``ends`` the body, or ``hangs_up``."""
    answer = Answer()
    pending = iter(chunks)
    forever = asyncio.Event()

    async def receive() -> Message:
        answer.receives += 1
        chunk = next(pending, None)
        if chunk is not None:
            answer.bytes_given += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": True}
        if then == "ends":
            return {"type": "http.request", "body": b"", "more_body": False}
        if then == "hangs_up":
            return {"type": "http.disconnect"}
        await forever.wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8080),
        "state": {},
    }
    await app(scope, receive, send)
    return answer


__all__ = ["Answer", "call"]
