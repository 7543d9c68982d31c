"""What her job hub says from what is stored: her answers, or what job offers are.

German master texts in plain language; translated in ``locales/*/LC_MESSAGES/twc.po``.
"""

from __future__ import annotations

from conversations.texts import Text, msg

PROFILE = msg(
    "jobs.profile",
    "💼 Ihre Antworten für Job-Angebote:\n"
    "• Deutsch: {german}\n"
    "• Stunden pro Woche: {hours}\n"
    "• Weg zur Arbeit: {travel}\n"
    "Wir schicken Ihnen höchstens eine Nachricht pro Woche.",
)
NO_PROFILE = msg(
    "jobs.profile_none",
    "💼 Hier bekommen Sie Job-Angebote aus Ihrer Nähe: Minijobs, Teilzeit, Ausbildung, "
    "Praktikum, Ehrenamt.\n"
    "Dafür beantworten Sie 3 kurze Fragen.",
)
NO_PROFILE_INTERESTED = msg(
    "jobs.profile_none_interested",
    "💼 Bei der Anmeldung haben Sie gesagt: Arbeit interessiert Sie.\n"
    "Wir können Ihnen passende Job-Angebote schicken. Dafür beantworten Sie 3 kurze Fragen.\n"
    "Tippen Sie auf „📝 Fragen beantworten“.",
)
SAVED = msg(
    "jobs.profile_saved",
    "✅ Danke! Wir haben Ihre Antworten gespeichert.\n"
    "Wenn wir passende Angebote haben, schicken wir sie Ihnen. "
    "Höchstens eine Nachricht pro Woche.",
)
FORGOTTEN = msg(
    "jobs.profile_forgotten",
    "✅ In Ordnung. Wir schicken Ihnen keine Job-Angebote mehr. Ihre Antworten sind gelöscht.\n"
    "Sie können jederzeit wieder im Menü auf „💼 Arbeit“ tippen.",
)

#: Her German, in words she understands (``job_profiles.answers["german"]``).
GERMAN: dict[str, Text] = {
    "none": msg("jobs.german_none", "noch kein Deutsch"),
    "A1": msg("jobs.german_a1", "ein paar Wörter"),
    "A2": msg("jobs.german_a2", "einfache Sätze"),
    "B1": msg("jobs.german_b1", "im Alltag gut"),
    "B2": msg("jobs.german_b2", "gut, auch am Telefon"),
    "C1": msg("jobs.german_c1", "sehr gut"),
}
HOURS_UP_TO = msg("jobs.hours_up_to", "bis {hours} Stunden")
HOURS_MORE = msg("jobs.hours_more", "mehr als 30 Stunden")
TRAVEL_TOWN = msg("jobs.travel_town", "nur in meinem Ort")
TRAVEL_KM = msg("jobs.travel_km", "bis {km} km")
