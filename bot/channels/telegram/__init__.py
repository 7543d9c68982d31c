"""The Telegram channel: ``parse`` (updates → events), ``render`` (messages → keyboards and
parts), ``adapter`` (the transport: polling, sends, button answers, groups), ``texts``."""
