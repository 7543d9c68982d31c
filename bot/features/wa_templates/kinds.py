"""The message kinds the bot starts on its own, which need an approved WhatsApp template.

Outside WhatsApp's 24-hour window only an approved template may reach her
(:mod:`bot.channels.whatsapp.templates`).  The outbox kinds the bot *starts* (as opposed to
``reply``, which answers her inside the window) are listed here with a plain label, so that the
templates page shows a row for each even before anyone configured a template for it.

Where the list comes from: ``course_reminder`` and ``nudge`` are what
:func:`bot.outbox.kinds.kind_and_values` gives every scheduled message (read from the code at
run time: :func:`scheduled_kinds`); ``broadcast``, ``course`` and ``team_reply`` are written by
the broadcasts, courses and inbox features (which this feature may not import);
``tests/test_wa_templates.py`` reads those features' code and fails when one writes an outbox
kind that is missing here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.outbox.kinds import kind_and_values
from bot.web.staff.i18n import N_
from conversations.events import TimeoutIn, TriggerIn
from conversations.model import Profile


@dataclass(frozen=True, slots=True)
class MessageKind:
    """One outbox kind the bot starts, with what staff call it."""

    kind: str
    label_msgid: str
    """German, ``staff`` catalog (``N_``)."""
    what_msgid: str
    """German: which messages these are, in a few words."""


#: A flow's node the scheduler jumps to for course reminders (``bot.features.courses``).
COURSE_REMINDER_TARGET = "course.reminder"


def scheduled_kinds() -> tuple[str, str]:
    """The outbox kinds of a course reminder and of every other scheduled message, as the
    outbox itself decides them (not written down twice)."""
    reminder, _values = kind_and_values(TriggerIn(COURSE_REMINDER_TARGET, {}), Profile())
    other, _none = kind_and_values(TimeoutIn("any", "any", 0), Profile())
    return reminder, other


_REMINDER, _NUDGE = scheduled_kinds()

BOT_STARTED: tuple[MessageKind, ...] = (
    MessageKind(
        _REMINDER,
        N_("Kurs-Erinnerung"),
        N_("Die Erinnerung vor einem Kurstermin."),
    ),
    MessageKind(
        "course",
        N_("Termin verschoben oder abgesagt"),
        N_("Die Nachricht, wenn ein Kurstermin verschoben oder abgesagt wird."),
    ),
    MessageKind(
        "broadcast",
        N_("Rundnachricht"),
        N_("Eine Nachricht des Teams an viele Personen."),
    ),
    MessageKind(
        "team_reply",
        N_("Antwort des Teams"),
        N_("Der Hinweis, dass das Team im Posteingang geantwortet hat."),
    ),
    MessageKind(
        "introduction",
        N_("Mentoring: Vorstellung"),
        N_(
            "Die Frage an eine Mentorin oder eine Teilnehmerin, ob sie die andere Frau "
            "kennenlernen möchte (Vorname, Ort, Sprachen, Themen)."
        ),
    ),
    MessageKind(
        "mentor_message",
        N_("Mentoring: weitergeleitete Nachricht"),
        N_("Eine Nachricht zwischen Mentorin und Teilnehmerin, über den Bot weitergeleitet."),
    ),
    MessageKind(
        "job_digest",
        N_("Job-Angebote der Woche"),
        N_(
            "Höchstens einmal pro Woche: passende Job-Angebote (wie viele, das erste in einer "
            "Zeile). Eine Marketing-Vorlage."
        ),
    ),
    MessageKind(
        "meetup_vote",
        N_("Gruppen: Abstimmung über ein Treffen"),
        N_("Die Frage an jedes Mitglied einer Gruppe, wann sie zu einem Treffen kommen kann."),
    ),
    MessageKind(
        "meetup_confirmed",
        N_("Gruppen: Treffen bestätigt"),
        N_("Zeit und Ort eines bestätigten Treffens, mit der Frage: Kommen Sie?"),
    ),
    MessageKind(
        "meetup_reminder",
        N_("Gruppen: Erinnerung an ein Treffen"),
        N_("Am Tag vorher und zwei Stunden vorher, an alle, die zugesagt haben."),
    ),
    MessageKind(
        "meetup_changed",
        N_("Gruppen: Treffen verschoben oder abgesagt"),
        N_("Die Nachricht an alle, die geantwortet haben, wenn ein Treffen sich ändert."),
    ),
    MessageKind(
        _NUDGE,
        N_("Geplante Nachricht des Bots"),
        N_(
            "Nachfragen (Check-in), Fragen nach einem Kurstermin, der Hinweis vor dem Löschen "
            "und Erinnerungen, wenn sie nicht antwortet."
        ),
    ),
)

#: Outbox kinds that never need a template: answers to her (inside the window), her data
#: export (she just asked for it), messages to Telegram groups and the staff's notices in
#: their Telegram group (not WhatsApp).
NO_TEMPLATE_NEEDED = frozenset({"reply", "my_data_export", "group", "staff_notice"})


def bot_started_kinds(configured: list[str]) -> list[MessageKind]:
    """The known kinds, then any other kind the template file configures (shown as itself)."""
    known = {k.kind for k in BOT_STARTED}
    extra = [
        MessageKind(kind, kind, N_("Eine weitere Nachrichtenart aus der Vorlagen-Datei."))
        for kind in configured
        if kind not in known and kind not in NO_TEMPLATE_NEEDED
    ]
    return [*BOT_STARTED, *extra]


__all__ = [
    "BOT_STARTED",
    "COURSE_REMINDER_TARGET",
    "NO_TEMPLATE_NEEDED",
    "MessageKind",
    "bot_started_kinds",
    "scheduled_kinds",
]
