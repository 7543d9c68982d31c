"""WhatsApp templates: what Twilio says about each configured template, and what is missing.

The staff page (:mod:`.pages`), ``twc templates status`` (:mod:`.cli`), the daily job and the
flows check (:mod:`.flowcheck`) share this service.

* :meth:`TemplateService.refresh` asks Twilio's Content API (:mod:`.client`) for the WhatsApp
  approval of every Content SID in the template file and stores the answers in
  ``whatsapp_template_status`` (one row per SID: deployment-wide, nothing personal).  When
  Twilio cannot be reached nothing is overwritten: the page keeps showing the last answers
  with their date.
* :meth:`TemplateService.overview` builds, for one organisation, the table of every kind of
  message the bot starts (:mod:`.kinds`) × every language it offers or its people speak:
  the Content SID, Twilio's status, and for a missing language which template goes instead
  (the organisation's default language, as the WhatsApp channel does) or that the message
  waits as "needs template", with the number of people it concerns: active people of the
  organisation with a reachable WhatsApp identity who speak that language (no language set
  counts as the organisation's default language).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select

from bot.channels.whatsapp.templates import TemplateBook
from bot.db.tables import identities, organisations, people, whatsapp_template_status
from bot.features.wa_templates.client import (
    UNKNOWN,
    Approval,
    ApprovalSource,
    TwilioApprovals,
    TwilioUnavailableError,
)
from bot.features.wa_templates.kinds import MessageKind, bot_started_kinds
from bot.settings import Settings
from bot.staff import audit
from conversations.languages import LanguageTable

log = logging.getLogger(__name__)

REFRESH_ACTION = "whatsapp_templates.refresh"
#: Statuses that mean "this template will not go out" (shown as a problem).
BROKEN = frozenset({"rejected", "paused", "disabled", UNKNOWN, "unsubmitted"})


@dataclass(frozen=True, slots=True)
class StoredStatus:
    """One row of ``whatsapp_template_status``."""

    content_sid: str
    name: str
    status: str
    category: str
    rejection_reason: str
    checked_at: datetime


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    """What a refresh did: how many SIDs it checked, or why Twilio could not be asked."""

    checked: int
    at: datetime
    failure: TwilioUnavailableError | None = None
    statuses: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass(frozen=True, slots=True)
class Cell:
    """One kind in one language."""

    language: str
    content_sid: str | None
    """Configured for exactly this language (``None``: missing)."""
    status: StoredStatus | None
    """What Twilio last said (``None``: not checked yet or no template)."""
    fallback_language: str | None
    """Missing here: the language whose template she gets instead (``None``: none, held)."""
    people: int
    """Active people of the organisation on WhatsApp who speak this language."""

    @property
    def missing(self) -> bool:
        return self.content_sid is None

    @property
    def broken(self) -> bool:
        """Configured, but Twilio says it will not go out (rejected, paused, unknown …)."""
        return self.status is not None and self.status.status in BROKEN


@dataclass(frozen=True, slots=True)
class KindRow:
    kind: MessageKind
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class Gap:
    """A kind without its own template in a language people speak."""

    kind: MessageKind
    language: str
    people: int
    fallback_language: str | None


@dataclass(frozen=True, slots=True)
class Overview:
    """The templates page of one organisation."""

    organisation_id: int
    name: str
    default_language: str
    languages: tuple[str, ...]
    """Offered (or all, when the organisation limits none), then others her people speak."""
    rows: tuple[KindRow, ...]
    gaps: tuple[Gap, ...]
    unusable: tuple[tuple[MessageKind, Cell], ...]
    """Configured, but Twilio says it will not go out (rejected, paused, unknown …)."""
    people_by_language: dict[str, int]
    last_checked: datetime | None


class TemplateService:
    """The templates of one deployment: the template file, Twilio, the status table."""

    def __init__(
        self,
        db: Engine,
        settings: Settings,
        clock: Callable[[], datetime],
        languages: LanguageTable,
        source: ApprovalSource | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.languages = languages
        self._source = source

    # ---- configuration -------------------------------------------------------------------

    @property
    def configured(self) -> bool:
        """Twilio credentials are set (the Content API needs the account SID and token)."""
        return bool(self.settings.twilio_account_sid and self.settings.twilio_auth_token)

    def book(self) -> TemplateBook:
        """The template file as it is now (read per call: it is small and may be edited);
        raises :class:`TemplateConfigError` for a broken file."""
        return TemplateBook.load(self.settings.twilio_templates)

    def source(self) -> ApprovalSource:
        if self._source is None:
            assert self.settings.twilio_account_sid
            assert self.settings.twilio_auth_token
            self._source = TwilioApprovals(
                self.settings.twilio_account_sid,
                self.settings.twilio_auth_token,
                self.settings.twilio_api_url,
            )
        return self._source

    @staticmethod
    def content_sids(book: TemplateBook) -> list[str]:
        """Every configured Content SID once, in file order."""
        seen: dict[str, None] = {}
        for by_language in book.templates.values():
            for template in by_language.values():
                seen.setdefault(template.content_sid)
        return list(seen)

    # ---- Twilio --------------------------------------------------------------------------

    def refresh(
        self, actor: str | None = None, organisation_ids: Iterable[int] = ()
    ) -> RefreshOutcome:
        """Ask Twilio about every configured SID and store the answers.

        All or nothing: when Twilio cannot be reached for one SID, nothing is stored (the
        page keeps the previous answers and says how old they are).  With ``actor`` the
        refresh is audited once per organisation in ``organisation_ids`` (whose staff asked).
        """
        now = self.clock()
        book = self.book()
        sids = self.content_sids(book)
        answers: list[Approval] = []
        failure: TwilioUnavailableError | None = None
        if sids:
            source = self.source()
            try:
                answers = [source.approval(sid) for sid in sids]
            except TwilioUnavailableError as error:
                failure = error
                answers = []
        with self.db.begin() as conn:
            for answer in answers:
                self._store(conn, answer, now)
            if actor is not None:
                details = {
                    "checked": len(answers),
                    "failed": failure.reason if failure else None,
                }
                for organisation_id in sorted(set(organisation_ids)):
                    audit.record(
                        conn, now, actor, REFRESH_ACTION, details, organisation_id=organisation_id
                    )
        if failure is not None:
            log.warning("whatsapp templates: twilio not reachable (%s)", failure.reason)
        else:
            log.info("whatsapp templates: %d checked", len(answers))
        return RefreshOutcome(
            len(answers), now, failure, {a.content_sid: a.status for a in answers}
        )

    @staticmethod
    def _store(conn: Connection, answer: Approval, now: datetime) -> None:
        """Insert or overwrite one SID's row (an upsert: two refreshes at once both succeed,
        the later answer stays)."""
        values = {
            "content_sid": answer.content_sid,
            "name": answer.name,
            "status": answer.status,
            "category": answer.category,
            "rejection_reason": answer.rejection_reason,
            "checked_at": now,
        }
        table = whatsapp_template_status
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            pg = pg_insert(table).values(**values)
            conn.execute(
                pg.on_conflict_do_update(
                    index_elements=[table.c.content_sid],
                    set_={k: pg.excluded[k] for k in values if k != "content_sid"},
                )
            )
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            lite = sqlite_insert(table).values(**values)
            conn.execute(
                lite.on_conflict_do_update(
                    index_elements=[table.c.content_sid],
                    set_={k: lite.excluded[k] for k in values if k != "content_sid"},
                )
            )

    def statuses(self) -> dict[str, StoredStatus]:
        """Every stored status by Content SID."""
        table = whatsapp_template_status
        with self.db.connect() as conn:
            rows = conn.execute(
                select(
                    table.c.content_sid,
                    table.c.name,
                    table.c.status,
                    table.c.category,
                    table.c.rejection_reason,
                    table.c.checked_at,
                )
            ).all()
        return {row.content_sid: StoredStatus(*row) for row in rows}

    # ---- the table per organisation --------------------------------------------------------

    def organisation_languages(self, offered: Iterable[str]) -> list[str]:
        """What the organisation offers, or every language of the bot's menu."""
        chosen = [code for code in offered if code]
        return chosen or [language.code for language in self.languages.menu]

    def people_by_language(
        self, conn: Connection, organisation_id: int, default: str
    ) -> dict[str, int]:
        """Active people of the organisation reachable on WhatsApp, counted by language."""
        rows = conn.execute(
            select(people.c.language, func.count(func.distinct(people.c.id)))
            .join(identities, identities.c.person_id == people.c.id)
            .where(
                people.c.organisation_id == organisation_id,
                people.c.status == "active",
                identities.c.channel == "whatsapp",
                identities.c.status == "ok",
            )
            .group_by(people.c.language)
        ).all()
        counts: dict[str, int] = {}
        for code, count in rows:
            key = str(code or default)  # no language chosen: she gets the default one
            counts[key] = counts.get(key, 0) + int(count)
        return counts

    def overview(self, organisation_id: int, book: TemplateBook | None = None) -> Overview | None:
        """The kinds × languages table of one organisation (``None``: no such organisation)."""
        book = book if book is not None else self.book()
        with self.db.connect() as conn:
            org = conn.execute(
                select(
                    organisations.c.name,
                    organisations.c.default_language,
                    organisations.c.languages,
                ).where(organisations.c.id == organisation_id)
            ).first()
            if org is None:
                return None
            counts = self.people_by_language(conn, organisation_id, org.default_language)
        statuses = self.statuses()
        return build_overview(
            organisation_id,
            org.name,
            org.default_language,
            self.organisation_languages(org.languages or ()),
            counts,
            book,
            statuses,
        )


def build_overview(
    organisation_id: int,
    name: str,
    default_language: str,
    offered: list[str],
    counts: dict[str, int],
    book: TemplateBook,
    statuses: dict[str, StoredStatus],
) -> Overview:
    """The table from plain data (also what the flows check uses)."""
    languages = list(dict.fromkeys([default_language, *offered]))
    languages += sorted(code for code in counts if code not in languages)
    rows: list[KindRow] = []
    gaps: list[Gap] = []
    unusable: list[tuple[MessageKind, Cell]] = []
    checked: list[datetime] = []
    for kind in bot_started_kinds(book.kinds):
        by_language = book.templates.get(kind.kind, {})
        cells = []
        for code in languages:
            own = by_language.get(code)
            fallback = None
            if own is None:
                found = book.find(kind.kind, code, default_language)
                fallback = found.language if found is not None else None
            status = statuses.get(own.content_sid) if own is not None else None
            if status is not None:
                checked.append(status.checked_at)
            cell = Cell(
                code,
                own.content_sid if own else None,
                status,
                fallback,
                counts.get(code, 0),
            )
            cells.append(cell)
            if cell.broken:
                unusable.append((kind, cell))
            if cell.missing and (cell.people or code in offered or code == default_language):
                gaps.append(Gap(kind, code, cell.people, fallback))
        rows.append(KindRow(kind, tuple(cells)))
    gaps.sort(key=lambda gap: (-gap.people, gap.kind.kind, gap.language))
    return Overview(
        organisation_id,
        name,
        default_language,
        tuple(languages),
        tuple(rows),
        tuple(gaps),
        tuple(unusable),
        counts,
        max(checked) if checked else None,
    )


__all__ = [
    "BROKEN",
    "REFRESH_ACTION",
    "Cell",
    "Gap",
    "KindRow",
    "Overview",
    "RefreshOutcome",
    "StoredStatus",
    "TemplateService",
    "build_overview",
]
