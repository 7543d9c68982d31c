"""The values job offers are described by, named once (stored in ``job_offers``,
``job_profiles.answers`` and ``job_notices``)."""

from __future__ import annotations

#: What kind of work (``job_offers.kind``).
KINDS = ("mini_job", "part_time", "full_time", "training", "internship", "volunteering")
#: German needed / German she has, lowest first (``job_offers.german_level``).
GERMAN_LEVELS = ("none", "A1", "A2", "B1", "B2", "C1")
#: ``job_offers.status``.
REVIEW, OPEN, CLOSED = "review", "open", "closed"
#: ``job_notices.status``: her answer to an offer.
SENT, INTERESTED, NOT_FOR_ME, MORE_LIKE_THIS = "sent", "interested", "not_for_me", "more_like_this"
#: ``job_notices.outcome``: what staff recorded (never shown to anyone else).
OUTCOMES = ("contacted", "applied", "invited", "started", "not_suitable")
#: At most one job message a week per woman, with at most this many offers.
DIGEST_SIZE = 3
DIGEST_EVERY_DAYS = 7
#: The outbox kind of the weekly digest (a WhatsApp Marketing template outside the window).
DIGEST_TEMPLATE = "job_digest"
