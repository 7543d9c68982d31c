"""Together We Can: the chatbot's service side.

``channels`` (platforms, both ways), ``inbound`` (the one path in), ``turns`` (engine turn + one
transaction), ``outbox`` (the one path out), ``nudges`` (messages the bot starts at a time),
``features`` (one folder per capability, listed in ``features.registry``), ``db``, ``web``,
``cli``, ``runtime`` (wiring).  See docs/architecture.md.
"""

__all__ = [
    "channels",
    "cli",
    "db",
    "features",
    "inbound",
    "nudges",
    "outbox",
    "runtime",
    "settings",
    "turns",
    "web",
]
