"""The staff app's words for the codes stored about a person (German msgids, ``staff`` domain).

The database keeps codes (``not_coming``, ``childcare``, ``needs_template``); the pages show
these texts, translated into the staff member's language at render time.  A code without a
label here shows as itself, so a new code is visible rather than hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.web.staff.i18n import N_, language_name

STATUSES = {
    "new": N_("Neu (noch keine Einwilligung)"),
    "active": N_("Aktiv"),
    "opted_out": N_("Abgemeldet"),
    "unreachable": N_("Nicht erreichbar"),
}
CHANNEL_STATUSES = {
    "ok": N_("erreichbar"),
    "unreachable": N_("nicht erreichbar"),
    "opted_out": N_("abgemeldet"),
}
CHANNELS = {
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "simulator": N_("Simulator"),
    "paper": N_("Papier"),
}
ROLES = {"participant": N_("Teilnehmerin"), "mentor": N_("Mentorin")}
INTERESTS = {
    "course": N_("Kurs"),
    "mentor": N_("Mentorin"),
    "jobs": N_("Arbeit"),
    "meet": N_("Frauen treffen"),
}
ATTEND_HELP = {"childcare": N_("Kinderbetreuung"), "transport": N_("Fahrt zum Kurs")}
REASONS = {
    "childcare": N_("Kinderbetreuung"),
    "transport": N_("Fahrt / Verkehr"),
    "ill": N_("krank"),
    "other": N_("anderer Grund"),
    "skip": N_("wollte es nicht sagen"),
}
INTENTIONS = {"coming": N_("kommt"), "not_coming": N_("kommt nicht"), None: N_("keine Antwort")}
PURPOSES = {
    "profile": N_("Profil: was sie uns sagt, um mitzumachen"),
    "messages": N_("Nachrichten: Erinnerungen und Neuigkeiten"),
    "mentoring": N_("Mentorin finden"),
    "job_offers": N_("Angebote für Arbeit"),
    "contact_sharing": N_("Kontakt weitergeben"),
}
THREAD_REASONS = {
    "request": N_("möchte mit einer Person sprechen"),
    "media": N_("hat eine Datei geschickt"),
    "not_coming": N_("kann nicht kommen"),
    "interested": N_("ist interessiert"),
    "staff": N_("vom Team begonnen"),
}
THREAD_STATUSES = {"open": N_("offen"), "closed": N_("geschlossen")}
MESSAGE_KINDS = {
    "reply": N_("Antwort im Gespräch"),
    "nudge": N_("Nachricht des Bots (geplant)"),
    "course": N_("Kurs verschoben oder abgesagt"),
    "course_reminder": N_("Kurs-Erinnerung"),
    "broadcast": N_("Rundnachricht"),
    "group": N_("Gruppe"),
    "retention_warning": N_("Hinweis vor dem Löschen"),
    "my_data_export": N_("Ihre Daten als Datei"),
}
MESSAGE_STATUSES = {
    "pending": N_("wartet"),
    "claimed": N_("wird gesendet"),
    "sending": N_("wird gesendet"),
    "sent": N_("gesendet"),
    "failed": N_("fehlgeschlagen"),
    "in_doubt": N_("unklar"),
    "skipped": N_("ausgelassen"),
    "needs_template": N_("braucht eine Vorlage"),
    "cancelled": N_("abgesagt"),
}
SESSION_STATUSES = {"planned": N_("geplant"), "cancelled": N_("abgesagt")}
FEEDBACK = {1: "😞", 2: "😐", 3: "🙂", 4: "😀"}

TABLES: Mapping[str, Mapping[Any, str]] = {
    "status": STATUSES,
    "channel_status": CHANNEL_STATUSES,
    "channel": CHANNELS,
    "role": ROLES,
    "interest": INTERESTS,
    "attend_help": ATTEND_HELP,
    "reason": REASONS,
    "intention": INTENTIONS,
    "purpose": PURPOSES,
    "thread_reason": THREAD_REASONS,
    "thread_status": THREAD_STATUSES,
    "message_kind": MESSAGE_KINDS,
    "message_status": MESSAGE_STATUSES,
    "session_status": SESSION_STATUSES,
}


def labeller(gettext: Callable[[str], str]) -> Callable[[str, Any], str]:
    """``label(table, code)`` for templates: the code's text in the staff member's language."""

    def label(table: str, code: Any) -> str:
        found = TABLES[table].get(code)
        if found is None:
            return str(code) if code is not None else "—"
        return gettext(found)

    return label


def course_title(title: Mapping[str, Any] | None, language: str, fallback: str) -> str:
    """A course's title in the staff member's language, else German, else its code."""
    title = title or {}
    return str(title.get(language) or title.get("de") or fallback)


__all__ = ["TABLES", "course_title", "labeller", "language_name"]
