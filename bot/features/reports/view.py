"""A report as sections of a page: a heading, a table (and a chart), in the reader's language.

The page, the CSV and ``twc reports summary`` all show these same sections, so a number can
never differ between them; every count goes through :func:`~.service.shown` here ("< 5").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from bot.features.reports.charts import Bar
from bot.features.reports.service import JOB_OUTCOMES, REACH, Report, Row, shown
from bot.web.staff.i18n import N_
from bot.web.staff.i18n import language_name as shared_language_name

Gettext = Callable[[str], str]

STATUS_LABELS = {
    "read": N_("gelesen"),
    "delivered": N_("zugestellt"),
    "sent": N_("gesendet (noch keine Zustellung gemeldet)"),
    "failed": N_("fehlgeschlagen"),
    "not_sent": N_("nicht gesendet (wartet, Vorlage fehlt, abgebrochen)"),
}

#: What staff recorded per woman and job offer (``job_notices.outcome``).
JOB_OUTCOME_LABELS = {
    "contacted": N_("Ergebnis: angerufen / geschrieben"),
    "applied": N_("Ergebnis: beworben"),
    "invited": N_("Ergebnis: zum Gespräch eingeladen"),
    "started": N_("Ergebnis: angefangen"),
    "not_suitable": N_("Ergebnis: passt nicht"),
}


@dataclass(slots=True)
class Section:
    """One table of the report (``key`` names it in the CSV and the page's anchors)."""

    key: str
    title: str
    columns: tuple[str, str]
    rows: list[tuple[str, str]]
    chart: list[Bar] | None = None
    note: str = ""
    extra: list[tuple[str, ...]] = field(default_factory=list)
    """Wider rows (a course's sessions and attendance) shown after ``rows``."""
    extra_columns: tuple[str, ...] = ()


def sections(report: Report, lang: str, _: Gettext) -> list[Section]:
    """The report's sections in ``lang`` (translated with ``_``)."""
    locale = Locale.parse(lang)
    count = _("Anzahl")

    def language_name(code: str) -> str:
        if not code:
            return _("unbekannt")
        return shared_language_name(code, lang)

    def month_name(key: str) -> str:
        year, month = (int(part) for part in key.split("-"))
        return str(format_date(date(year, month, 1), "MMMM y", locale=locale))

    def percent(value: float | None) -> str:
        return "—" if value is None else str(format_percent(value, locale=locale))

    def table(key: str, title: str, column: str, rows: list[Row], label: Any) -> Section:
        named = [(label(r.key), r.count) for r in rows]
        return Section(
            key,
            title,
            (column, count),
            [(name, shown(n)) for name, n in named],
            chart=[Bar(name, n) for name, n in named],
        )

    s, q, r, m = report.sessions, report.requests, report.reach, report.mentoring
    j = report.jobs
    gr = report.groups
    active_note = (
        _("„Aktiv“ wird seit dem %(day)s gezählt.")
        % {"day": format_date(report.active_since, "medium", locale=locale)}
        if report.active_since
        else _("„Aktiv“ wird ab jetzt gezählt: Es gibt noch keine Tage mit Nachrichten.")
    )
    found = [
        Section(
            "overview",
            _("Überblick"),
            (_("Zahl"), count),
            [
                (_("Teilnehmerinnen am Ende des Zeitraums"), shown(report.participants)),
                (_("Neu angemeldet im Zeitraum"), shown(report.joined)),
                (_("Aktiv im Zeitraum (haben dem Bot geschrieben)"), shown(report.active)),
            ],
            note=active_note,
        ),
        table(
            "languages",
            _("Teilnehmerinnen nach Sprache"),
            _("Sprache"),
            report.by_language,
            language_name,
        ),
        table(
            "towns",
            _("Teilnehmerinnen nach Ort"),
            _("Ort"),
            report.by_town,
            lambda town: town or _("keine Angabe"),
        ),
        table(
            "months",
            _("Neu angemeldet nach Monat"),
            _("Monat"),
            report.by_month,
            month_name,
        ),
        Section(
            "sessions",
            _("Kurstermine und Anwesenheit"),
            (_("Zahl"), count),
            [
                (_("Termine, die stattgefunden haben"), shown(s.held)),
                (_("Abgesagte Termine"), shown(s.cancelled)),
                (_("Vorher „Ich komme“ gesagt"), shown(s.said_coming)),
                (_("Vorher „Ich kann nicht“ gesagt"), shown(s.said_not_coming)),
                (_("Termine mit Anwesenheitsliste"), shown(s.marked_sessions)),
                (_("Als anwesend markiert"), shown(s.present)),
                (_("Als nicht anwesend markiert"), shown(s.marked - s.present)),
                (_("Anwesenheitsquote (anwesend von allen markierten)"), percent(s.presence_rate)),
                (
                    _("Von denen, die „Ich komme“ gesagt haben, gekommen"),
                    percent(s.kept_word_rate),
                ),
            ],
            note=_(
                "Eine Quote steht nur da, wenn mindestens 5 Personen dahinter stehen. "
                "Anwesenheit zählt nur für Termine, bei denen jemand die Liste geführt hat."
            ),
            extra=[
                (_title(title, lang), shown(held), shown(present))
                for title, held, present in s.by_course
            ],
            extra_columns=(_("Kurs"), _("Termine"), _("Anwesend")),
        ),
        Section(
            "requests",
            _("Anfragen an das Team"),
            (_("Zahl"), count),
            [
                (_("Neue Anfragen im Zeitraum"), shown(q.opened)),
                (_("Davon beantwortet"), shown(q.answered)),
                (_("Zeit bis zur ersten Antwort (Median)"), _duration(q.median_first_answer)),
            ],
            note=_(
                "Gezählt werden Gespräche, die eine Frau begonnen hat. Median: Die Hälfte der "
                "Anfragen wurde schneller beantwortet, die andere Hälfte langsamer."
            ),
        ),
        Section(
            "broadcasts",
            _("Rundnachrichten und Reichweite"),
            (_("Zahl"), count),
            [
                (_("Rundnachrichten gesendet"), shown(r.broadcasts)),
                (_("Nachrichten insgesamt"), shown(r.messages)),
                *((_(STATUS_LABELS[key]), shown(r.by_status[key])) for key in REACH),
            ],
            chart=[Bar(_(STATUS_LABELS[key]), r.by_status[key]) for key in REACH],
            note=_(
                "Gelesen und zugestellt melden nur WhatsApp und ähnliche Dienste. Nach 30 Tagen "
                "werden gesendete Nachrichten gelöscht; danach ist die Zustellung nicht mehr "
                "bekannt."
            ),
        ),
        Section(
            "mentoring",
            _("Mentoring"),
            (_("Zahl"), count),
            [
                (_("Mentorinnen, die gerade vorgestellt werden können"), shown(m.mentors_active)),
                (_("Mentorinnen, die gerade pausieren"), shown(m.mentors_paused)),
                (_("Frauen, die gerade auf eine Mentorin warten"), shown(m.waiting)),
                (_("Wunsch nach einer Mentorin im Zeitraum"), shown(m.requested)),
                (_("Vorschläge im Zeitraum"), shown(m.proposed)),
                (_("Davon von beiden angenommen"), shown(m.accepted)),
                (_("Davon abgelehnt"), shown(m.declined)),
                (_("Davon ohne Antwort abgelaufen"), shown(m.lapsed)),
                (_("Laufende Begleitungen am Ende des Zeitraums"), shown(m.running)),
                (_("Beendete Begleitungen im Zeitraum"), shown(m.ended)),
                (
                    _("War es hilfreich? Durchschnitt (1 bis 4)"),
                    _average(m.average_rating, locale),
                ),
            ],
            note=_(
                "Mentorinnen und Wartende zählen zum Zeitpunkt des Berichts. Den Durchschnitt "
                "gibt es erst ab 5 Antworten."
            ),
        ),
        Section(
            "jobs",
            _("Job-Angebote"),
            (_("Zahl"), count),
            [
                (_("Angebote offen am Ende des Zeitraums"), shown(j.open_at_end)),
                (_("Neue Angebote im Zeitraum"), shown(j.new)),
                (_("Frauen, die von einem Angebot erfahren haben"), shown(j.women_told)),
                (_("Antworten „Interessiert“"), shown(j.interested)),
                (_("Antworten „Nicht für mich“"), shown(j.not_for_me)),
                *((_(JOB_OUTCOME_LABELS[key]), shown(j.outcomes[key])) for key in JOB_OUTCOMES),
            ],
            note=_(
                "Angebote, die auf Prüfung warten, zählen nicht als offen. Ergebnisse zählen, "
                "wenn das Team sie im Zeitraum eingetragen hat."
            ),
        ),
        Section(
            "groups",
            _("Gruppen"),
            (_("Zahl"), count),
            [
                (_("Aktive Gruppen am Ende des Zeitraums"), shown(gr.active_at_end)),
                (_("Neue Gruppen im Zeitraum"), shown(gr.new)),
                (_("Frauen in einer Gruppe (jetzt)"), shown(gr.members_now)),
                (_("Neu in einer Gruppe im Zeitraum"), shown(gr.joined)),
                (_("Treffen im Zeitraum"), shown(gr.meetups)),
                (_("Gruppen ohne Treffen seit zwei Monaten (jetzt)"), shown(gr.quiet)),
            ],
            note=_("Nur Zahlen, nie Namen. „Jetzt“ heißt: zum Zeitpunkt des Berichts."),
        ),
    ]
    return found


def _average(value: float | None, locale: Locale) -> str:
    """``3,2`` in the reader's way of writing numbers, or a dash."""
    return "—" if value is None else str(format_decimal(value, "0.0", locale=locale))


def _title(title: dict[str, Any], lang: str) -> str:
    """A course title in ``lang``, else German, else any."""
    text = title.get(lang) or title.get("de") or next(iter(title.values()), "")
    return str(text or "—")


def _duration(value: timedelta | None) -> str:
    """``2 h 15 min`` (units every reader knows), or a dash."""
    if value is None:
        return "—"
    minutes = round(value.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


__all__ = ["STATUS_LABELS", "Section", "sections"]
