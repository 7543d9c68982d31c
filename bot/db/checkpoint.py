"""After an erasure, SQLite's write-ahead log is checkpointed and truncated.

``PRAGMA secure_delete`` (:mod:`bot.db.connect`) zeroes a deleted row in its page, but the
WAL still holds the page as it was before, frame by frame, until those frames are overwritten:
an erased person's name could be read from ``twc.sqlite3-wal`` for hours.  A checkpoint in
``TRUNCATE`` mode copies the newest pages into the main file and cuts the log to zero bytes.

It must stay off the hot path of other people's messages: it runs in its own thread after the
erasing transaction committed, never more often than once per :data:`MIN_INTERVAL` seconds
(erasures in between share the next one), and waits at most :data:`BUSY_MS` for readers before
trying again a moment later.  PostgreSQL needs none of this (no-op there).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

log = logging.getLogger(__name__)

#: At most one checkpoint in this many seconds; erasures in between share the next one.
MIN_INTERVAL = 10.0
#: How long one attempt waits for readers to leave the old log (then it is tried again).
BUSY_MS = 200
#: Pause before trying again when readers kept the log busy.
RETRY_AFTER = 1.0
#: The pool's usual busy timeout, restored after an attempt (:mod:`bot.db.connect`).
NORMAL_BUSY_MS = 30_000


class WalCheckpointer:
    """Truncates the WAL after erasures: in the background (``request``) or now (``run_now``)."""

    def __init__(
        self,
        db: Engine,
        min_interval: float = MIN_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.enabled = db.dialect.name == "sqlite"
        self.min_interval = min_interval
        self.monotonic = monotonic
        self._cond = threading.Condition()
        self._requested = 0
        """Erasures committed so far (a counter, so a waiter knows when hers is covered)."""
        self._done = 0
        """Requests covered by a finished checkpoint."""
        self._last = float("-inf")
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        """An erasure was committed: truncate the log soon, in the background."""
        if not self.enabled:
            return
        with self._cond:
            self._requested += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="wal-checkpoint", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def wait(self, timeout: float = 30.0) -> bool:
        """Until every requested checkpoint has run (for tests and shutdown); ``False`` on
        timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._done >= self._requested, timeout)

    def flush(self) -> None:
        """Run a requested checkpoint now instead of waiting out the interval (shutdown)."""
        with self._cond:
            pending = self._done < self._requested
        if pending:
            self.run_now()

    def run_now(self) -> bool:
        """Checkpoint at once, waiting for readers as long as the pool's busy timeout allows
        (the command line and the daily purge: nobody waits for a reply there).  ``True``
        when the log was truncated."""
        if not self.enabled:
            return True
        with self._cond:
            covered = self._requested
        done = self._checkpoint(NORMAL_BUSY_MS)
        if done:
            with self._cond:
                self._last = self.monotonic()
                self._done = max(self._done, covered)
                self._cond.notify_all()
        return done

    def _work(self) -> None:
        while True:
            with self._cond:
                if self._done >= self._requested:
                    return
                delay = self._last + self.min_interval - self.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                covered = self._requested
            try:
                done = self._checkpoint(BUSY_MS)
            except Exception:  # a failed attempt must not end the thread with work left
                log.exception("WAL checkpoint failed")
                done = False
            with self._cond:
                self._last = self.monotonic()
                if done:
                    self._done = max(self._done, covered)
                    self._cond.notify_all()
                else:  # readers held the old log: try again shortly
                    self._last += RETRY_AFTER - self.min_interval

    def _checkpoint(self, busy_ms: int) -> bool:
        with self.db.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(busy_ms)}")
            try:
                busy, _log, _copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            finally:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={NORMAL_BUSY_MS}")
        if busy:
            log.info("WAL checkpoint postponed: readers still use the log")
        return not busy


__all__ = ["MIN_INTERVAL", "WalCheckpointer"]
