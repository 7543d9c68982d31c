"""What the staff pages call kinds of work, German levels, lists, her answers and outcomes
(``staff`` catalog, German msgids marked with ``N_``; the chat's own words are in its flow)."""

from __future__ import annotations

from bot.web.staff.i18n import N_

KINDS = {
    "mini_job": N_("Minijob"),
    "part_time": N_("Teilzeit"),
    "full_time": N_("Vollzeit"),
    "training": N_("Ausbildung"),
    "internship": N_("Praktikum"),
    "volunteering": N_("Ehrenamt"),
}

GERMAN = {
    "none": N_("keine Deutschkenntnisse nötig"),
    "A1": N_("A1 (Anfang)"),
    "A2": N_("A2 (Grundlagen)"),
    "B1": N_("B1 (Alltag)"),
    "B2": N_("B2 (gut)"),
    "C1": N_("C1 (sehr gut)"),
}

STATUS = {
    "open": N_("offen"),
    "review": N_("wartet auf Prüfung"),
    "closed": N_("geschlossen"),
    "expired": N_("abgelaufen"),
}

SOURCES = {"staff": N_("eingetragen"), "ba": N_("Bundesagentur für Arbeit")}

#: Her answer to an offer (``job_notices.status``).
ANSWERS = {
    "sent": N_("noch keine Antwort"),
    "interested": N_("interessiert"),
    "not_for_me": N_("nicht für mich"),
    "more_like_this": N_("mehr davon"),
}

OUTCOMES = {
    "contacted": N_("angerufen / geschrieben"),
    "applied": N_("beworben"),
    "invited": N_("zum Gespräch eingeladen"),
    "started": N_("angefangen"),
    "not_suitable": N_("passt nicht"),
}
