"""The Telegram channel (python-telegram-bot as a transport).

``channel`` (the :class:`TelegramChannel`: lifecycle, sending, handing updates on), ``transport``
(the ``Bot``, sending in parts, error classes), ``polling`` (``getUpdates``), ``webhook`` (the
secret-checked route), ``parse`` (updates → events and notices), ``render`` (keyboards, 64-byte
callback data, splitting), ``buttons`` (answering presses, pages, hashed ids), ``texts``.
"""

__all__ = ["buttons", "channel", "parse", "polling", "render", "texts", "transport", "webhook"]
