"""Who a broadcast reaches: the union of its segments, each person once, minus those it must
not reach (with the reason, so the coordinator sees them counted, not silently dropped).

Segments select people of the broadcast's organisation: ``all``, ``courses`` (enrolled, by
course code), ``towns``, ``languages``, ``interests``; ``telegram_groups`` are group chats
(one post each, in the organisation's language), not people.  A person in any segment is in
(``match: any``, the default); with ``match: all`` she must be in every kind of segment named
("Arabic speakers in Hoya": ``languages: [ar], towns: [Hoya], match: all``).  A person's
channel is the working identity she last wrote from.  People are read with one query and
identities with another, then sorted out here: fine for tens of thousands of people.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from bot.consent.checks import with_consent
from bot.db.tables import courses, enrolments, identities, people, telegram_groups
from bot.features.broadcasts.compose import BroadcastError, choose_language
from conversations.consent import MESSAGES
from conversations.languages import LanguageTable

#: Why someone in the audience does not get the broadcast.
OPTED_OUT = "opted_out"
NO_CONSENT = "no_consent"
UNREACHABLE = "unreachable"
NO_TEXT = "no_text"
#: Her only working channels are not set up in this deployment (no Twilio credentials, so no
#: WhatsApp): counted and named, never queued for a dispatcher that cannot send them.
NOT_CONFIGURED = "channel_not_configured"
#: Every reason, in the order reports list them.
REASONS = (OPTED_OUT, NO_CONSENT, UNREACHABLE, NOT_CONFIGURED, NO_TEXT)


@dataclass(frozen=True, slots=True)
class Identity:
    """One of her channel identities, as audience resolution needs it."""

    id: int
    channel: str
    status: str
    last_inbound_at: datetime | None


#: Whether a message in a language can reach her on an identity now (WhatsApp's 24-hour
#: window and templates); ``None`` means every working identity can.
CanReach = Callable[[Identity, str], bool]


@dataclass(frozen=True, slots=True)
class Recipient:
    """One person who gets the broadcast, and how."""

    person_id: int
    identity_id: int
    channel: str
    language: str | None
    """Her own language (what she chose)."""
    text_language: str
    """The language of the text she gets (hers, or a fallback)."""
    name: str | None
    other_identities: tuple[tuple[int, str], ...] = ()
    """Her other working identities (id, channel): a follow-up may go there."""
    reachable: bool = True
    """``False``: WhatsApp outside the 24-hour window with no template, and no other channel:
    her row will be ``needs_template``."""
    last_inbound_at: datetime | None = None
    """When she last wrote from the chosen identity (WhatsApp's 24-hour window)."""


@dataclass(frozen=True, slots=True)
class Excluded:
    """One person in the audience who does not get it."""

    person_id: int
    language: str | None
    channel: str | None
    reason: str


@dataclass
class Audience:
    """The resolved audience: recipients (each person once), exclusions, group chats."""

    recipients: list[Recipient] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    unconfigured_groups: list[str] = field(default_factory=list)
    """Named Telegram groups left out because Telegram is not set up in this deployment."""


def check_audience(
    conn: Connection,
    organisation_id: int,
    audience: Mapping[str, Any],
    languages: LanguageTable,
) -> None:
    """An audience must name someone, and named languages, courses and groups must exist."""
    named = [k for k in audience if k not in ("all", "match") and audience[k]]
    if not audience.get("all") and not named:
        raise BroadcastError(
            "choose an audience: everyone (--all) or a course, town, language, interest, group"
        )
    unknown = [code for code in audience.get("languages", []) if languages.get(code) is None]
    if unknown:
        raise BroadcastError(f"unknown language {unknown[0]!r} in the audience")
    wanted = set(audience.get("courses", []))
    if wanted:
        found = set(
            conn.execute(
                select(courses.c.code).where(
                    courses.c.code.in_(wanted), courses.c.organisation_id == organisation_id
                )
            ).scalars()
        )
        if wanted - found:
            raise BroadcastError(f"no course {sorted(wanted - found)[0]!r} in this organisation")
    chats = set(audience.get("telegram_groups", []))
    if chats:
        found = set(_groups(conn, organisation_id, chats))
        if chats - found:
            raise BroadcastError(
                f"the bot is not in a Telegram group {sorted(chats - found)[0]!r} "
                "of this organisation"
            )


def resolve(
    conn: Connection,
    organisation_id: int,
    audience: Mapping[str, Any],
    texts: Mapping[str, str],
    default_language: str,
    languages: LanguageTable,
    can_reach: CanReach | None = None,
    configured: Collection[str] | None = None,
) -> Audience:
    """Everyone the audience names, each once, sorted into recipients and exclusions.

    Her channel is the working identity she last wrote from, unless the message cannot reach
    her there now (``can_reach``) and it can on another of hers.  ``configured``: the channels
    this deployment can send on (``None``: every one); someone reachable only on others is
    excluded as :data:`NOT_CONFIGURED`, and so are Telegram groups without Telegram.
    """
    members = _members(conn, organisation_id, audience)
    agreed = with_consent(conn, [m["id"] for m in members], MESSAGES)
    channels = _identities(conn, [m["id"] for m in members])
    groups = _groups(conn, organisation_id, audience.get("telegram_groups", []))
    result = Audience()
    if configured is None or "telegram" in configured:
        result.groups = groups
    else:
        result.unconfigured_groups = groups
    for member in members:
        person_id, language = member["id"], member["language"]
        alive = [i for i in channels.get(person_id, []) if i.status == "ok"]
        working = [i for i in alive if configured is None or i.channel in configured]
        reason = None
        if member["status"] == "opted_out":
            reason = OPTED_OUT
        elif not _consented(member, agreed):
            reason = NO_CONSENT
        elif alive and not working:
            reason = NOT_CONFIGURED
        elif not working:
            stopped = any(i.status == "opted_out" for i in channels.get(person_id, []))
            reason = OPTED_OUT if stopped else UNREACHABLE
        text_language = choose_language(texts, language, default_language, languages)
        if reason is None and text_language is None:
            reason = NO_TEXT
        if reason is not None or text_language is None:
            first = alive if reason == NOT_CONFIGURED else channels.get(person_id, [])
            channel = first[0].channel if first else None
            result.excluded.append(Excluded(person_id, language, channel, reason or NO_TEXT))
            continue
        able = [i for i in working if can_reach is None or can_reach(i, text_language)]
        chosen = (able or working)[0]
        result.recipients.append(
            Recipient(
                person_id,
                chosen.id,
                chosen.channel,
                language,
                text_language,
                member["display_name"],
                tuple((i.id, i.channel) for i in working if i is not chosen),
                reachable=bool(able),
                last_inbound_at=chosen.last_inbound_at,
            )
        )
    return result


def _consented(member: Mapping[str, Any], agreed: set[int]) -> bool:
    """Active, signed up, and agreeing to messages now (not withdrawn, not declined)."""
    return (
        member["status"] == "active"
        and member["consent_given_at"] is not None
        and member["id"] in agreed
    )


def _members(
    conn: Connection, organisation_id: int, audience: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The people the segments name (their union), in id order."""
    rows = [
        dict(r)
        for r in conn.execute(
            select(
                people.c.id,
                people.c.language,
                people.c.display_name,
                people.c.town,
                people.c.interests,
                people.c.status,
                people.c.consent_given_at,
            )
            .where(people.c.organisation_id == organisation_id)
            .order_by(people.c.id)
        ).mappings()
    ]
    if audience.get("all"):
        return rows
    in_course: set[int] = set()
    if audience.get("courses"):
        in_course = set(
            conn.execute(
                select(enrolments.c.person_id)
                .join(courses, courses.c.id == enrolments.c.course_id)
                .where(
                    courses.c.code.in_(audience["courses"]),
                    courses.c.organisation_id == organisation_id,
                )
            ).scalars()
        )
    towns = {t.casefold() for t in audience.get("towns", [])}
    wanted_languages = set(audience.get("languages", []))
    interests = set(audience.get("interests", []))
    tests: list[Callable[[Mapping[str, Any]], bool]] = []
    if audience.get("courses"):
        tests.append(lambda row: row["id"] in in_course)
    if towns:
        tests.append(lambda row: (row["town"] or "").casefold() in towns)
    if wanted_languages:
        tests.append(lambda row: row["language"] in wanted_languages)
    if interests:
        tests.append(lambda row: bool(interests & set(row["interests"] or [])))
    combine = all if audience.get("match") == "all" else any
    return [row for row in rows if tests and combine(test(row) for test in tests)]


def _identities(conn: Connection, person_ids: list[int]) -> dict[int, list[Identity]]:
    """Each person's identities, the one she last wrote from first."""
    found: dict[int, list[Identity]] = {}
    for start in range(0, len(person_ids), 900):  # stay below SQLite's bound-parameter limit
        chunk = person_ids[start : start + 900]
        for row in conn.execute(
            select(
                identities.c.id,
                identities.c.person_id,
                identities.c.channel,
                identities.c.status,
                identities.c.last_inbound_at,
            )
            .where(identities.c.person_id.in_(chunk))
            .order_by(
                identities.c.person_id,
                identities.c.last_inbound_at.desc().nulls_last(),
                identities.c.id,
            )
        ):
            found.setdefault(row.person_id, []).append(
                Identity(row.id, row.channel, row.status, row.last_inbound_at)
            )
    return found


def _groups(conn: Connection, organisation_id: int, chats: Any) -> list[str]:
    """The chat ids of the named groups the bot is still a member of."""
    wanted = [str(c) for c in chats]
    if not wanted:
        return []
    return sorted(
        conn.execute(
            select(telegram_groups.c.chat_id).where(
                telegram_groups.c.chat_id.in_(wanted),
                telegram_groups.c.organisation_id == organisation_id,
                telegram_groups.c.status == "member",
            )
        ).scalars()
    )
