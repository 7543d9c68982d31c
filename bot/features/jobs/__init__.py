"""Job-offer notices: the right offers, to the right women, rarely enough to stay welcome.

Parts (one module each, combined by :func:`bot.features.parts.combine`):

* :mod:`.offers_side`: offers entered by staff (page, ``twc jobs``), their review, closing,
  the outcomes staff record per woman and offer, the counts for the reports;
* :mod:`.import_side`: offers imported from the Bundesagentur für Arbeit's job search (per
  organisation: place, radius, keywords), waiting for a coordinator's review;
* :mod:`.chat_side`: her consent and three questions, the matching;
* :mod:`.digest_side`: the weekly digest (at most three offers, at a good local time), her
  answers, "I'm interested" to the staff inbox, withdrawals told.
"""

from pathlib import Path

from bot.features.jobs import chat_side, digest_side, import_side, offers_side
from bot.features.parts import combine

FEATURE = combine(
    "jobs",
    Path(__file__).resolve().parent / "flows",
    offers_side.PART,
    import_side.PART,
    chat_side.PART,
    digest_side.PART,
)

__all__ = ["FEATURE"]
