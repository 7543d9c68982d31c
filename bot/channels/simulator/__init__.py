"""The chat simulator: a channel whose phones are a table, to try the bot with no account.
``channel`` (parsing, the :class:`SimulatorChannel`), ``routes`` (the page and JSON API)."""

__all__ = ["channel", "routes"]
