"""What the bot tells enrolled participants when a coordinator moves or cancels a session.

German master texts in plain language; translated in ``locales/*/LC_MESSAGES/twc.po``.  Neutral
wording: a phone is often shared in the family.
"""

from __future__ import annotations

from conversations.texts import msg

SESSION_MOVED = msg(
    "course.session_moved",
    "📅 Neuer Termin: {course}\n"
    "Der Termin am {old_day} um {old_time} ist verschoben.\n"
    "🗓️ Neu: {day}, um {time}\n"
    "📍 Wo: {place}\n"
    "Noch einmal: {day}, {time}.",
)
SESSION_CANCELLED = msg(
    "course.session_cancelled",
    "❌ Der Termin fällt aus: {course}\n"
    "🗓️ {day}, um {time}\n"
    "Bitte kommen Sie an diesem Tag nicht.\n"
    "Wir sagen Ihnen Bescheid, wenn es einen neuen Termin gibt.",
)

ALL_COURSE_TEXTS = (SESSION_MOVED, SESSION_CANCELLED)
