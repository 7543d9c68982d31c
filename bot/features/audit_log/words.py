"""The audit log in words: the labels of actions, actors, keys and values in one language,
times in one time zone, and the CSV rows, for the page and for ``twc audit`` alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.features.audit_log.labels import ACTIONS, ACTORS, KEYS, VALUES
from bot.features.audit_log.log import Actor, Entry, Export, csv_text

COMMAND_LINE = ACTORS["cli"]
#: Keys whose values are moments (stored as ISO text, in UTC).
MOMENTS = frozenset({"from", "to", "starts_at", "at"})


def _moment(text: str) -> datetime | None:
    """An aware moment written as ISO text, else ``None`` (a local "2026-12-01 10:00" is left
    as written: it is already the organisation's time)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@dataclass(frozen=True)
class Words:
    """Labels in the language of ``gettext``; times in ``zone``."""

    gettext: Callable[[str], str]
    lang: str
    zone: str

    def action_label(self, code: str) -> str:
        return self.gettext(ACTIONS[code]) if code in ACTIONS else code

    def actor_label(self, actor: Actor) -> str:
        if actor.kind == "staff":
            return actor.name
        if actor.kind == "cli":
            word = self.gettext(COMMAND_LINE)
            return f"{word} ({actor.name})" if actor.name else word
        if actor.kind in ACTORS:
            return self.gettext(ACTORS[actor.kind])
        return actor.code

    def key_label(self, key: str) -> str:
        return self.gettext(KEYS[key]) if key in KEYS else key

    def value_label(self, key: str, text: str) -> str:
        """A stored code in plain words (an erasure's reason), a stored moment in the
        organisation's time zone (a session moved from, to), else as stored."""
        if (key, text) in VALUES:
            return self.gettext(VALUES[key, text])
        if key in MOMENTS:
            moment = _moment(text)
            if moment is not None:
                tz = ZoneInfo(self.zone)
                return format_datetime(moment.astimezone(tz), "short", tzinfo=tz, locale=self.lang)
        return text

    def when(self, entry: Entry) -> str:
        tz = ZoneInfo(self.zone)
        return format_datetime(entry.at.astimezone(tz), "short", tzinfo=tz, locale=self.lang)

    def when_iso(self, entry: Entry) -> str:
        return entry.at.astimezone(ZoneInfo(self.zone)).isoformat(timespec="seconds")

    def when_plain(self, entry: Entry) -> str:
        """``2026-11-30 10:00``: sortable, for files and the terminal."""
        return entry.at.astimezone(ZoneInfo(self.zone)).strftime("%Y-%m-%d %H:%M")

    def who(self, entry: Entry) -> str:
        """Who, with a staff member's email (for files and the terminal)."""
        label = self.actor_label(entry.actor)
        return f"{label} <{entry.actor.email}>" if entry.actor.email else label

    def details(self, entry: Entry) -> str:
        """``key: value, value; key: value`` (ids as ``#12``, no links)."""
        return "; ".join(
            f"{self.key_label(d.key)}: "
            + ", ".join(self.value_label(d.key, v.text) for v in d.values)
            for d in entry.details
        )

    def template_helpers(self) -> dict[str, Callable[..., str]]:
        return {
            "action_label": self.action_label,
            "actor_label": self.actor_label,
            "key_label": self.key_label,
            "value_label": self.value_label,
            "when": self.when,
            "when_iso": self.when_iso,
        }

    def csv(self, found: Export) -> str:
        """The entries as CSV text (headers in this language, cells made safe)."""
        _ = self.gettext
        rows: list[list[Any]] = [
            [_("Zeit"), _("Organisation"), _("Wer"), _("Was"), _("Code"), _("Einzelheiten")]
        ]
        rows += [
            [
                self.when_plain(entry),
                found.organisations.get(entry.organisation_id or 0, ""),
                self.who(entry),
                self.action_label(entry.action),
                entry.action,
                self.details(entry),
            ]
            for entry in found.entries
        ]
        return csv_text(rows)


__all__ = ["Words"]
