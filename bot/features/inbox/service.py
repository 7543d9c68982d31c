"""The inbox, as staff use it: threads of an organisation, reading, replying, notes, closing.

Her side is written by the turn (``bot.turns.inbox``): what she writes while a conversation
with a person is open, her "talk to a person" question, a voice note or photo, "I can't come:
childcare".  This service is the team's side.  Every method takes the logged-in staff member
and refuses a thread (or person) of an organisation she is not a member of with
:class:`LookupError`, exactly as for an id that does not exist (the pages answer 404 to both).
Every action on a thread is written to ``audit_log`` with her as the actor.

A reply travels like every message of the bot: an outbox row (kind ``team_reply``, reply
priority) on her channel, sent by the dispatcher.  On WhatsApp outside the 24-hour window only
an approved template may go: the ``team_reply`` template ("You have a reply from {org}: answer
anything to read it") goes at once, and the reply itself waits as a ``held`` row that her next
message releases (``bot.turns.writer``).  Closing hands her back to the bot: she is told so in
her language, with the menu (a :class:`~conversations.events.BackFromTeamIn` turn, in the same
transaction).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.db.tables import (
    identities,
    inbox_messages,
    inbox_threads,
    media,
    organisations,
    outbox,
    people,
    quick_replies,
    staff,
)
from bot.features.inbox.texts import REPLY_WAITING, TEAM_REPLY, TEAM_REPLY_TRANSLATED
from bot.features.inbox.translate import TranslationError, Translator
from bot.outbox.rows import REPLY_PRIORITY, Outbox, OutboxRow
from bot.staff.audit import record
from conversations.events import BackFromTeamIn
from conversations.flow_engine import FlowEngine
from conversations.texts import Text

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.turns.service import TurnService

log = logging.getLogger(__name__)

#: The kind of a team's reply in the outbox (and of its WhatsApp template).
TEAM_REPLY_KIND = "team_reply"
#: WhatsApp lets free text go only this long after her last message.
WHATSAPP_WINDOW = timedelta(hours=24)
#: How far back the bot's own messages are shown with a thread (before it opened).
BOT_CONTEXT = timedelta(hours=24)
#: Longest reply, note or quick reply a staff member may write.
MAX_TEXT = 4000


class Staff(Protocol):
    """Who acts (``bot.staff.principal.StaffUser``): what the inbox needs of her."""

    @property
    def id(self) -> int: ...
    @property
    def language(self) -> str: ...
    @property
    def organisation_ids(self) -> frozenset[int]: ...
    @property
    def actor(self) -> str: ...


class ClosedThreadError(ValueError):
    """The conversation was closed: open a new one (``start_with``) to write to her."""


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    """One line of the inbox list."""

    id: int
    organisation_id: int
    person_id: int
    name: str
    language: str | None
    town: str | None
    channel: str | None
    status: str
    reason: str
    opened_at: datetime
    waiting_since: datetime | None
    last_message_at: datetime
    assigned_staff_id: int | None
    assigned_name: str | None
    timezone: str
    urgent: bool = False
    """She reported a problem (e.g. with her mentor): shown first and marked "urgent"."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a thread as staff see it, in time order.

    ``direction``: ``in`` (hers), ``out`` (the team's), ``note`` (staff only) or ``bot`` (the
    bot's own messages, from the outbox: their text only while it is still kept)."""

    at: datetime
    direction: str
    text: str | None
    translation: str | None = None
    translation_language: str | None = None
    media_kind: str | None = None
    media_url: str | None = None
    message_id: int | None = None
    """The inbox entry's id (``None`` for the bot's own messages): its file is at
    ``/staff/inbox/media/<message_id>``."""
    media_type: str | None = None
    """The file's content type as recorded when she sent it (``None``: no file was kept)."""
    staff_name: str | None = None
    kind: str | None = None
    status: str | None = None
    """For a team's reply or a bot message: the outbox row's status (``sent``, ``held``, …)."""
    delivery_status: str | None = None
    """What the platform reported (``delivered``, ``read``, …)."""
    count: int = 1
    """For the bot's messages whose text is no longer kept: how many in a row this entry
    stands for (``kinds``: of which kinds), so that a whole onboarding is one line."""
    kinds: tuple[str, ...] = ()


def fold_untold(entries: list[Entry]) -> list[Entry]:
    """Consecutive bot messages without their text become one entry with a count.

    A message's text is dropped once the platform has it (``bot.outbox.rows``): a row per
    message would be a wall of "text not kept" lines around the few that matter.
    """
    folded: list[Entry] = []
    for entry in entries:
        last = folded[-1] if folded else None
        if (
            entry.direction == "bot"
            and not entry.text
            and last is not None
            and last.direction == "bot"
            and not last.text
        ):
            kinds = last.kinds + tuple(k for k in (entry.kind,) if k and k not in last.kinds)
            folded[-1] = replace(last, count=last.count + 1, kinds=kinds, status=entry.status)
        elif entry.direction == "bot" and not entry.text:
            folded.append(replace(entry, kinds=(entry.kind,) if entry.kind else ()))
        else:
            folded.append(entry)
    return folded


@dataclass(frozen=True, slots=True)
class ThreadView:
    """A thread with its exchange, as the conversation page shows it."""

    thread: ThreadSummary
    entries: list[Entry]
    close_note: str | None
    translation: str
    """``on`` (translated where needed), ``off`` (no server configured), ``failed``."""


@dataclass(frozen=True, slots=True)
class QuickReply:
    """A saved answer, with a text per language."""

    id: int
    organisation_id: int
    title: str
    texts: Mapping[str, str]

    def text_for(self, language: str | None, fallback: str = "de") -> str:
        """Its text in ``language``, else in ``fallback``, else any."""
        for code in (language, fallback):
            if code and self.texts.get(code):
                return self.texts[code]
        return next(iter(self.texts.values()), "")


@dataclass
class Inbox:
    """The team's side of the inbox (see the module docstring)."""

    db: Engine
    turns: TurnService
    flow_engine: FlowEngine
    clock: Callable[[], datetime]
    wake: Callable[[], None] = lambda: None
    translator: Translator | None = None
    outbox: Outbox = field(init=False)

    def __post_init__(self) -> None:
        self.outbox = Outbox(self.db.dialect.name)

    @classmethod
    def from_runtime(cls, runtime: Runtime, translator: Translator | None = None) -> Inbox:
        """The inbox of a running bot (translation if ``TWC_TRANSLATE_URL`` is set)."""
        settings = runtime.settings
        if translator is None and settings.translate_url:
            translator = shared_translator(settings.translate_url, settings.translate_api_key)
        return cls(
            runtime.db,
            runtime.turns,
            runtime.flow_engine,
            runtime.clock,
            runtime.dispatcher.wake,
            translator,
        )

    @property
    def translates(self) -> bool:
        """Whether a translation server is configured."""
        return self.translator is not None

    # ---- reading --------------------------------------------------------------------------

    def threads(
        self, who: Staff, status: str = "open", order: str = "newest", limit: int = 200
    ) -> list[ThreadSummary]:
        """Her organisations' threads: urgent ones first, then ``newest`` first (last message)
        or ``waiting`` longest first (those waiting for an answer before the others)."""
        query = self._summary_query(who).where(inbox_threads.c.status == status)
        if order == "waiting":
            query = query.order_by(
                inbox_threads.c.urgent.desc(),
                inbox_threads.c.waiting_since.is_(None),
                inbox_threads.c.waiting_since,
                inbox_threads.c.id,
            )
        else:
            query = query.order_by(
                inbox_threads.c.urgent.desc(),
                inbox_threads.c.last_message_at.desc(),
                inbox_threads.c.id,
            )
        with self.db.connect() as conn:
            return [_summary(row) for row in conn.execute(query.limit(limit)).mappings()]

    def count_waiting(self, who: Staff) -> int:
        """Open threads whose last word is hers (for the navigation badge)."""
        query = select(func.count()).where(
            inbox_threads.c.status == "open",
            inbox_threads.c.waiting_since.is_not(None),
            inbox_threads.c.organisation_id.in_(sorted(who.organisation_ids)),
        )
        with self.db.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def summary(self, who: Staff, thread_id: int) -> ThreadSummary:
        """One thread's line (``LookupError`` if it is not hers to see)."""
        with self.db.connect() as conn:
            return self._summary_of(conn, who, thread_id)

    def thread(self, who: Staff, thread_id: int, translate: bool = True) -> ThreadView:
        """The thread with the recent exchange in time order: hers, the team's, notes, and
        the bot's messages since a day before it opened.  Her messages are translated into
        the staff member's language (kept, so each is translated once per language)."""
        with self.db.connect() as conn:
            summary = self._summary_of(conn, who, thread_id)
            close_note = conn.execute(
                select(inbox_threads.c.close_note).where(inbox_threads.c.id == thread_id)
            ).scalar_one()
            rows = list(
                conn.execute(
                    select(
                        inbox_messages.c.id,
                        inbox_messages.c.created_at,
                        inbox_messages.c.direction,
                        inbox_messages.c.text,
                        inbox_messages.c.translation,
                        inbox_messages.c.translation_language,
                        inbox_messages.c.media_kind,
                        media.c.url.label("media_url"),
                        media.c.content_type.label("media_type"),
                        staff.c.display_name.label("staff_name"),
                        outbox.c.status.label("outbox_status"),
                        outbox.c.delivery_status,
                    )
                    .outerjoin(media, media.c.id == inbox_messages.c.media_id)
                    .outerjoin(staff, staff.c.id == inbox_messages.c.staff_id)
                    .outerjoin(outbox, outbox.c.id == inbox_messages.c.outbox_id)
                    .where(inbox_messages.c.thread_id == thread_id)
                    .order_by(inbox_messages.c.created_at, inbox_messages.c.id)
                ).mappings()
            )
            bot_rows = list(
                conn.execute(
                    select(
                        outbox.c.created_at,
                        outbox.c.kind,
                        outbox.c.payload,
                        outbox.c.status,
                        outbox.c.delivery_status,
                    )
                    .where(
                        outbox.c.person_id == summary.person_id,
                        outbox.c.kind != TEAM_REPLY_KIND,
                        outbox.c.created_at >= summary.opened_at - BOT_CONTEXT,
                    )
                    .order_by(outbox.c.id)
                    .limit(200)
                ).mappings()
            )
        state = "off" if self.translator is None else "on"
        translated: dict[int, str] = {}
        target = who.language
        if translate and self.translator is not None:
            for row in rows:
                if (
                    row["direction"] == "in"
                    and row["text"]
                    and row["translation_language"] != target
                    and summary.language != target
                ):
                    try:
                        translated[row["id"]] = self.translator.translate(row["text"], target)
                    except TranslationError as error:
                        log.warning("inbox: %s", error)
                        state = "failed"
                        break
            if translated:
                with self.turns.write_transaction() as conn:
                    conn.execute(
                        update(inbox_messages)
                        .where(inbox_messages.c.id == bindparam("m_id"))
                        .values(translation=bindparam("m_text"), translation_language=target),
                        [{"m_id": k, "m_text": v} for k, v in translated.items()],
                    )
        entries = [
            Entry(
                at=row["created_at"],
                direction=row["direction"],
                text=row["text"],
                translation=translated.get(row["id"], row["translation"]),
                translation_language=target
                if row["id"] in translated
                else row["translation_language"],
                media_kind=row["media_kind"],
                media_url=row["media_url"],
                message_id=row["id"],
                media_type=row["media_type"],
                staff_name=row["staff_name"],
                status=row["outbox_status"],
                delivery_status=row["delivery_status"],
            )
            for row in rows
        ]
        entries += [
            Entry(
                at=row["created_at"],
                direction="bot",
                text=(row["payload"] or {}).get("text"),
                kind=row["kind"],
                status=row["status"],
                delivery_status=row["delivery_status"],
            )
            for row in bot_rows
        ]
        entries.sort(key=lambda e: e.at)
        return ThreadView(summary, fold_untold(entries), close_note, state)

    # ---- acting ---------------------------------------------------------------------------

    def assign(self, who: Staff, thread_id: int) -> None:
        """Take the thread: she answers it."""
        with self.turns.write_transaction() as conn:
            summary = self._summary_of(conn, who, thread_id)
            conn.execute(
                update(inbox_threads)
                .where(inbox_threads.c.id == thread_id)
                .values(assigned_staff_id=who.id)
            )
            self._audit(conn, who, "inbox.assign", summary)

    def note(self, who: Staff, thread_id: int, text: str) -> int:
        """An internal note: staff see it, she never does."""
        text = _clean(text)
        with self.turns.write_transaction() as conn:
            summary = self._summary_of(conn, who, thread_id)
            now = self.clock()
            note_id = conn.execute(
                insert(inbox_messages).returning(inbox_messages.c.id),
                {
                    "thread_id": thread_id,
                    "person_id": summary.person_id,
                    "direction": "note",
                    "text": text,
                    "staff_id": who.id,
                    "created_at": now,
                },
            ).scalar_one()
            self._audit(conn, who, "inbox.note", summary)
        return int(note_id)

    def translate_reply(self, who: Staff, thread_id: int, text: str) -> str:
        """``text`` in her language (for a preview), or :class:`TranslationError`."""
        summary = self.summary(who, thread_id)
        if self.translator is None:
            raise TranslationError("no translation server is configured")
        return self.translator.translate(_clean(text), summary.language or "de", who.language)

    def reply(self, who: Staff, thread_id: int, text: str, translate: bool = False) -> int:
        """Send her a reply on her channel; returns the inbox message's id.

        ``translate``: she gets it translated into her language with the original below it
        (marked as translated).  A thread that was closed refuses (:class:`ClosedThreadError`).
        """
        text = _clean(text)
        summary = self.summary(who, thread_id)
        if summary.status != "open":
            raise ClosedThreadError("the conversation is closed")
        translation = None
        if translate and summary.language and summary.language != who.language:
            if self.translator is None:
                raise TranslationError("no translation server is configured")
            translation = self.translator.translate(text, summary.language, who.language)
        with self.turns.write_transaction() as conn:
            summary = self._summary_of(conn, who, thread_id)
            if summary.status != "open":
                raise ClosedThreadError("the conversation is closed")
            message_id = self._send(conn, who, summary, text, translation)
            self._audit(conn, who, "inbox.reply", summary)
        self.wake()
        return message_id

    def close(self, who: Staff, thread_id: int, note: str | None = None) -> None:
        """Close the conversation (with an optional internal note): she is back with the bot
        and told so in her language, with the menu."""
        note = _clean(note) if note and note.strip() else None
        with self.turns.write_transaction() as conn:
            summary = self._summary_of(conn, who, thread_id)
            if summary.status != "open":
                return
            now = self.clock()
            conn.execute(
                update(inbox_threads)
                .where(inbox_threads.c.id == thread_id)
                .values(
                    status="closed",
                    closed_at=now,
                    closed_by_staff_id=who.id,
                    close_note=note,
                    waiting_since=None,
                )
            )
            conn.execute(
                update(people).where(people.c.id == summary.person_id).values(with_team_since=None)
            )
            # On WhatsApp a day after her last message the notice could not go (it would
            # wait as "needs a template" on the dashboard): she is put back quietly, and
            # her next message meets the bot.
            tell = not self._outside_window(conn, summary.person_id, now)
            self.turns.fire_batch_in(
                conn,
                [(summary.person_id, BackFromTeamIn(tell), f"inbox-close:{thread_id}", 0)],
                finish=False,
            )
            self._audit(conn, who, "inbox.close", summary)
        self.wake()

    def start_with(self, who: Staff, person_id: int) -> int:
        """Her open thread, or a new one the team starts (she is then with the team: what she
        writes goes to them).  ``LookupError`` for someone who is not the staff member's to
        see or has not consented (nothing may be kept about her)."""
        with self.turns.write_transaction() as conn:
            person = conn.execute(
                select(
                    people.c.id,
                    people.c.organisation_id,
                    people.c.language,
                    people.c.consent_given_at,
                ).where(
                    people.c.id == person_id,
                    people.c.organisation_id.in_(sorted(who.organisation_ids)),
                )
            ).first()
            if person is None or person.consent_given_at is None:
                raise LookupError(person_id)
            existing = conn.execute(
                select(inbox_threads.c.id).where(
                    inbox_threads.c.person_id == person_id, inbox_threads.c.status == "open"
                )
            ).scalar()
            if existing is not None:
                return int(existing)
            now = self.clock()
            channel = conn.execute(
                select(identities.c.channel)
                .where(identities.c.person_id == person_id)
                .order_by(identities.c.last_inbound_at.desc().nulls_last(), identities.c.id)
                .limit(1)
            ).scalar()
            try:
                with conn.begin_nested():  # she may have written meanwhile (PostgreSQL)
                    thread_id = self._open_for_staff(conn, who, person, channel, now)
            except IntegrityError:
                return int(
                    conn.execute(
                        select(inbox_threads.c.id).where(
                            inbox_threads.c.person_id == person_id,
                            inbox_threads.c.status == "open",
                        )
                    ).scalar_one()
                )
            conn.execute(
                update(people)
                .where(people.c.id == person_id)
                .values(with_team_since=func.coalesce(people.c.with_team_since, now))
            )
            summary = self._summary_of(conn, who, int(thread_id))
            self._audit(conn, who, "inbox.start", summary)
        return int(thread_id)

    def _open_for_staff(
        self, conn: Connection, who: Staff, person: Any, channel: str | None, now: datetime
    ) -> int:
        return int(
            conn.execute(
                insert(inbox_threads).returning(inbox_threads.c.id),
                {
                    "organisation_id": person.organisation_id,
                    "person_id": person.id,
                    "status": "open",
                    "reason": "staff",
                    "language": person.language,
                    "channel": channel,
                    "opened_at": now,
                    "waiting_since": None,
                    "last_message_at": now,
                    "assigned_staff_id": who.id,
                    "notified_at": now,  # the team started it: nobody needs telling
                },
            ).scalar_one()
        )

    def open_thread_of(self, who: Staff, person_id: int) -> tuple[int | None, str]:
        """Her open thread's id (``None``: none) and her name; ``LookupError`` if she is not
        the staff member's to see or has not consented."""
        with self.db.connect() as conn:
            person = conn.execute(
                select(people.c.display_name, people.c.consent_given_at).where(
                    people.c.id == person_id,
                    people.c.organisation_id.in_(sorted(who.organisation_ids)),
                )
            ).first()
            if person is None or person.consent_given_at is None:
                raise LookupError(person_id)
            found = conn.execute(
                select(inbox_threads.c.id).where(
                    inbox_threads.c.person_id == person_id, inbox_threads.c.status == "open"
                )
            ).scalar()
        return (None if found is None else int(found)), person.display_name or ""

    # ---- quick replies ---------------------------------------------------------------------

    def quick_replies(self, who: Staff, organisation_id: int | None = None) -> list[QuickReply]:
        """The saved answers of her organisations (or of one of them)."""
        wanted = sorted(who.organisation_ids)
        if organisation_id is not None:
            wanted = [o for o in wanted if o == organisation_id]
        with self.db.connect() as conn:
            return [
                QuickReply(r.id, r.organisation_id, r.title, dict(r.texts or {}))
                for r in conn.execute(
                    select(quick_replies)
                    .where(quick_replies.c.organisation_id.in_(wanted))
                    .order_by(quick_replies.c.title, quick_replies.c.id)
                )
            ]

    def save_quick_reply(
        self, who: Staff, organisation_id: int, title: str, texts: Mapping[str, str]
    ) -> int:
        """A new saved answer (a title, a text per language code)."""
        if organisation_id not in who.organisation_ids:
            raise LookupError(organisation_id)
        title = _clean(title)[:200]
        cleaned = {str(k): _clean(v) for k, v in texts.items() if v and v.strip()}
        if not cleaned:
            raise ValueError("a quick reply needs a text")
        with self.turns.write_transaction() as conn:
            reply_id = conn.execute(
                insert(quick_replies).returning(quick_replies.c.id),
                {
                    "organisation_id": organisation_id,
                    "title": title,
                    "texts": cleaned,
                    "created_at": self.clock(),
                },
            ).scalar_one()
            record(
                conn,
                self.clock(),
                who.actor,
                "inbox.quick_reply.save",
                {"organisation": organisation_id, "quick_reply": int(reply_id)},
                organisation_id=organisation_id,
            )
        return int(reply_id)

    def delete_quick_reply(self, who: Staff, reply_id: int) -> None:
        """Remove a saved answer of one of her organisations."""
        with self.turns.write_transaction() as conn:
            organisation_id = conn.execute(
                select(quick_replies.c.organisation_id).where(
                    quick_replies.c.id == reply_id,
                    quick_replies.c.organisation_id.in_(sorted(who.organisation_ids)),
                )
            ).scalar()
            if organisation_id is None:
                raise LookupError(reply_id)
            conn.execute(delete(quick_replies).where(quick_replies.c.id == reply_id))
            record(
                conn,
                self.clock(),
                who.actor,
                "inbox.quick_reply.delete",
                {"quick_reply": reply_id},
                organisation_id=organisation_id,
            )

    # ---- helpers ---------------------------------------------------------------------------

    def _summary_query(self, who: Staff) -> Any:
        assigned = staff.alias("assigned")
        return (
            select(
                inbox_threads.c.id,
                inbox_threads.c.organisation_id,
                inbox_threads.c.person_id,
                people.c.display_name,
                people.c.language.label("person_language"),
                inbox_threads.c.language,
                people.c.town,
                inbox_threads.c.channel,
                inbox_threads.c.status,
                inbox_threads.c.reason,
                inbox_threads.c.opened_at,
                inbox_threads.c.waiting_since,
                inbox_threads.c.last_message_at,
                inbox_threads.c.assigned_staff_id,
                assigned.c.display_name.label("assigned_name"),
                organisations.c.timezone,
                inbox_threads.c.urgent,
            )
            .join(people, people.c.id == inbox_threads.c.person_id)
            .join(organisations, organisations.c.id == inbox_threads.c.organisation_id)
            .outerjoin(assigned, assigned.c.id == inbox_threads.c.assigned_staff_id)
            .where(inbox_threads.c.organisation_id.in_(sorted(who.organisation_ids)))
        )

    def _summary_of(self, conn: Connection, who: Staff, thread_id: int) -> ThreadSummary:
        row = (
            conn.execute(self._summary_query(who).where(inbox_threads.c.id == thread_id))
            .mappings()
            .first()
        )
        if row is None:
            raise LookupError(thread_id)
        return _summary(row)

    def _outside_window(self, conn: Connection, person_id: int, now: datetime) -> bool:
        """Whether the channel she last wrote on is WhatsApp with its 24-hour window shut."""
        last = conn.execute(
            select(identities.c.channel, identities.c.last_inbound_at)
            .where(identities.c.person_id == person_id)
            .order_by(identities.c.last_inbound_at.desc().nulls_last(), identities.c.id)
            .limit(1)
        ).first()
        return (
            last is not None
            and last.channel == "whatsapp"
            and (last.last_inbound_at is None or now - last.last_inbound_at >= WHATSAPP_WINDOW)
        )

    def _send(
        self,
        conn: Connection,
        who: Staff,
        summary: ThreadSummary,
        text: str,
        translation: str | None,
    ) -> int:
        """The outbox row(s) of a reply and its inbox message, in the caller's transaction."""
        now = self.clock()
        target = conn.execute(
            select(
                identities.c.id,
                identities.c.channel,
                identities.c.last_inbound_at,
                people.c.language,
                organisations.c.name.label("org"),
                organisations.c.default_language,
            )
            .join(people, people.c.id == identities.c.person_id)
            .join(organisations, organisations.c.id == people.c.organisation_id)
            .where(identities.c.person_id == summary.person_id)
            .order_by(identities.c.last_inbound_at.desc().nulls_last(), identities.c.id)
            .limit(1)
        ).first()
        if target is None:
            raise LookupError(summary.id)
        languages = self.flow_engine.languages
        language = (
            languages.get(target.language)
            or languages.get(target.default_language)
            or languages.get(languages.master)
        )
        assert language is not None
        if translation is not None:
            body = self._render(
                TEAM_REPLY_TRANSLATED,
                language,
                org=target.org,
                translation=translation,
                original=text,
            )
        else:
            body = self._render(TEAM_REPLY, language, org=target.org, text=text)
        payload = {"text": body, "choices": [], "language": language.code, "rtl": language.rtl}
        key = f"inbox:{summary.id}:{secrets.token_hex(8)}"
        rows = []
        outside = self._outside_window(conn, summary.person_id, now)
        if outside:
            # The approved template now; the reply itself as soon as she writes.
            waiting = self._render(REPLY_WAITING, language, org=target.org)
            rows.append(
                OutboxRow(
                    f"{key}:template",
                    target.channel,
                    {**payload, "text": waiting, "values": {"org": target.org}},
                    now,
                    now,
                    kind=TEAM_REPLY_KIND,
                    priority=REPLY_PRIORITY,
                    person_id=summary.person_id,
                    identity_id=target.id,
                )
            )
        carrier = OutboxRow(
            key,
            target.channel,
            {**payload, "values": {"org": target.org}},
            now,
            now,
            kind=TEAM_REPLY_KIND,
            priority=REPLY_PRIORITY,
            person_id=summary.person_id,
            identity_id=target.id,
            status="held" if outside else "pending",
        )
        rows.append(carrier)
        self.outbox.enqueue(conn, rows)
        outbox_id = conn.execute(
            select(outbox.c.id).where(outbox.c.idempotency_key == key)
        ).scalar_one()
        message_id = conn.execute(
            insert(inbox_messages).returning(inbox_messages.c.id),
            {
                "thread_id": summary.id,
                "person_id": summary.person_id,
                "direction": "out",
                "text": text,
                "translation": translation,
                "translation_language": language.code if translation is not None else None,
                "staff_id": who.id,
                "outbox_id": outbox_id,
                "created_at": now,
            },
        ).scalar_one()
        conn.execute(
            update(inbox_threads)
            .where(inbox_threads.c.id == summary.id)
            .values(
                waiting_since=None,
                last_message_at=now,
                assigned_staff_id=func.coalesce(inbox_threads.c.assigned_staff_id, who.id),
            )
        )
        # A person answered: from now on what she writes goes to the team (a thread opened
        # without handing her chat over, "I'm interested" in a job offer, connects her now).
        conn.execute(
            update(people)
            .where(people.c.id == summary.person_id)
            .values(with_team_since=func.coalesce(people.c.with_team_since, now))
        )
        return int(message_id)

    def _render(self, message: Text, language: Any, **values: object) -> str:
        catalogs = self.flow_engine.catalogs
        return catalogs.fill(language, catalogs.translate(language, message), dict(values))

    def _audit(self, conn: Connection, who: Staff, action: str, summary: ThreadSummary) -> None:
        record(
            conn,
            self.clock(),
            who.actor,
            action,
            {"thread": summary.id, "people": [summary.person_id]},
            organisation_id=summary.organisation_id,
        )


def _summary(row: Any) -> ThreadSummary:
    return ThreadSummary(
        id=row["id"],
        organisation_id=row["organisation_id"],
        person_id=row["person_id"],
        name=row["display_name"] or "",
        language=row["language"] or row["person_language"],
        town=row["town"],
        channel=row["channel"],
        status=row["status"],
        reason=row["reason"],
        opened_at=row["opened_at"],
        waiting_since=row["waiting_since"],
        last_message_at=row["last_message_at"],
        assigned_staff_id=row["assigned_staff_id"],
        assigned_name=row["assigned_name"],
        timezone=row["timezone"],
        urgent=bool(row["urgent"]),
    )


def _clean(text: str | None) -> str:
    """A staff member's text, trimmed; empty or too long is refused (``ValueError``)."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise ValueError("empty text")
    if len(cleaned) > MAX_TEXT:
        raise ValueError(f"longer than {MAX_TEXT} characters")
    return cleaned


_TRANSLATORS: dict[tuple[str, str | None], Translator] = {}


def shared_translator(url: str, api_key: str | None) -> Translator:
    """One client per server and process (its connections are reused)."""
    key = (url, api_key)
    if key not in _TRANSLATORS:
        _TRANSLATORS[key] = Translator(url, api_key)
    return _TRANSLATORS[key]


__all__ = [
    "TEAM_REPLY_KIND",
    "ClosedThreadError",
    "Entry",
    "Inbox",
    "QuickReply",
    "Staff",
    "ThreadSummary",
    "ThreadView",
]
