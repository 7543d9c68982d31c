"""What the mentoring hubs say from what is stored: a mentor's profile and pause, a
participant's request and its state.

German master texts in plain language; translated in ``locales/*/LC_MESSAGES/twc.po``.
Nothing here names a mentor before both women said yes: a participant hears "we are asking
someone" while an introduction is under way, and her mentor's first name only once it is
active.
"""

from __future__ import annotations

from conversations.texts import Text, msg

# ---- a mentor's profile (mentor.hub) -------------------------------------------------------

PROFILE = msg(
    "mentoring.profile",
    "🤝 Ihr Profil als Mentorin\n"
    "• Sprachen: {languages}\n"
    "• Themen: {topics}\n"
    "• Frauen gleichzeitig: {capacity}\n"
    "• Zeit: {times}\n"
    "• Sie begleiten jetzt: {mentees}",
)
PROFILE_OPEN = msg("mentoring.profile_open", "✅ Wir können Ihnen Frauen vorschlagen.")
PROFILE_PAUSED = msg(
    "mentoring.profile_paused", "⏸️ Pause: Bis {date} schlagen wir Ihnen keine Frau vor."
)
PROFILE_FULL = msg(
    "mentoring.profile_full",
    "👥 Sie begleiten so viele Frauen, wie Sie möchten. Wir schlagen Ihnen jetzt keine Frau vor.",
)
PROFILE_RETIRED = msg(
    "mentoring.profile_retired",
    "🚪 Sie sind zurzeit keine Mentorin. Wir schlagen Ihnen keine Frauen vor.\n"
    "Wieder mitmachen: Tippen Sie auf „✏️ Profil ändern“ und dann auf „📝 Alle Fragen“.",
)
PROFILE_INCOMPLETE = msg(
    "mentoring.profile_incomplete",
    "📝 Ihr Profil als Mentorin ist noch nicht fertig.\n"
    "Tippen Sie auf „✏️ Profil ändern“ und dann auf „📝 Alle Fragen“.",
)

#: When she has time (``topics.AVAILABILITY``), as a list in her profile.
TIMES: dict[str, Text] = {
    "mornings": msg("mentoring.time.mornings", "vormittags"),
    "afternoons": msg("mentoring.time.afternoons", "nachmittags"),
    "evenings": msg("mentoring.time.evenings", "abends"),
    "weekends": msg("mentoring.time.weekends", "am Wochenende"),
}

# ---- a participant's request (mentee.hub) --------------------------------------------------

NO_REQUEST = msg(
    "mentoring.request_none",
    "🤝 Eine Mentorin ist eine Frau, die schon länger hier lebt und Ihnen hilft.\n"
    "Sie haben noch keine Mentorin.",
)
NO_REQUEST_INTERESTED = msg(
    "mentoring.request_none_interested",
    "🤝 Bei der Anmeldung haben Sie gesagt: Eine Mentorin interessiert Sie.\n"
    "Eine Mentorin ist eine Frau, die schon länger hier lebt und Ihnen hilft.\n"
    "Sollen wir eine für Sie suchen? Tippen Sie auf „🙋 Mentorin suchen“.",
)
WAITING = msg(
    "mentoring.request_waiting",
    "⏳ Wir suchen eine Mentorin für Sie.\n"
    "• Seit: {date}\n• Themen: {topics}\n• Sprache: {language}\n"
    "Das dauert oft 2 bis 6 Wochen. Wir schreiben Ihnen, sobald wir jemanden gefunden haben.",
)
PROPOSED = msg(
    "mentoring.request_proposed",
    "🔎 Vielleicht haben wir eine Mentorin für Sie gefunden. Wir fragen sie gerade.\n"
    "Wenn sie Ja sagt, fragen wir Sie.",
)
MATCHED = msg("mentoring.request_matched", "🤝 Ihre Mentorin: {mentor}")

ASKED = msg(
    "mentoring.request_sent",
    "✅ Danke! Wir suchen jetzt eine Mentorin für Sie.\n"
    "• Themen: {topics}\n• Sprache: {language}\n"
    "Das dauert oft 2 bis 6 Wochen. Wir schreiben Ihnen, sobald wir jemanden gefunden haben.",
)
CHANGED = msg(
    "mentoring.request_changed",
    "✅ Wir haben Ihren Wunsch geändert. Wir suchen weiter.\n"
    "• Seit: {date}\n• Themen: {topics}\n• Sprache: {language}",
)
UNDER_WAY = msg(
    "mentoring.request_under_way",
    "Sie haben schon eine Anfrage. Wir stellen Ihnen gerade eine Mentorin vor.\n"
    "Ihre Anfrage bleibt, wie sie ist.",
)
ALREADY_MATCHED = msg(
    "mentoring.request_already_matched",
    "Sie haben schon eine Mentorin: {mentor}.",
)

WITHDRAWN = msg(
    "mentoring.request_withdrawn",
    "↩️ Ihre Anfrage ist zurückgezogen. Wir suchen keine Mentorin mehr für Sie.",
)
NOTHING_TO_WITHDRAW = msg(
    "mentoring.request_nothing_to_withdraw", "Sie haben keine offene Anfrage."
)
