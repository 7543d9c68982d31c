"""Request bodies: at most ``TWC_MAX_BODY_BYTES``, complete within ``TWC_BODY_TIMEOUT_SECONDS``.

A pure ASGI middleware around every route, so no handler ever parses (or buffers) more than the
limit, whoever sends it and whether or not it is signed: a webhook's signature can only be
checked once its body is read, so the size has to be checked first.

- A declared ``Content-Length`` over the limit is answered 413 at once; the body is never read.
- A body without a length (chunked) is counted as it arrives and cut off with 413 at the limit.
- A body that has not arrived by the deadline (counted from the moment the headers were in)
  gets 408.

Both answers close the connection (``Connection: close``): the rest of the body is not wanted.
From then on the handler reading the body sees the client as gone (``http.disconnect``), and
whatever it answers is dropped.  The slow *head* of a request is closed before it reaches the
app: :mod:`bot.web.server`.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DISCONNECT: Message = {"type": "http.disconnect"}


def refusal(status: int, message: str) -> tuple[Message, Message]:
    """The two ASGI messages of a JSON error answer that also closes the connection."""
    body = json.dumps({"error": message}).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


def declared_length(scope: Scope) -> int | None:
    """The request's ``Content-Length`` as a number, if it has a well-formed one."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` (413) or slower than ``timeout`` seconds (408)."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.too_large = refusal(413, f"body too large (at most {max_bytes} bytes)")
        self.too_slow = refusal(408, "the request body did not arrive in time")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            for message in self.too_large:
                await send(message)
            return
        await _Guarded(self, receive, send).run(scope)


class _Guarded:
    """One request's body counter, deadline and answer state."""

    __slots__ = (
        "answered",
        "body_done",
        "deadline",
        "limit",
        "receive",
        "received",
        "send",
        "started",
    )

    def __init__(self, limit: BodyLimit, receive: Receive, send: Send) -> None:
        self.limit = limit
        self.receive = receive
        self.send = send
        self.received = 0
        self.started = False  # the app has begun its answer
        self.answered = False  # this middleware has answered instead
        self.body_done = False  # the whole body is in
        self.deadline = asyncio.get_running_loop().time() + limit.timeout

    async def run(self, scope: Scope) -> None:
        await self.limit.app(scope, self.guarded_receive, self.guarded_send)

    async def guarded_receive(self) -> Message:
        if self.answered:
            return DISCONNECT
        if self.body_done:  # waiting for a disconnect (a streamed answer): no deadline
            return await self.receive()
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self.receive()
        except TimeoutError:
            return await self.refuse(self.limit.too_slow)
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit.max_bytes:
                return await self.refuse(self.limit.too_large)
            self.body_done = not message.get("more_body", False)
        return message

    async def guarded_send(self, message: Message) -> None:
        if self.answered:
            return  # the client has had her answer (413/408); the app's is dropped
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)

    async def refuse(self, answer: tuple[Message, Message]) -> Message:
        """Answer in the app's place (unless it has begun answering) and tell it she is gone."""
        if not self.started:
            self.answered = True
            for message in answer:
                await self.send(message)
        return DISCONNECT


__all__ = ["BodyLimit", "declared_length", "refusal"]
