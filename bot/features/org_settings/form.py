"""The settings form: what the page shows in each field, and what a submitted form means.

Every value is checked here field by field with the organisations service's own checks
(:mod:`bot.organisations.service`), so that an error can be shown next to its field in the
staff member's language; the service checks everything again when it stores the values (one
set of rules for the browser and ``twc organisations edit``).

Opening hours are one row per weekday with up to two "from–to" ranges as ``<input
type="time">``: on a phone that opens the system's time picker, there is no syntax to learn
and nothing to mistype; the plain syntax (``mon-fri 09:00-13:00``) stays for the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.organisations.service import (
    MAX_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    OrganisationError,
    OrganisationService,
    OrganisationView,
    opening_hours,
    quiet_hours,
    retention_days,
    telegram_chat,
    timezone,
    towns,
)
from bot.web.staff.i18n import N_
from conversations.opening_hours import DAYS, WeeklyHours

#: Ranges per weekday on the form (a morning and an afternoon).
RANGES = 2
#: Longest text field (as the database and the service allow).
TEXT_LIMIT = 200
#: A time field ends at 23:59; the stored week ends a day at 24:00 (both mean "until the end").
LAST_MINUTE, END_OF_DAY = "23:59", "24:00"
#: Longest value read from any form field (more is cut, never stored).
FIELD_LIMIT = 2000

ERRORS = {
    "name": N_("Bitte geben Sie einen Namen ein (höchstens 200 Zeichen)."),
    "text": N_("Bitte höchstens 200 Zeichen."),
    "timezone": N_(
        "Diese Zeitzone kennen wir nicht. Bitte wählen Sie eine aus der Liste, zum Beispiel "
        "Europe/Berlin."
    ),
    "language": N_("Diese Sprache gibt es nicht."),
    "default_language": N_("Die Standardsprache muss eine der angebotenen Sprachen sein."),
    "towns": N_("Ein Ort darf höchstens 40 Zeichen lang sein."),
    "hours": N_(
        "Bitte geben Sie für jede Zeit „von“ und „bis“ an, zum Beispiel 09:00 bis 13:00. "
        "„Bis“ muss nach „von“ liegen."
    ),
    "overlap": N_("Die beiden Zeiten dieses Tages überschneiden sich."),
    "quiet_hours": N_("Bitte geben Sie beide Uhrzeiten an, zum Beispiel 20:00 bis 08:00."),
    "retention_days": N_("Bitte geben Sie eine ganze Zahl von %(min)d bis %(max)d ein."),
    "staff_telegram_chat": N_(
        "Bitte eine Chat-ID wie -1001234567890 oder einen Namen wie @unser_team angeben."
    ),
}


@dataclass(frozen=True, slots=True)
class FieldError:
    """A message id (``ERRORS``) and its placeholders, translated when the page is rendered."""

    msgid: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Submitted:
    """A submitted form: the values for the service, or errors by field (``hours_<day>``)."""

    form: dict[str, Any]
    """What she typed, to show again when something is wrong."""
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, FieldError] = field(default_factory=dict)


def form_of(view: OrganisationView) -> dict[str, Any]:
    """The form's fields filled from the stored organisation."""
    start, _, end = view.quiet_hours.partition("-")
    form: dict[str, Any] = {
        "name": view.name,
        "district": view.district,
        "timezone": view.timezone,
        "default_language": view.default_language,
        "languages": list(view.languages),
        "towns": "\n".join(view.towns),
        "office_hours": view.office_hours,
        "quiet_start": start,
        "quiet_end": end,
        "privacy_contact": view.privacy_contact,
        "retention_days": str(view.retention_days),
        "notify_by_email": view.notify_by_email,
        "staff_telegram_chat": view.staff_telegram_chat or "",
    }
    for index, day in enumerate(DAYS):
        intervals = view.opening_hours.days[index]
        for number in range(1, RANGES + 1):
            pair = intervals[number - 1] if number <= len(intervals) else None
            form[f"{day}_{number}_from"] = _clock(pair[0]) if pair else ""
            form[f"{day}_{number}_to"] = _clock(pair[1]) if pair else ""
    return form


def read(data: Mapping[str, Any], service: OrganisationService) -> Submitted:
    """Check a submitted form (``data``: a multi-dict with ``getlist``, or a plain mapping)."""

    def text(name: str) -> str:
        return str(data.get(name) or "")[:FIELD_LIMIT].strip()

    getlist = getattr(data, "getlist", None)
    chosen = [
        str(v)[:16] for v in (getlist("languages") if getlist else data.get("languages", []))
    ]
    form: dict[str, Any] = {
        name: text(name)
        for name in (
            "name",
            "district",
            "timezone",
            "default_language",
            "towns",
            "office_hours",
            "quiet_start",
            "quiet_end",
            "privacy_contact",
            "retention_days",
            "staff_telegram_chat",
        )
    }
    form["languages"] = chosen
    form["notify_by_email"] = bool(data.get("notify_by_email"))
    for day in DAYS:
        for number in range(1, RANGES + 1):
            for end in ("from", "to"):
                key = f"{day}_{number}_{end}"
                form[key] = text(key)[:16]
    result = Submitted(form)
    values, errors = result.values, result.errors

    name = " ".join(form["name"].split())
    if not name or len(name) > TEXT_LIMIT:
        errors["name"] = FieldError(ERRORS["name"])
    values["name"] = name
    for key in ("district", "office_hours", "privacy_contact"):
        if len(form[key]) > TEXT_LIMIT:
            errors[key] = FieldError(ERRORS["text"])
        values[key] = form[key]
    _check(values, errors, "timezone", lambda: timezone(form["timezone"]), ERRORS["timezone"])
    _check(
        values,
        errors,
        "languages",
        lambda: list(service.language_codes(chosen)),
        ERRORS["language"],
    )
    _check(
        values,
        errors,
        "default_language",
        lambda: service.language_code(form["default_language"]),
        ERRORS["language"],
    )
    offered = values.get("languages") or []
    if "default_language" in values and offered and values["default_language"] not in offered:
        errors["default_language"] = FieldError(ERRORS["default_language"])
    lines = [line for line in form["towns"].splitlines() if line.strip()]
    _check(values, errors, "towns", lambda: list(towns(lines)), ERRORS["towns"])
    hours = _hours(form, errors)
    if hours is not None:
        values["opening_hours"] = hours.spec()
    _check(
        values,
        errors,
        "quiet_hours",
        lambda: "-".join(quiet_hours((form["quiet_start"], form["quiet_end"]))),
        ERRORS["quiet_hours"],
    )
    try:
        values["retention_days"] = retention_days(form["retention_days"])
    except OrganisationError:
        errors["retention_days"] = FieldError(
            ERRORS["retention_days"], {"min": MIN_RETENTION_DAYS, "max": MAX_RETENTION_DAYS}
        )
    values["notify_by_email"] = form["notify_by_email"]
    _check(
        values,
        errors,
        "staff_telegram_chat",
        lambda: telegram_chat(form["staff_telegram_chat"]) or "",
        ERRORS["staff_telegram_chat"],
    )
    return result


def _check(
    values: dict[str, Any],
    errors: dict[str, FieldError],
    key: str,
    check: Callable[[], Any],
    msgid: str,
) -> None:
    """``values[key]`` from ``check``, or the error ``msgid`` when the service refuses it."""
    try:
        values[key] = check()
    except OrganisationError:
        errors[key] = FieldError(msgid)


def _hours(form: Mapping[str, Any], errors: dict[str, FieldError]) -> WeeklyHours | None:
    """The week from the per-day rows; ``None`` (and errors by day) when a row is wrong: a
    time missing or not a time, "to" not after "from", or the day's two ranges overlapping."""
    parts = []
    for day in DAYS:
        ranges = []
        for number in range(1, RANGES + 1):
            start, end = form[f"{day}_{number}_from"], form[f"{day}_{number}_to"]
            if not start and not end:
                continue
            ranges.append(f"{start}-{END_OF_DAY if end == LAST_MINUTE else end}")
            if not (start and end) or not _valid(f"{day} {ranges[-1]}"):
                errors[f"hours_{day}"] = FieldError(ERRORS["hours"])
        if ranges and f"hours_{day}" not in errors:
            parts.append(f"{day} {', '.join(ranges)}")
            if not _valid(parts[-1]):
                errors[f"hours_{day}"] = FieldError(ERRORS["overlap"])
    if any(key.startswith("hours_") for key in errors):
        return None
    return opening_hours("; ".join(parts))


def _valid(spec: str) -> bool:
    try:
        opening_hours(spec)
    except OrganisationError:
        return False
    return True


def _clock(minutes: int) -> str:
    if minutes >= 24 * 60:
        return LAST_MINUTE
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


__all__ = ["ERRORS", "RANGES", "FieldError", "Submitted", "form_of", "read"]
