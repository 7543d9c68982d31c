"""An ASGI app served by a real uvicorn on 127.0.0.1 in a thread, and what it logged.

The webhook fuzz test speaks real HTTP to the real app (the bytes on the wire, uvicorn's own
parsing of headers and bodies), while the test can count rows in the same database.  uvicorn is
started without its own logging set-up, so everything it and the app log reaches the root
logger, where :class:`LogRecorder` keeps it.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from tests.auxil.processes import free_port

#: How long uvicorn may take to listen.
START_TIMEOUT = 10.0


class LogRecorder(logging.Handler):
    """Keeps every record at WARNING or above, and every record that carries a traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._lock_records = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING or record.exc_info:
            with self._lock_records:
                self.records.append(record)

    def tracebacks(self) -> list[str]:
        """Every record with a traceback, or at ERROR and above, formatted for a failure."""
        formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
        with self._lock_records:
            bad = [r for r in self.records if r.exc_info or r.levelno >= logging.ERROR]
        return [formatter.format(r) for r in bad]

    def clear(self) -> None:
        with self._lock_records:
            self.records.clear()


@contextmanager
def recording_logs() -> Iterator[LogRecorder]:
    """A :class:`LogRecorder` on the root logger for the duration of the block."""
    recorder = LogRecorder()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(recorder)
    root.setLevel(logging.INFO)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
        root.setLevel(previous)


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError(f"uvicorn did not start on port {port}")
        time.sleep(0.01)  # waiting for a server to listen, not for time to pass
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
