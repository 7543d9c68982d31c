"""Serving the app with uvicorn, with deadlines on each request's head and body.

uvicorn has no timeout for reading a request: a client that opens a connection and sends its
headers (or its body) one byte at a time, or never finishes them, holds a connection, a file
descriptor and its buffers for as long as it likes; thousands of them starve the server.  The
protocol here gives every request one timer:

- the request line and headers must be complete ``TWC_HEADER_TIMEOUT_SECONDS`` after the
  connection opened (or after the first byte of the next request on a kept-alive one);
- the body must be complete ``TWC_BODY_TIMEOUT_SECONDS`` after the headers, whether or not
  anything reads it (a body nobody reads, after a 403, is covered too).

Past either deadline the client hears ``408`` (unless an answer has begun) and the connection
is closed; a handler still waiting for the body sees her as gone (``http.disconnect``).  One
timer per request, armed as it begins and cancelled once its body is in: nothing per read.
No ``server`` header is sent, and no WebSocket upgrade is attempted.
"""

from __future__ import annotations

import asyncio
import logging

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)

#: What a client whose request was too slow hears before the connection closes.
REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
    b"content-length: 47\r\nconnection: close\r\n\r\n"
    b'{"error": "the request did not arrive in time"}'
)


class DeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each request's head and body.

    Subclassed by :func:`deadline_protocol` with the configured timeouts.
    """

    head_timeout: float = 10.0
    body_timeout: float = 10.0
    _deadline: asyncio.TimerHandle | None = None
    _headers_at: float | None = None
    """When the current request's head was complete (``None``: still reading it)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.head_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._headers_at = None
        if self._deadline is None:  # a kept-alive connection's next request
            self._arm(self.head_timeout)

    def on_headers_complete(self) -> None:
        self._headers_at = self.loop.time()
        if self.body_timeout < self.head_timeout:  # the running timer would fire too late
            self._arm(self.body_timeout)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._headers_at is not None:
            left = self._headers_at + self.body_timeout - self.loop.time()
            if left > 0:  # the head was in time; the body still has a while
                self._arm(left)
                return
        cycle = self.cycle if self._headers_at is not None else None
        log.debug("closed a connection: request %s too slow", "body" if cycle else "head")
        if cycle is None:
            if self.cycle is None or self.cycle.response_complete:
                self.transport.write(REQUEST_TIMEOUT)
        else:
            if not cycle.response_started:
                cycle.response_started = cycle.response_complete = True
                self.transport.write(REQUEST_TIMEOUT)
            cycle.disconnected = True  # the handler's reads end, its answer is dropped
            cycle.message_event.set()
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
