"""The conversation engine: declarative flows, translated texts, pure state transitions.

Nothing in this package performs I/O or reads a clock: the caller passes the time in and
carries the returned effects out (see ``conversations.flow_engine``).
"""
