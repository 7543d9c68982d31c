"""What an offer's card in the weekly digest says, line by line, and what the team reads when
she is interested.

German master texts in plain language; translated in ``locales/*/LC_MESSAGES/twc.po``.  One
idea per line with an emoji in front as a visual anchor (many women read little); a line
whose fact the offer does not have is left out, never shown empty.
"""

from __future__ import annotations

from conversations.texts import Text, msg

#: The first card's first line: what this message is.
HEADING = msg("jobs.digest_heading", "💼 Job-Angebote für Sie")
#: Where she is in the digest ("Angebot 1 von 3").
POSITION = msg("jobs.card_position", "Angebot {position} von {count}:")
PLACE_HERE = msg("jobs.card_place_here", "📍 {town} (in Ihrem Ort)")
PLACE_NEAR = msg("jobs.card_place_near", "📍 {town} (etwa {km} km von Ihnen)")
HOURS = msg("jobs.card_hours", "🕘 {kind}, {hours} Stunden pro Woche")
KIND_ONLY = msg("jobs.card_kind", "🕘 {kind}")
GERMAN = msg("jobs.card_german", "🗣️ Deutsch: {level}")
CHILDCARE = msg("jobs.card_childcare", "👶 Gut mit Kindern: {note}")
CHILDCARE_PLAIN = msg(
    "jobs.card_childcare_plain", "👶 Die Arbeitszeiten passen zu Kita und Schule."
)
STARTS = msg("jobs.card_starts", "📅 Beginn: {day}")
EMPLOYER = msg("jobs.card_employer", "🏢 {employer}")
#: The digest as a WhatsApp template variable (one line: templates allow no line breaks).
LINE = msg("jobs.card_line", "{title} in {town}")

#: German an offer needs, in words she understands (``job_offers.german_level``).
NEEDED: dict[str, Text] = {
    "none": msg("jobs.needed_none", "nicht nötig"),
    "A1": msg("jobs.needed_a1", "ein paar Wörter"),
    "A2": msg("jobs.needed_a2", "einfache Sätze"),
    "B1": msg("jobs.needed_b1", "im Alltag gut"),
    "B2": msg("jobs.needed_b2", "gut, auch am Telefon"),
    "C1": msg("jobs.needed_c1", "sehr gut"),
}

#: Kinds of work (``job_offers.kind``), for her.
KIND_NAMES: dict[str, Text] = {
    "mini_job": msg("jobs.kind_mini_job", "Minijob"),
    "part_time": msg("jobs.kind_part_time", "Teilzeit"),
    "full_time": msg("jobs.kind_full_time", "Vollzeit"),
    "training": msg("jobs.kind_training", "Ausbildung"),
    "internship": msg("jobs.kind_internship", "Praktikum"),
    "volunteering": msg("jobs.kind_volunteering", "Ehrenamt"),
}

#: What the team's inbox shows when she taps "Interessiert" (the organisation's language).
STAFF_INTEREST = msg(
    "jobs.staff_interest",
    "✋ Interesse an Job-Angebot Nr. {offer}: {title} in {town}\n"
    "Angaben der Teilnehmerin: Deutsch: {german} · Stunden: {hours} · Weg: {travel}",
)

__all__ = [
    "CHILDCARE",
    "CHILDCARE_PLAIN",
    "EMPLOYER",
    "GERMAN",
    "HEADING",
    "HOURS",
    "KIND_NAMES",
    "KIND_ONLY",
    "LINE",
    "NEEDED",
    "PLACE_HERE",
    "PLACE_NEAR",
    "POSITION",
    "STAFF_INTEREST",
    "STARTS",
]
