"""Request bodies: at most ``TWC_MAX_BODY_BYTES``, refused before anything reads them.

A pure ASGI middleware around every route, so no handler ever parses (or buffers) more than the
limit, whoever sends it and whether or not it is signed: a webhook's signature can only be
checked once its body is read, so the size has to be checked first.

- A declared ``Content-Length`` over the limit is answered 413 at once; the body is never read.
  One within the limit needs nothing more: the HTTP parser never hands the app more bytes than
  declared (the rest would be the next request).
- A chunked body (``Transfer-Encoding``, no length) is counted as it arrives and cut off with
  413 at the limit.  From then on the handler reading it sees the client as gone
  (``http.disconnect``), and whatever it answers is dropped.

A path listed in ``larger`` (an upload page, ``Feature.body_limits``) has its own limit
instead of the default one.

Both answers close the connection (``Connection: close``): the rest of the body is not wanted.
A request without either header has no body and passes untouched.  Slow heads and slow bodies
are the server protocol's business (:mod:`bot.web.server`): a timer per request there, none
here, so the hot path stays a scan of the headers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

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


def body_framing(scope: Scope) -> tuple[int | None, bool]:
    """The request's ``Content-Length`` (if well-formed) and whether it has a
    ``Transfer-Encoding`` (a body of unknown length)."""
    length: int | None = None
    encoded = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            length = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            encoded = True
    return length, encoded


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, before the app reads them."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})
        self.too_large = refusal(413, f"body too large (at most {max_bytes} bytes)")

    def limit_for(self, path: str) -> tuple[int, tuple[Message, Message]]:
        """The limit of ``path`` and its refusal."""
        own = self.larger.get(path)
        if own is None:
            return self.max_bytes, self.too_large
        return own, refusal(413, f"body too large (at most {own} bytes)")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length, encoded = body_framing(scope)
        max_bytes, too_large = (
            self.limit_for(scope["path"]) if self.larger else (self.max_bytes, self.too_large)
        )
        if length is not None and length > max_bytes:
            for message in too_large:
                await send(message)
            return
        if not encoded:
            await self.app(scope, receive, send)
            return
        await _Counted(self, receive, send, max_bytes, too_large).run(scope)


class _Counted:
    """One chunked request: its byte count and whether this middleware answered instead."""

    __slots__ = (
        "answered",
        "complete",
        "limit",
        "max_bytes",
        "receive",
        "received",
        "send",
        "started",
        "too_large",
    )

    def __init__(
        self,
        limit: BodyLimit,
        receive: Receive,
        send: Send,
        max_bytes: int,
        too_large: tuple[Message, Message],
    ) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self.too_large = too_large
        self.receive = receive
        self.send = send
        self.received = 0
        self.started = False  # the app has begun its answer
        self.answered = False  # this middleware has answered instead
        self.complete = False  # the whole body has arrived

    async def run(self, scope: Scope) -> None:
        await self.limit.app(scope, self.counted_receive, self.guarded_send)

    async def counted_receive(self) -> Message:
        if self.answered:
            return DISCONNECT
        message = await self.receive()
        if message["type"] == "http.request":
            self.complete = not message.get("more_body", False)
            self.received += len(message.get("body", b""))
            if self.received > self.max_bytes:
                if not self.started:
                    self.answered = True
                    for answer in self.too_large:
                        await self.send(answer)
                return DISCONNECT
        return message

    async def guarded_send(self, message: Message) -> None:
        if self.answered:
            return  # the client has had her 413; the app's answer is dropped
        if message["type"] == "http.response.start":
            self.started = True
            if not self.complete:
                # Answered before the body ended (a form refused early): close afterwards, or
                # the server would go on reading the rest of a body of unknown length.
                headers = [h for h in message.get("headers", ()) if h[0].lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
        await self.send(message)


__all__ = ["BodyLimit", "body_framing", "refusal"]
