"""Plain words for the audit log's codes: what was done (``course.create``: "Kurs angelegt"),
by whom, and what the details' keys mean.

Every action any feature writes should have a line in :data:`ACTIONS`; an action without one
is shown by its code (nothing is hidden because it has no label yet).  The texts are German
msgids of the ``staff`` catalog, translated when the page is rendered.
"""

from __future__ import annotations

from bot.web.staff.i18n import N_

#: What was done, by action code.
ACTIONS: dict[str, str] = {
    # courses
    "course.create": N_("Kurs angelegt"),
    "course.edit": N_("Kurs geändert"),
    "course.enrol": N_("Im Kurs angemeldet"),
    "course.unenrol": N_("Vom Kurs abgemeldet"),
    "session.add": N_("Termin angelegt"),
    "session.edit": N_("Termin geändert"),
    "session.move": N_("Termin verschoben"),
    "session.cancel": N_("Termin abgesagt"),
    "attendance.mark": N_("Anwesenheit eingetragen"),
    # broadcasts
    "broadcast.create": N_("Nachricht entworfen"),
    "broadcast.edit": N_("Nachricht geändert"),
    "broadcast.preview": N_("Vorschau einer Nachricht angesehen"),
    "broadcast.send": N_("Nachricht gesendet"),
    "broadcast.cancel": N_("Nachricht zurückgezogen"),
    "broadcast.followup": N_("Nachricht noch einmal gesendet"),
    # people
    "people.import": N_("Personen importiert"),
    "people.export": N_("Daten einer Person herausgegeben"),
    "person.erase": N_("Person gelöscht"),
    # inbox
    "inbox.start": N_("Gespräch begonnen"),
    "inbox.assign": N_("Gespräch übernommen"),
    "inbox.note": N_("Notiz geschrieben"),
    "inbox.reply": N_("Antwort gesendet"),
    "inbox.close": N_("Gespräch beendet"),
    "inbox.quick_reply.save": N_("Schnellantwort gespeichert"),
    "inbox.quick_reply.delete": N_("Schnellantwort gelöscht"),
    # mentoring
    "mentoring.propose": N_("Mentorin vorgeschlagen"),
    "mentoring.take_back": N_("Vorschlag einer Mentorin zurückgenommen"),
    "mentoring.end": N_("Begleitung durch eine Mentorin beendet"),
    "mentoring.settings": N_("Automatische Vorschläge geändert"),
    "mentoring.add_mentor": N_("Mentorin eingetragen"),
    "mentoring.invite": N_("Einladungs-Code für Mentorinnen erstellt"),
    # privacy
    "privacy.retention": N_("Aufbewahrungsfrist geändert"),
    "privacy.purge": N_("Alte Daten gelöscht"),
    # organisations
    "organisation.create": N_("Organisation angelegt"),
    "organisation.edit": N_("Einstellungen der Organisation geändert"),
    # groups
    "groups.create": N_("Gruppe angelegt"),
    "groups.edit": N_("Gruppe geändert"),
    "groups.close": N_("Gruppe geschlossen"),
    "groups.add_organiser": N_("Organisatorin einer Gruppe eingetragen"),
    "groups.link_telegram": N_("Telegram-Gruppe verknüpft oder gelöst"),
    # reports
    "reports.flow_results": N_("Antworten zu einem Ablauf heruntergeladen"),
    # WhatsApp templates
    "whatsapp_templates.refresh": N_("Status der WhatsApp-Vorlagen abgefragt"),
    # staff accounts
    "staff.create": N_("Teammitglied angelegt"),
    "staff.role": N_("Rolle im Team geändert"),
    "staff.password_change": N_("Eigenes Passwort geändert"),
    "staff.password_reset": N_("Passwort zurückgesetzt"),
    "staff.activate": N_("Konto wieder aktiviert"),
    "staff.deactivate": N_("Konto deaktiviert"),
    "staff.totp_enable": N_("Zwei-Faktor-Anmeldung eingeschaltet"),
    "staff.totp_reset": N_("Zwei-Faktor-Anmeldung ausgeschaltet"),
}

#: What the details' keys mean (others are shown by their key).
KEYS: dict[str, str] = {
    "people": N_("Personen"),
    "person": N_("Person"),
    "course": N_("Kurs"),
    "code": N_("Kurscode"),
    "session": N_("Termin"),
    "session_id": N_("Termin"),
    "present": N_("anwesend"),
    "before": N_("vorher"),
    "flow": N_("Ablauf"),
    "rows": N_("Zeilen"),
    "broadcast": N_("Nachricht"),
    "thread": N_("Gespräch"),
    "quick_reply": N_("Schnellantwort"),
    "staff_id": N_("Teammitglied"),
    "organisation": N_("Organisation"),
    "organisation_id": N_("Organisation"),
    "role": N_("Rolle"),
    "reason": N_("Grund"),
    "erasure": N_("Löschnummer"),
    "days": N_("Tage"),
    "was": N_("vorher"),
    "from": N_("von"),
    "to": N_("nach"),
    "starts_at": N_("Beginn"),
    "at": N_("Zeitpunkt"),
    "language": N_("Sprache"),
    "languages": N_("Sprachen"),
    "audience": N_("Empfängerinnen"),
    "urgent": N_("dringend"),
    "withdrawn": N_("zurückgezogen"),
    "created": N_("neu angelegt"),
    "existing": N_("schon vorhanden"),
    "problems": N_("Probleme"),
    "changed": N_("geändert"),
    "told": N_("benachrichtigt"),
    "enrolled": N_("angemeldet"),
    "checked": N_("geprüft"),
    "failed": N_("Fehler"),
    "title": N_("Titel"),
    "reminders": N_("Erinnerungen"),
    "values": N_("Werte"),
    "match": N_("Vorstellung"),
    "auto_propose": N_("automatisch vorschlagen"),
    "threshold": N_("Schwelle"),
    "group": N_("Gruppe"),
    "telegram_group": N_("Telegram-Gruppe"),
}

#: Stored codes of some details' values, by (key, value).
VALUES: dict[tuple[str, str], str] = {
    ("reason", "chat"): N_("sie selbst im Chat"),
    ("reason", "request"): N_("auf ihre Bitte, durch das Team"),
    ("reason", "retention"): N_("lange nichts von ihr gehört (Aufbewahrungsfrist)"),
    ("reason", "no_consent"): N_("nie eingewilligt"),
    ("role", "admin"): N_("Administration"),
    ("role", "coordinator"): N_("Koordination"),
    ("role", "mentor"): N_("Mentorin"),
}

#: Who did it, for actors that are not a staff member.
ACTORS: dict[str, str] = {
    "cli": N_("Kommandozeile"),
    "system": N_("System"),
    "auto": N_("Automatische Vorschläge"),
    "person": N_("Die Person selbst (im Chat)"),
}

__all__ = ["ACTIONS", "ACTORS", "KEYS", "VALUES"]
