"""The WhatsApp template configuration: which approved template carries which message kind.

Outside WhatsApp's 24-hour window a message the bot starts may only go out as a template that
Meta approved beforehand.  ``TWC_TWILIO_TEMPLATES`` names a YAML file::

    default_language: de          # optional; else the organisation's default language
    quick_replies:                # optional session content (see bot.channels.whatsapp.channel)
      2: HX…                      # a twilio/quick-reply with 2 buttons
      3: HX…
    templates:
      course_reminder:            # the outbox row's kind
        de: {content_sid: HX…, variables: [name, course, date, time, place]}
        ar: {content_sid: HX…, variables: [name, course, date, time, place]}

``variables`` lists, in order, the values that fill ``{{1}}``, ``{{2}}``, … of the approved
template; the values come from the outbox row's ``payload.values``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
VARIABLE = re.compile(r"^[a-z_][a-z0-9_]*$")


class TemplateConfigError(ValueError):
    """The template file is malformed; the message names the entry."""


@dataclass(frozen=True, slots=True)
class Template:
    """One approved template in one language."""

    kind: str
    language: str
    content_sid: str
    variables: tuple[str, ...] = ()

    def content_variables(self, values: dict[str, Any]) -> dict[str, str]:
        """``{"1": …, "2": …}`` for Twilio; ``KeyError`` names a value the row lacks."""
        filled = {}
        for index, name in enumerate(self.variables, start=1):
            value = values.get(name)
            if value is None or str(value).strip() == "":
                raise KeyError(name)
            filled[str(index)] = str(value)
        return filled


@dataclass(frozen=True, slots=True)
class TemplateBook:
    """Every configured template, plus the optional quick-reply session content."""

    templates: dict[str, dict[str, Template]] = field(default_factory=dict)
    quick_replies: dict[int, str] = field(default_factory=dict)
    default_language: str | None = None

    def find(self, kind: str, language: str, fallback: str | None = None) -> Template | None:
        """Her language's template for ``kind``, else the fallback language's, else ``None``."""
        by_language = self.templates.get(kind, {})
        for code in (language, fallback, self.default_language):
            if code and code in by_language:
                return by_language[code]
        return None

    @property
    def kinds(self) -> list[str]:
        """Message kinds that have at least one template."""
        return sorted(self.templates)

    @classmethod
    def load(cls, path: Path | None) -> TemplateBook:
        """Read the file; a missing file means no templates (everything outside is held)."""
        if path is None or not Path(path).exists():
            return cls()
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise TemplateConfigError(f"{path}: not valid YAML: {error}") from error
        return cls.parse(data, str(path))

    @classmethod
    def parse(cls, data: Any, source: str = "templates") -> TemplateBook:
        """Build from already-read YAML data, checking every entry."""
        if not isinstance(data, dict):
            raise TemplateConfigError(f"{source}: expected a mapping at the top")
        templates: dict[str, dict[str, Template]] = {}
        for kind, languages in (data.get("templates") or {}).items():
            if not isinstance(languages, dict):
                raise TemplateConfigError(f"{source}: templates.{kind} must map languages")
            for language, entry in languages.items():
                where = f"{source}: templates.{kind}.{language}"
                if not isinstance(entry, dict):
                    raise TemplateConfigError(f"{where}: expected content_sid and variables")
                sid = str(entry.get("content_sid", ""))
                if not CONTENT_SID.match(sid):
                    raise TemplateConfigError(f"{where}: content_sid must look like HX + 32 hex")
                variables = tuple(str(v) for v in entry.get("variables") or ())
                bad = [v for v in variables if not VARIABLE.match(v)]
                if bad:
                    raise TemplateConfigError(f"{where}: bad variable names {bad}")
                templates.setdefault(str(kind), {})[str(language)] = Template(
                    str(kind), str(language), sid, variables
                )
        quick: dict[int, str] = {}
        for count, sid in (data.get("quick_replies") or {}).items():
            if int(count) not in (1, 2, 3) or not CONTENT_SID.match(str(sid)):
                raise TemplateConfigError(
                    f"{source}: quick_replies.{count}: 1, 2 or 3 buttons, a Content SID (HX…)"
                )
            quick[int(count)] = str(sid)
        default = data.get("default_language")
        return cls(templates, quick, str(default) if default else None)
