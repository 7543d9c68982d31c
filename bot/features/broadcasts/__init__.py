"""Coordinator broadcasts (issue 6): one announcement to many people, each in her language,
on her channel, exactly once.

``compose`` (the coordinator's file, placeholders, the language fallback chain), ``audience``
(who is in, who is left out and why), ``service`` (create, preview, send, cancel, status,
follow-up, and the scheduler's ``tick``), ``cli`` (``twc broadcast …``), ``texts`` (the one
participant-facing word the bot adds itself).
"""
