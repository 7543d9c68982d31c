"""Twilio's approval statuses in plain words for staff (``staff`` catalog, German msgids)."""

from __future__ import annotations

from bot.web.staff.i18n import N_, language_name

#: status → (short label, what it means and what to do)
STATUSES: dict[str, tuple[str, str]] = {
    "approved": (
        N_("Freigegeben"),
        N_("WhatsApp hat die Vorlage freigegeben. Der Bot kann sie senden."),
    ),
    "pending": (
        N_("In Prüfung"),
        N_("WhatsApp prüft die Vorlage noch. Das dauert meist wenige Stunden, selten zwei Tage."),
    ),
    "received": (
        N_("Eingereicht"),
        N_("WhatsApp hat die Vorlage erhalten und prüft sie bald."),
    ),
    "rejected": (
        N_("Abgelehnt"),
        N_(
            "WhatsApp hat die Vorlage abgelehnt. Ändern Sie den Text in der Twilio-Konsole und "
            "reichen Sie ihn neu ein."
        ),
    ),
    "paused": (
        N_("Pausiert"),
        N_(
            "WhatsApp hat die Vorlage angehalten, weil viele Empfängerinnen sie blockiert oder "
            "gemeldet haben. Solange wird sie nicht zugestellt."
        ),
    ),
    "disabled": (
        N_("Gesperrt"),
        N_("WhatsApp hat die Vorlage gesperrt. Bitte legen Sie eine neue an."),
    ),
    "unsubmitted": (
        N_("Nicht eingereicht"),
        N_("Die Vorlage wurde noch nicht bei WhatsApp zur Prüfung eingereicht."),
    ),
    "unknown": (
        N_("Bei Twilio unbekannt"),
        N_("Twilio kennt diese Content-SID nicht. Bitte prüfen Sie die Vorlagen-Datei."),
    ),
}
NOT_CHECKED = (
    N_("Noch nicht geprüft"),
    N_("Der Status wurde noch nicht bei Twilio abgefragt."),
)
OTHER = N_("Twilio meldet den Status „%(status)s“.")


__all__ = ["NOT_CHECKED", "OTHER", "STATUSES", "language_name"]
