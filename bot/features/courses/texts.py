"""What the bot tells enrolled participants when a coordinator moves, cancels or changes a
session, and the "practical facts" lines every session message carries.

German master texts in plain language; translated in ``locales/*/LC_MESSAGES/twc.po``.  Neutral
wording: a phone is often shared in the family.  Short lines, one idea each, an emoji in front
as a visual anchor: many women read little, and childcare and the way there are what decides
whether she can come.
"""

from __future__ import annotations

from conversations.i18n import Catalogs
from conversations.languages import Language, LanguageTable
from conversations.texts import msg, with_neutral

SESSION_MOVED = with_neutral(
    msg(
        "course.session_moved",
        "📅 Neuer Termin: {course}\n"
        "Der Termin am {old_day} um {old_time} ist verschoben.\n"
        "🗓️ Neu: {day}, um {time}\n"
        "📍 Wo: {place}\n"
        "{facts}\n"
        "Noch einmal: {day}, {time}.",
    ),
    msg(
        "course.session_moved.neutral",
        "📅 Neuer Termin: {course}\n"
        "Der Termin am {old_day} um {old_time} ist verschoben.\n"
        "🗓️ Neu: {day}, um {time}\n"
        "📍 Wo: {place}\n"
        "Noch einmal: {day}, {time}.",
    ),
)
SESSION_CANCELLED = msg(
    "course.session_cancelled",
    "❌ Der Termin fällt aus: {course}\n"
    "🗓️ {day}, um {time}\n"
    "Bitte kommen Sie an diesem Tag nicht.\n"
    "Wir sagen Ihnen Bescheid, wenn es einen neuen Termin gibt.",
)
SESSION_PLACE_CHANGED = with_neutral(
    msg(
        "course.session_place_changed",
        "📍 Neuer Ort: {course}\n"
        "🗓️ {day}, um {time}\n"
        "Der Termin ist jetzt an einem anderen Ort.\n"
        "📍 Neu: {place}\n"
        "{facts}\n"
        "Die Zeit bleibt gleich.",
    ),
    msg(
        "course.session_place_changed.neutral",
        "📍 Neuer Ort: {course}\n"
        "🗓️ {day}, um {time}\n"
        "Der Termin ist jetzt an einem anderen Ort.\n"
        "📍 Neu: {place}\n"
        "Die Zeit bleibt gleich.",
    ),
)

#: The practical facts, one line each, only the lines that apply (see :func:`practical_facts`).
#: The bus or train line needs no text of its own ("🚌 Bus 31"): its name is the same in every
#: language.
FACT_CHILDCARE = msg("course.fact_childcare", "👶 Kinderbetreuung: ja")
FACT_STOP = msg("course.fact_stop", "🚏 Haltestelle: {stop}")
FACT_DIRECTIONS = msg("course.fact_directions", "🧭 Weg: {directions}")

ALL_COURSE_TEXTS = (
    SESSION_MOVED,
    SESSION_CANCELLED,
    SESSION_PLACE_CHANGED,
    FACT_CHILDCARE,
    FACT_STOP,
    FACT_DIRECTIONS,
)


def practical_facts(
    catalogs: Catalogs,
    language: Language | None,
    *,
    childcare: bool,
    line: str | None = "",
    stop: str | None = "",
    directions: str | None = "",
) -> str:
    """The lines that say whether there is childcare and how to get there, in her language.

    Only the lines that apply: no "childcare: no", no empty "stop:" (an empty string when
    nothing applies; the texts that carry ``{facts}`` then use their neutral variant).  The
    directions are shown as the coordinator wrote them.
    """
    lines = []
    if childcare:
        lines.append(catalogs.render(language, FACT_CHILDCARE))
    if line and line.strip():
        lines.append(f"🚌 {line.strip()}")
    if stop and stop.strip():
        lines.append(catalogs.render(language, FACT_STOP, stop=stop.strip()))
    if directions and directions.strip():
        lines.append(catalogs.render(language, FACT_DIRECTIONS, directions=directions.strip()))
    return "\n".join(lines)


_LOADED: dict[int, tuple[LanguageTable, Catalogs]] = {}


def catalogs_for(languages: LanguageTable) -> Catalogs:
    """The bot texts' catalogs for ``languages``, read once per language table.

    The reminder sweep is given the language table only (``NudgeEnv``); the facts lines are
    bot texts, so they need the catalogs too.
    """
    found = _LOADED.get(id(languages))
    if found is not None and found[0] is languages:
        return found[1]
    catalogs = Catalogs.load(languages)
    _LOADED[id(languages)] = (languages, catalogs)
    return catalogs
