"""Mentor introductions: a participant who would like a mentor is introduced to one, both say
yes before anything about either is shared, and the match is followed up.

Parts (one module each, combined by :func:`bot.features.parts.combine`):

* :mod:`.mentor_side`: a mentor's sign-up (mentor invite code, or added by staff), her profile
  and pause, in the chat (``flows/mentor.yaml``);
* :mod:`.request_side`: a participant asks for a mentor (``mentoring`` consent, topics,
  language), the "🤝 Mentoring" menu entry (``flows/mentee.yaml``);
* :mod:`.introductions`: the double opt-in, the contact (relayed or shared), ending,
  reporting a problem, the follow-ups (``flows/intro.yaml``);
* :mod:`.staff_side`: suggestions ranked with reasons (:mod:`.ranking`), proposals by staff or
  automatically, the staff page, ``twc mentors``, the counts for the reports.
"""

from pathlib import Path

from bot.features.mentoring import introductions, mentor_side, request_side, staff_side
from bot.features.parts import combine

FEATURE = combine(
    "mentoring",
    Path(__file__).resolve().parent / "flows",
    mentor_side.PART,
    request_side.PART,
    introductions.PART,
    staff_side.PART,
)

__all__ = ["FEATURE"]
