"""The flow engine: declarative flows, translated texts, pure state transitions.

Nothing in this package performs I/O or reads a clock: the caller passes the time in and
carries the returned effects out (see :mod:`conversations.flow_engine`).  It imports nothing of
the bot around it (an import-linter contract keeps it so); features give it their flow folders
and actions when the host builds the :class:`FlowEngine`.
"""

from conversations.flow_engine import FlowEngine, Result, Turn

__all__ = ["FlowEngine", "Result", "Turn"]
