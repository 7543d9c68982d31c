"""What the staff page calls topics, reasons, states and outcomes (``staff`` catalog,
German msgids marked with ``N_``; the chat's own words for topics are in :mod:`.topics`)."""

from __future__ import annotations

from bot.features.mentoring import states
from bot.web.staff.i18n import N_

TOPICS = {
    "language": N_("Deutsch üben"),
    "work": N_("Bewerbung und Arbeit"),
    "paperwork": N_("Briefe und Ämter"),
    "school": N_("Schule und Kita"),
    "health": N_("Arzt und Gesundheit"),
    "everyday": N_("Alltag"),
}

AVAILABILITY = {
    "mornings": N_("vormittags"),
    "afternoons": N_("nachmittags"),
    "evenings": N_("abends"),
    "weekends": N_("am Wochenende"),
}

#: The ranking's reason codes (:data:`.ranking.REASONS`).
REASONS = {
    "language": N_("spricht die gewünschte Sprache"),
    "other_language": N_("gemeinsame andere Sprache"),
    "no_language": N_("keine gemeinsame Sprache"),
    "town_same": N_("gleicher Ort"),
    "town_near": N_("Ort in der Nähe"),
    "town_unknown": N_("Entfernung unbekannt"),
    "topics_all": N_("alle gewünschten Themen"),
    "topics_some": N_("einige gewünschte Themen"),
    "free_places": N_("hat mehrere freie Plätze"),
}

#: Who is asked now, for a proposal in flight.
ASKED = {
    states.ASKING_MENTOR: N_("Mentorin wird gefragt"),
    states.ASKING_PARTICIPANT: N_("Teilnehmerin wird gefragt"),
}

#: How an introduction or match ended (status, and who for a decline or an end).
OUTCOMES = {
    (states.DECLINED, states.MENTOR): N_("Mentorin hat abgelehnt"),
    (states.DECLINED, states.PARTICIPANT): N_("Teilnehmerin hat abgelehnt"),
    (states.LAPSED, None): N_("Keine Antwort (abgelaufen)"),
    (states.TAKEN_BACK, None): N_("Vom Team zurückgenommen"),
    (states.ENDED, states.MENTOR): N_("Von der Mentorin beendet"),
    (states.ENDED, states.PARTICIPANT): N_("Von der Teilnehmerin beendet"),
    (states.ENDED, states.STAFF): N_("Vom Team beendet"),
    (states.ENDED, None): N_("Beendet"),
}

MENTOR_STATUS = {
    "active": N_("aktiv"),
    "incomplete": N_("Profil unvollständig"),
    "retired": N_("keine Mentorin mehr"),
}

#: Was it helpful (1–4), as the chat's emoji scale.
RATINGS = {1: "😞", 2: "😐", 3: "🙂", 4: "😍"}


def outcome(status: str, by: str | None) -> str:
    """The msgid of how it ended (``by`` is who declined or ended)."""
    return (
        OUTCOMES.get((status, by))
        or OUTCOMES.get((status, None))
        or OUTCOMES[(states.ENDED, None)]
    )


__all__ = [
    "ASKED",
    "AVAILABILITY",
    "MENTOR_STATUS",
    "OUTCOMES",
    "RATINGS",
    "REASONS",
    "TOPICS",
    "outcome",
]
