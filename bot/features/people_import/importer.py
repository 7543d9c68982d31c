"""Import the list of people a coordinator already has (``twc people import FILE.csv``).

Columns (header names are matched loosely: case, spaces and underscores do not matter):
``name``, ``language``, ``town``, ``whatsapp number``, ``telegram chat id``,
``date of consent given on paper``, ``consent purposes``, ``interests``, ``course``.  Comma,
semicolon and tab separated files all work (a spreadsheet saved in German uses semicolons).

* Phone numbers are parsed with :mod:`phonenumbers` in the organisation's default region
  (``--region``, else derived from the organisation's time zone, else ``DE``) and stored as
  E.164 in the WhatsApp address form ``whatsapp:+49…``; a Telegram address is the chat id.
* Every bad row is reported with its line number and reason; the good rows are imported.
* Idempotent: a person is found by the pseudonymous lookup key of any of her channel
  addresses (the same key :class:`~bot.turns.service.TurnService` uses), so a
  second run finds everyone and changes nothing.  A row repeating an address of an earlier row
  of the same file is reported as a duplicate.
* Consent given on paper is recorded in ``consent_records`` (channel ``paper``, wording version
  ``paper``, the date given), one record per purpose; such a person is ``active``.  Which
  purposes the form covered is the ``consent purposes`` column (``messages, mentoring``; names
  from ``conversations.consent``; ``profile`` is implied by the date); without that column the
  paper form is taken to cover :data:`PAPER_PURPOSES`.  Only people whose paper covers
  ``messages`` get reminders, check-ins or broadcasts.  Without a date she is imported with
  status ``new`` and is never sent anything the bot starts (reminders, check-ins) — the
  scheduler only schedules for ``active`` people with a consent time.
* The whole import is one transaction: ``--dry-run`` runs every check and write, then rolls
  back, so it reports exactly what a real run would do.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import Connection, Engine, insert, select

from bot.db.tables import (
    audit,
    consents,
    courses,
    enrolments,
    identities,
    organisations,
    people,
    sessions,
)
from bot.features.courses import schedule_session
from bot.identity import lookup_key
from conversations.consent import MESSAGES, PROFILE, PURPOSES, unknown_purposes
from conversations.languages import LanguageTable
from conversations.matching import clean_text

#: Header spellings → the column each stands for.
COLUMNS = {
    "name": "name",
    "language": "language",
    "sprache": "language",
    "town": "town",
    "ort": "town",
    "whatsappnumber": "whatsapp",
    "whatsapp": "whatsapp",
    "phone": "whatsapp",
    "telegramchatid": "telegram",
    "telegram": "telegram",
    "dateofconsentgivenonpaper": "consent",
    "consentdate": "consent",
    "consent": "consent",
    "consentpurposes": "purposes",
    "purposes": "purposes",
    "zwecke": "purposes",
    "interests": "interests",
    "course": "course",
    "kurs": "course",
}
#: Interests the onboarding flow knows (``onboarding.ask_interests``).
INTERESTS = ("course", "mentor", "jobs", "meet")
#: Country of an organisation's time zone, for parsing national phone numbers.
REGION_OF_TIMEZONE = {
    "Europe/Berlin": "DE",
    "Europe/Vienna": "AT",
    "Europe/Rome": "IT",
    "Europe/Lisbon": "PT",
    "Asia/Nicosia": "CY",
    "Europe/Nicosia": "CY",
    "Europe/Athens": "GR",
    "Europe/Zurich": "CH",
}
DEFAULT_REGION = "DE"
PAPER = "paper"
#: What paper consent covers when the file does not say (no ``consent purposes`` column):
#: the organisation's paper form asks for both, the profile and messages.
PAPER_PURPOSES = (PROFILE, MESSAGES)
#: ASCII digits only: ``\d`` also takes "٣٤٥", which Telegram never sends as a chat id.
_TELEGRAM_ID = re.compile(r"^-?[0-9]{1,20}$")
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y")


class PeopleImportError(ValueError):
    """The file as a whole cannot be imported (no header, unknown organisation …)."""


@dataclass
class Problem:
    """A row that was not imported, and why."""

    line: int
    reason: str


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    rows: int = 0
    created: list[int] = field(default_factory=list)
    existing: list[int] = field(default_factory=list)
    enrolled: int = 0
    reminders: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": len(self.created),
            "existing": len(self.existing),
            "enrolled": self.enrolled,
            "reminders_scheduled": self.reminders,
            "problems": [{"line": p.line, "reason": p.reason} for p in self.problems],
            "dry_run": self.dry_run,
        }


@dataclass
class _Row:
    line: int
    name: str
    language: str
    town: str | None
    addresses: list[tuple[str, str]]
    consent: date | None
    purposes: tuple[str, ...]
    interests: list[str]
    course: str | None


class RowError(ValueError):
    """One row's problem (the message is the reason shown to the coordinator)."""


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The columns found and every data row with its line number.

    A file that is not UTF-8 (a spreadsheet's "CSV" in its old Windows encoding) or that the
    csv module cannot read (a field beyond its size limit) is a :class:`PeopleImportError`
    that says which line and what to do, never a traceback."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise PeopleImportError(
            f"{path}: line {line} is not UTF-8; save the file as 'CSV UTF-8'"
        ) from error
    try:
        return _read_rows(path, text)
    except csv.Error as error:
        raise PeopleImportError(f"{path}: the file cannot be read as CSV ({error})") from error


def _read_rows(path: Path, text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        dialect: Any = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        raise PeopleImportError(f"{path}: empty file")
    columns = [COLUMNS.get(re.sub(r"[\s_\-]", "", h.lower()), "") for h in header]
    if "name" not in columns or not {"whatsapp", "telegram"} & set(columns):
        raise PeopleImportError(
            f"{path}: the header needs at least 'name' and 'whatsapp number' or "
            f"'telegram chat id' (found: {', '.join(header)})"
        )
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        record = {c: v.strip() for c, v in zip(columns, values, strict=False) if c}
        rows.append((reader.line_num, record))
    return [c for c in columns if c], rows


def parse_phone(raw: str, region: str) -> str:
    """A phone number as E.164 (``+4917612345678``), or :class:`RowError`."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise RowError(f"bad phone number {raw!r}") from error
    if not phonenumbers.is_valid_number(number):
        raise RowError(f"bad phone number {raw!r} (not a valid number for {region})")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_date(raw: str, today: date) -> date:
    """``2026-11-20`` or ``20.11.2026`` → a date not in the future, or :class:`RowError`."""
    for fmt in _DATE_FORMATS:
        try:
            found = datetime.strptime(raw, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
        if found > today:
            raise RowError(f"consent date {raw!r} is in the future")
        return found
    raise RowError(f"bad consent date {raw!r} (write YYYY-MM-DD or DD.MM.YYYY)")


def _one_line(text: str) -> str:
    """A name or town as the chat would store it: no control characters or bidi marks (a
    pasted cell can carry them), one line, single spaces."""
    return " ".join(clean_text(text).split())


def parse_row(
    line: int,
    record: dict[str, str],
    region: str,
    languages: LanguageTable,
    default_language: str,
    known_courses: Iterable[str],
    today: date,
) -> _Row:
    """Check one row; :class:`RowError` names its first problem."""
    name = _one_line(record.get("name", ""))
    if not name:
        raise RowError("no name")
    language_text = record.get("language", "")
    if language_text:
        by_name = {lang.name.lower(): lang for lang in languages.languages}
        language = languages.get(language_text) or by_name.get(language_text.lower())
        if language is None:
            raise RowError(f"unknown language {language_text!r}")
        language_code = language.code
    else:
        language_code = default_language
    addresses = []
    if record.get("whatsapp"):
        addresses.append(("whatsapp", "whatsapp:" + parse_phone(record["whatsapp"], region)))
    if record.get("telegram"):
        chat = record["telegram"]
        if not _TELEGRAM_ID.fullmatch(chat) or int(chat) == 0:
            raise RowError(f"bad telegram chat id {chat!r} (digits only)")
        # As Telegram writes it ("007" is 7), so her lookup key matches when she writes.
        addresses.append(("telegram", str(int(chat))))
    if not addresses:
        raise RowError("no channel at all (neither WhatsApp number nor Telegram chat id)")
    consent = parse_date(record["consent"], today) if record.get("consent") else None
    purposes = parse_purposes(record.get("purposes"), consent)
    interests = [
        i.strip().lower() for i in re.split(r"[;,/]", record.get("interests", "")) if i.strip()
    ]
    unknown = [i for i in interests if i not in INTERESTS]
    if unknown:
        raise RowError(f"unknown interest {unknown[0]!r} (known: {', '.join(INTERESTS)})")
    course = record.get("course") or None
    if course is not None and course not in set(known_courses):
        raise RowError(f"unknown course {course!r}")
    return _Row(
        line,
        name,
        language_code,
        _one_line(record.get("town", "")) or None,
        addresses,
        consent,
        purposes,
        interests,
        course,
    )


def parse_purposes(raw: str | None, consent: date | None) -> tuple[str, ...]:
    """The purposes the paper consent covers: ``profile`` and those the cell lists.

    ``None`` (no such column) means the usual paper form (:data:`PAPER_PURPOSES`); an empty
    cell means the profile alone.
    """
    if raw is None:
        return PAPER_PURPOSES if consent else ()
    named = [p.strip().lower() for p in re.split(r"[;,/\s]+", raw) if p.strip()]
    unknown = unknown_purposes(named)
    if unknown:
        raise RowError(f"unknown consent purpose {unknown[0]!r} (known: {', '.join(PURPOSES)})")
    if named and consent is None:
        raise RowError("consent purposes without the date of consent given on paper")
    return tuple(dict.fromkeys([PROFILE, *named])) if consent else ()


@dataclass
class PeopleImporter:
    """Imports a CSV file into one organisation."""

    db: Engine
    secret_key: str
    languages: LanguageTable
    clock: Callable[[], datetime]
    actor: str = "cli"

    def run(
        self,
        path: Path,
        organisation: str,
        region: str | None = None,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        """Import ``path``; ``progress(done, total)`` is called after every row."""
        _columns, records = read_rows(path)
        now = self.clock()
        report = ImportReport(rows=len(records), dry_run=dry_run)
        with self.db.connect() as conn:
            transaction = conn.begin()
            try:
                self._import(conn, records, organisation, region, now, report, progress)
            except BaseException:
                transaction.rollback()
                raise
            if dry_run:
                transaction.rollback()
            else:
                transaction.commit()
        return report

    def _import(
        self,
        conn: Connection,
        records: list[tuple[int, dict[str, str]]],
        organisation: str,
        region: str | None,
        now: datetime,
        report: ImportReport,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        org = conn.execute(
            select(
                organisations.c.id, organisations.c.timezone, organisations.c.default_language
            ).where(organisations.c.slug == organisation)
        ).first()
        if org is None:
            raise PeopleImportError(f"no organisation {organisation!r}")
        region = (region or REGION_OF_TIMEZONE.get(org.timezone, DEFAULT_REGION)).upper()
        course_ids: dict[str, int] = dict(
            conn.execute(
                select(courses.c.code, courses.c.id).where(courses.c.organisation_id == org.id)
            )
            .tuples()
            .all()
        )
        today = now.astimezone(ZoneInfo(org.timezone)).date()
        seen: dict[str, int] = {}  # lookup key → the line that brought it
        enrolled_now: dict[int, list[int]] = {}  # course id → people
        for done, (line, record) in enumerate(records, start=1):
            try:
                row = parse_row(
                    line,
                    record,
                    region,
                    self.languages,
                    org.default_language,
                    course_ids,
                    today,
                )
                keys = [lookup_key(self.secret_key, ch, addr) for ch, addr in row.addresses]
                earlier = [seen[k] for k in keys if k in seen]
                if earlier:
                    raise RowError(f"duplicate of line {earlier[0]}")
                person_id = self._person(conn, row, keys, org, now, report)
                for key in keys:
                    seen[key] = line
                if row.course is not None:
                    course_id = course_ids[row.course]
                    if self._enrol(conn, course_id, person_id, now):
                        enrolled_now.setdefault(course_id, []).append(person_id)
                        report.enrolled += 1
            except RowError as error:
                report.problems.append(Problem(line, str(error)))
            if progress is not None:
                progress(done, len(records))
        for course_id, person_ids in enrolled_now.items():
            coming = conn.execute(
                select(sessions.c.id).where(
                    sessions.c.course_id == course_id,
                    sessions.c.status != "cancelled",
                    sessions.c.starts_at > now,
                )
            ).scalars()
            for session_id in list(coming):
                report.reminders += schedule_session(conn, session_id, now, person_ids)
        conn.execute(
            insert(audit).values(
                at=now,
                actor=self.actor,
                action="people.import",
                details={
                    "organisation": organisation,
                    "created": len(report.created),
                    "existing": len(report.existing),
                    "problems": len(report.problems),
                },
            )
        )

    def _person(
        self,
        conn: Connection,
        row: _Row,
        keys: list[str],
        org: Any,
        now: datetime,
        report: ImportReport,
    ) -> int:
        """Her person id: found by any of her lookup keys, else created."""
        found = conn.execute(
            select(identities.c.person_id, identities.c.lookup_key).where(
                identities.c.lookup_key.in_(keys)
            )
        ).all()
        owners = {r.person_id for r in found}
        if len(owners) > 1:
            raise RowError("her WhatsApp number and Telegram chat id belong to two people")
        given_at = (
            datetime.combine(row.consent, time(12, 0), ZoneInfo(org.timezone)).astimezone(UTC)
            if row.consent
            else None
        )
        if owners:
            person_id = owners.pop()
            known = {r.lookup_key for r in found}
            self._identities(conn, person_id, row, keys, known, now)
            report.existing.append(person_id)
            return int(person_id)
        person_id = conn.execute(
            insert(people)
            .values(
                organisation_id=org.id,
                role="participant",
                language=row.language,
                display_name=row.name,
                town=row.town,
                interests=row.interests,
                attend_help=[],
                status="active" if given_at else "new",
                consent_given_at=given_at,
                created_at=now,
            )
            .returning(people.c.id)
        ).scalar_one()
        self._identities(conn, person_id, row, keys, set(), now)
        if given_at is not None:
            conn.execute(
                insert(consents),
                [
                    {
                        "person_id": person_id,
                        "purpose": purpose,
                        "wording_version": PAPER,
                        "language": row.language,
                        "channel": PAPER,
                        "given_at": given_at,
                        "withdrawn_at": None,
                    }
                    for purpose in row.purposes
                ],
            )
        report.created.append(person_id)
        return int(person_id)

    def _identities(
        self,
        conn: Connection,
        person_id: int,
        row: _Row,
        keys: list[str],
        known: set[str],
        now: datetime,
    ) -> None:
        new = [
            {
                "person_id": person_id,
                "channel": channel,
                "lookup_key": key,
                "address": address,
                "status": "ok",
                "created_at": now,
                "last_inbound_at": None,
            }
            for (channel, address), key in zip(row.addresses, keys, strict=True)
            if key not in known
        ]
        if new:
            conn.execute(insert(identities), new)

    def _enrol(self, conn: Connection, course_id: int, person_id: int, now: datetime) -> bool:
        if conn.execute(
            select(enrolments.c.id).where(
                enrolments.c.course_id == course_id, enrolments.c.person_id == person_id
            )
        ).first():
            return False
        conn.execute(
            insert(enrolments).values(course_id=course_id, person_id=person_id, created_at=now)
        )
        return True
