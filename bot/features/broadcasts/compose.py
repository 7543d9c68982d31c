"""A broadcast's texts: reading the coordinator's file, checking placeholders, choosing the
text for one person (her language, then the organisation's default, then English), filling in.

Placeholders are checked when the broadcast is created, not when it is sent: an unknown
``{nmae}`` is an error the coordinator sees at once, never a literal brace in a chat.  Only
plain names from :data:`PLACEHOLDERS` are allowed (no ``{name.attr}``, no format specs), so
filling in with :meth:`str.format_map` cannot reach anything else.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conversations.languages import LanguageTable

#: What a broadcast text may contain, and what fills it.
PLACEHOLDERS = {
    "name": "the name she wants to be called (a neutral greeting word if she gave none)",
    "org": "the organisation's name",
}
#: The last language of every fallback chain.
LAST_RESORT = "en"
#: Audience segments a file or the command line may name.
SEGMENTS = ("courses", "towns", "languages", "interests", "telegram_groups")
#: A broadcast text must fit one WhatsApp session message (and a template variable).
MAX_TEXT = 1000


class BroadcastError(ValueError):
    """A coordinator's broadcast request that cannot be done; the message says why."""


@dataclass(frozen=True)
class Draft:
    """What a coordinator's announcement file says."""

    texts: dict[str, str]
    audience: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    organisation: str | None = None
    urgent: bool = False


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in ``text``; ``BroadcastError`` for broken braces or fancy forms."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise BroadcastError(f"broken braces ({error}); write {{{{ for a literal brace") from error
    names = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise BroadcastError(f"placeholder {{{name}}} must be a plain name like {{name}}")
        names.append(name)
    return names


def check_texts(texts: Mapping[str, str], languages: LanguageTable) -> None:
    """Every language known, every text non-empty and short enough, every placeholder known."""
    if not texts:
        raise BroadcastError("the broadcast has no text")
    for code, text in texts.items():
        if languages.get(code) is None:
            known = ", ".join(lang.code for lang in languages.languages)
            raise BroadcastError(f"unknown language code {code!r} (known: {known})")
        if not str(text).strip():
            raise BroadcastError(f"the {code} text is empty")
        if len(text) > MAX_TEXT:
            raise BroadcastError(
                f"the {code} text has {len(text)} characters (at most {MAX_TEXT})"
            )
        unknown = [n for n in placeholders_in(text) if n not in PLACEHOLDERS]
        if unknown:
            allowed = ", ".join(f"{{{n}}}" for n in PLACEHOLDERS)
            raise BroadcastError(
                f"unknown placeholder {{{unknown[0]}}} in the {code} text (allowed: {allowed})"
            )


def choose_language(
    texts: Mapping[str, str], her: str | None, default: str, languages: LanguageTable
) -> str | None:
    """The language of the text she gets: hers, her catalog's (Dari → Persian), the
    organisation's default, English; ``None`` if none of them has a text."""
    chain: list[str | None] = [her]
    known = languages.get(her)
    if known is not None:
        chain.append(known.catalog)
    chain += [default, LAST_RESORT]
    for code in chain:
        if code and code in texts:
            return code
    return None


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its (already checked) placeholders filled in."""
    return text.format_map(dict(values))


def read_draft(path: Path) -> Draft:
    """Read an announcement file: ``texts`` (language → text), optional ``audience``,
    ``title``, ``organisation``, ``urgent``; or just language codes at the top level."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise BroadcastError(f"{path}: cannot read it: {error}") from error
    except UnicodeDecodeError as error:
        raise BroadcastError(f"{path}: not UTF-8; save it as UTF-8 text") from error
    except RecursionError as error:
        raise BroadcastError(f"{path}: nested too deeply to be an announcement") from error
    if not isinstance(data, dict):
        raise BroadcastError(f"{path}: expected a mapping of language codes to texts")
    texts = data.get("texts")
    if texts is None:  # the short form: one text per language code, nothing else
        texts = data
        data = {}
    if not isinstance(texts, dict) or not all(isinstance(v, str) for v in texts.values()):
        raise BroadcastError(f"{path}: 'texts' must map language codes to texts")
    audience = data.get("audience") or {}
    if not isinstance(audience, dict):
        raise BroadcastError(f"{path}: 'audience' must be a mapping")
    urgent = data.get("urgent", False)
    if urgent is not None and not isinstance(urgent, bool):
        # A quoted 'no' or "false" is a non-empty string: never let it mean "urgent".
        raise BroadcastError(f"{path}: 'urgent' is true or false (without quotes)")
    return Draft(
        texts={str(k): v.strip() for k, v in texts.items()},
        audience=normalise_audience(audience),
        title=str(data.get("title") or ""),
        organisation=None if data.get("organisation") is None else str(data["organisation"]),
        urgent=bool(urgent),
    )


def normalise_audience(audience: Mapping[str, Any]) -> dict[str, Any]:
    """Segment lists as lists of strings; unknown segment names are an error."""
    result: dict[str, Any] = {}
    for key, value in audience.items():
        if key == "all":
            result["all"] = bool(value)
            continue
        if key == "match":
            if value not in ("any", "all"):
                raise BroadcastError("audience 'match' is 'any' (the default) or 'all'")
            result["match"] = value
            continue
        if key not in SEGMENTS:
            raise BroadcastError(
                f"unknown audience segment {key!r} (known: all, match, {', '.join(SEGMENTS)})"
            )
        if value is None:  # "towns:" with nothing after it names nobody
            continue
        values = value if isinstance(value, list) else [value]
        if values:
            result[key] = sorted({str(v) for v in values})
    return result


def merge_audience(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """The union of two audiences (the file's and the command line's)."""
    merged = dict(base)
    for key, value in extra.items():
        if key == "all":
            merged["all"] = bool(merged.get("all")) or bool(value)
        elif key == "match":
            merged["match"] = value
        elif value:
            merged[key] = sorted(set(merged.get(key, [])) | set(value))
    return merged
