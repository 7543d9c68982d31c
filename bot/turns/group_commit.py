"""Group commit: many threads hand in work, one of them commits a whole batch at once.

A commit is the most expensive part of handling a message on SQLite (the WAL write and its
fsync bookkeeping).  When messages arrive together (a course answering a reminder, a
broadcast's replies), the thread that finds the committer idle becomes the leader, takes
everything queued so far, processes it in one transaction and hands each caller its own
result.  Alone, a message is committed at once, so quiet times pay no added latency.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass(slots=True)
class _Slot(Generic[In, Out]):
    item: In
    done: bool = False
    result: Out | None = None
    error: BaseException | None = None


@dataclass(slots=True)
class GroupCommitter(Generic[In, Out]):
    """Runs ``process(batch)`` for batches of submitted items, one batch at a time.

    ``process`` returns one result or exception per item, in order.  ``max_batch`` caps how
    much one transaction holds, which bounds the latency of the last item in it.
    """

    process: Callable[[Sequence[In]], list[Out | BaseException]]
    max_batch: int = 64
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _queue: list[_Slot[In, Out]] = field(default_factory=list)
    _busy: bool = False

    def submit(self, item: In) -> Out:
        """Process ``item`` (possibly together with others) and return its result.

        Items are taken in the order they arrived.  A leader whose own item did not fit into
        the batch it ran (``max_batch``) leads again, and its item keeps its place in the
        queue: it is processed exactly once, and nothing that came later overtakes it.
        """
        slot: _Slot[In, Out] = _Slot(item)
        with self._cond:
            self._queue.append(slot)
        while True:
            with self._cond:
                while not slot.done and self._busy:
                    self._cond.wait()
                if slot.done:
                    return self._unwrap(slot)
                self._busy = True
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            try:
                results = self.process([s.item for s in batch])
            except BaseException as error:  # the whole batch failed: every caller hears it
                results = [error] * len(batch)
            with self._cond:
                for waiting, result in zip(batch, results, strict=True):
                    if isinstance(result, BaseException):
                        waiting.error = result
                    else:
                        waiting.result = result
                    waiting.done = True
                self._busy = False
                self._cond.notify_all()

    @staticmethod
    def _unwrap(slot: _Slot[In, Out]) -> Out:
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]
