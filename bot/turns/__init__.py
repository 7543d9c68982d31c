"""Turns: one event through the flow engine and everything it decided in one transaction.

``service`` (:class:`TurnService`: inbound batches, scheduled fires), ``writer`` (effects →
rows, each feature's through its effect writer), ``effects`` (the writer contract), ``bulk`` and
``statements`` (the hot SQL), ``group_commit``, ``uniform`` (reminders rendered once per
language), ``organisations`` (cached), ``outcome``.
"""

__all__ = [
    "bulk",
    "effects",
    "group_commit",
    "organisations",
    "outcome",
    "service",
    "statements",
    "uniform",
    "writer",
]
