"""The introduction's nudge kinds: what a due ``mentoring_ask`` or ``mentoring_relay`` says.

Each row becomes a :class:`~conversations.events.TriggerIn` into ``flows/intro.yaml`` whose
values are already in the recipient's language (the other woman's first name, town, language
names via Babel, topic names from the catalog), or ``skipped`` when the match has moved on
from the state the message belongs to (a reminder after she answered, a relayed message
after the match ended).  Only what the double opt-in allows is read: before both said yes,
first name, town, languages and topics; a relayed text or address is decrypted here, just
before it goes into the (encrypted) outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from bot.db.tables import mentor_matches, mentor_profiles, mentoring_requests, nudges, people
from bot.db.types import cipher
from bot.features.mentoring import states
from bot.features.mentoring.proposals import ASK, RELAY
from bot.features.mentoring.topics import topic_names
from bot.nudges.kinds import Built, ClaimedNudge, NudgeEnv, NudgeKind
from conversations.events import TriggerIn
from conversations.i18n import Catalogs
from conversations.languages import Language, LanguageTable
from conversations.system_texts import LIST_SEPARATOR

SKIPPED = "skipped"
#: Outside WhatsApp's 24-hour window these go as approved templates (the trigger names them).
INTRODUCTION_TEMPLATE = "introduction"
MESSAGE_TEMPLATE = "mentor_message"
#: The state each step belongs to: the nudge is skipped once the match left it.
_ASKING = {"intro", "reminder"}
_WHILE_ACTIVE = {"contact", "met", "met_again", "checkin"}
_TARGETS = {
    "contact": "intro.contact_ask",
    "met": "intro.met",
    "met_again": "intro.met",
    "checkin": "intro.checkin",
    "declined": "intro.not_this_time",
    "ended": "intro.partner_ended",
}


def first_name(name: str | None) -> str:
    """The first word of the name she gave (all the other woman learns of it)."""
    return (name or "").split()[0] if (name or "").split() else ""


def language_names(codes: Sequence[str | None], catalogs: Catalogs, to: Language) -> str:
    """The languages ``codes`` named in the language ``to`` (Babel), in order, once each."""
    names: list[str] = []
    for code in codes:
        language = catalogs.languages.get(code)
        if language is None:
            continue
        own = language.babel_locale.language
        name = to.babel_locale.languages.get(own) or language.name
        if name not in names:
            names.append(name)
    return catalogs.translate(to, LIST_SEPARATOR).join(names)


def _match(conn: Connection, match_id: Any) -> Any:
    try:
        wanted = int(match_id)
    except (TypeError, ValueError):
        return None
    return conn.execute(select(mentor_matches).where(mentor_matches.c.id == wanted)).first()


def _person(conn: Connection, person_id: int) -> Any:
    return conn.execute(
        select(people.c.display_name, people.c.town, people.c.language).where(
            people.c.id == person_id
        )
    ).first()


def _about(
    conn: Connection, match: Any, side: str, catalogs: Catalogs, to: Language
) -> dict[str, str]:
    """What the woman on ``side`` is told about the other: first name, town, languages,
    topics (the participant's wish for a mentor; the mentor's topics for a participant)."""
    separator = catalogs.translate(to, LIST_SEPARATOR)
    if side == states.MENTOR:
        other = _person(conn, match.participant_id)
        request = conn.execute(
            select(mentoring_requests.c.language, mentoring_requests.c.topics).where(
                mentoring_requests.c.id == match.request_id
            )
        ).first()
        spoken = [other.language, request.language if request else None]
        topics = list(request.topics or []) if request else []
    else:
        other = _person(conn, match.mentor_id)
        profile = conn.execute(
            select(mentor_profiles.c.languages, mentor_profiles.c.topics).where(
                mentor_profiles.c.person_id == match.mentor_id
            )
        ).first()
        spoken = list(profile.languages or []) if profile else []
        topics = list(profile.topics or []) if profile else []
    return {
        "name": first_name(other.display_name),
        "town": other.town or "–",
        "languages": language_names(spoken, catalogs, to) or "–",
        "topics": separator.join(topic_names(catalogs, to, topics)) or "–",
    }


def _language(row: ClaimedNudge, languages: LanguageTable) -> Language:
    language = languages.get(row.language) or languages.get(languages.master)
    assert language is not None
    return language


def ask_event(conn: Connection, row: ClaimedNudge, env: NudgeEnv) -> Built:
    """One question of a match to one side, or ``skipped``."""
    match = _match(conn, row.payload.get("match_id"))
    side, step = str(row.payload.get("side")), str(row.payload.get("step"))
    if step == "gone":  # the other woman erased herself: her match went with her
        name = cipher().decrypt(str(row.payload.get("name", "")))
        _unseal(conn, row)
        return TriggerIn(
            "intro.partner_gone", {"match_id": row.payload.get("match_id"), "name": name}
        )
    if step == "gone_asked":
        return TriggerIn("intro.not_this_time", {"match_id": row.payload.get("match_id")})
    if match is None or row.person_id != _side_id(match, side):
        return SKIPPED
    to = _language(row, env.languages)
    values: dict[str, Any] = {"match_id": match.id}
    if step in _ASKING:
        if match.status != f"asking_{side}":
            return SKIPPED
        values.update(_about(conn, match, side, env.catalogs, to))
        values["template"] = INTRODUCTION_TEMPLATE
        suffix = "ask" if step == "intro" else "reminder"
        return TriggerIn(f"intro.{side}_{suffix}", values)
    target = _TARGETS.get(step.split(":")[0])
    if target is None:
        return SKIPPED
    base = step.split(":")[0]
    if base in _WHILE_ACTIVE and match.status != states.ACTIVE:
        return SKIPPED
    if base == "met_again" and match.met_at is not None:
        return SKIPPED
    if base == "declined" and match.status not in (
        states.DECLINED,
        states.LAPSED,
        states.TAKEN_BACK,
    ):
        return SKIPPED
    if base == "ended" and match.status != states.ENDED:
        return SKIPPED
    if base != "declined":  # "not this time" names nobody
        values["name"] = _about(conn, match, side, env.catalogs, to)["name"]
    return TriggerIn(target, values)


def relay_event(conn: Connection, row: ClaimedNudge, env: NudgeEnv) -> Built:
    """A relayed message (or shared address) from the other side, or ``skipped`` once the
    match is no longer active.  Either way the sealed text leaves the nudge row now: from
    here on only the outbox holds it (encrypted, and emptied once sent)."""
    _unseal(conn, row)
    match = _match(conn, row.payload.get("match_id"))
    sender = str(row.payload.get("side"))
    if match is None or match.status != states.ACTIVE:
        return SKIPPED
    receiver = states.PARTICIPANT if sender == states.MENTOR else states.MENTOR
    if row.person_id != _side_id(match, receiver):
        return SKIPPED
    to = _language(row, env.languages)
    name = _about(conn, match, receiver, env.catalogs, to)["name"]
    if "contact" in row.payload:
        text = cipher().decrypt(str(row.payload["contact"]))
        target = "intro.shared_contact"
    else:
        text = cipher().decrypt(str(row.payload.get("text", "")))
        target = "intro.relayed"
    return TriggerIn(
        target, {"match_id": match.id, "name": name, "text": text, "template": MESSAGE_TEMPLATE}
    )


def _unseal(conn: Connection, row: ClaimedNudge) -> None:
    kept = {k: v for k, v in row.payload.items() if k not in ("text", "contact", "name")}
    conn.execute(update(nudges).where(nudges.c.id == row.id).values(payload=kept))


def _side_id(match: Any, side: str) -> int | None:
    if side == states.MENTOR:
        return int(match.mentor_id)
    if side == states.PARTICIPANT:
        return int(match.participant_id)
    return None


def _asks(conn: Connection, rows: Sequence[ClaimedNudge], env: NudgeEnv) -> list[Built]:
    return [ask_event(conn, row, env) for row in rows]


def _relays(conn: Connection, rows: Sequence[ClaimedNudge], env: NudgeEnv) -> list[Built]:
    return [relay_event(conn, row, env) for row in rows]


ASK_KIND = NudgeKind(ASK, build=_asks, quiet=True)
RELAY_KIND = NudgeKind(RELAY, build=_relays)

__all__ = ["ASK_KIND", "RELAY_KIND", "ask_event", "language_names", "relay_event"]
