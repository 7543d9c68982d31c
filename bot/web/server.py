"""Serving the app with uvicorn, with deadlines on the request head and body.

uvicorn has no timeout for reading a request's head: a client that opens a connection and
sends its headers one byte at a time (or never finishes them) holds a connection, a file
descriptor and its buffers for as long as it likes; thousands of them starve the server.  The
protocol here closes a connection whose request line and headers are not complete
``TWC_HEADER_TIMEOUT_SECONDS`` after it opened (or after its first byte on a kept-alive
connection), answering ``408`` if nothing else is in flight on it, and one whose body is not
complete a second after ``TWC_BODY_TIMEOUT_SECONDS`` (by then :class:`bot.web.limits.BodyLimit`
has answered 408 to any handler waiting for it; this also covers a body nobody reads, e.g.
after a 403).  No ``server`` header is sent.
"""

from __future__ import annotations

import asyncio
import logging

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)

#: What a client whose head timed out hears before the connection closes.
REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"

#: The body deadline of the protocol trails the middleware's, so the middleware answers first.
BODY_GRACE_SECONDS = 1.0


class DeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each request's head and body.

    Subclassed by :func:`deadline_protocol` with the configured timeouts.
    """

    head_timeout: float = 10.0
    body_timeout: float = 10.0
    _deadline: asyncio.TimerHandle | None = None
    _in_head = True

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.head_timeout, head=True)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a kept-alive connection's next request: its own deadline
            self._arm(self.head_timeout, head=True)

    def on_headers_complete(self) -> None:
        self._arm(self.body_timeout + BODY_GRACE_SECONDS, head=False)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self, seconds: float, *, head: bool) -> None:
        self._disarm()
        self._in_head = head
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        log.debug("closed a connection: request %s too slow", "head" if self._in_head else "body")
        idle = self.cycle is None or self.cycle.response_complete
        if self._in_head and idle:
            self.transport.write(REQUEST_TIMEOUT)
        self.transport.close()


def deadline_protocol(head_timeout: float, body_timeout: float) -> type[DeadlineProtocol]:
    """:class:`DeadlineProtocol` with these timeouts (uvicorn builds one per connection)."""
    return type(
        "ConfiguredDeadlineProtocol",
        (DeadlineProtocol,),
        {"head_timeout": head_timeout, "body_timeout": body_timeout},
    )


def serve(app: ASGIApp, host: str, port: int, head_timeout: float, body_timeout: float) -> None:
    """Run ``app`` with uvicorn until it is stopped: deadlines on, no WebSocket, no banner, no
    access log."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        http=deadline_protocol(head_timeout, body_timeout),
        ws="none",  # no route speaks WebSocket: no upgrade is even attempted
        log_level="warning",
        access_log=False,
        server_header=False,
    )


__all__ = ["DeadlineProtocol", "deadline_protocol", "serve"]
