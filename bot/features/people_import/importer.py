"""Import the list of people a coordinator already has (``twc people import FILE``, and the
staff page ``/staff/people/import``: both run :class:`PeopleImporter`).

Columns (header names in German, English, Italian, Portuguese or Greek, matched loosely:
:mod:`.reading`): ``name`` (or first and last name), ``language``, ``town``, ``whatsapp
number``, ``telegram chat id``, ``date of consent given on paper``, ``consent purposes``,
``interests``, ``course``.  CSV (comma, semicolon or tab; UTF-8 or Windows-1252) and Excel
``.xlsx`` files both work.  Language names are read as people write them
(:mod:`.language_names`: "Arabisch", "Farsi", "українська").

* Phone numbers are parsed with :mod:`phonenumbers` in the organisation's default region
  (``--region``, else derived from the organisation's time zone, else ``DE``) and stored as
  E.164 in the WhatsApp address form ``whatsapp:+49…``; a Telegram address is the chat id.
* Every bad row is reported with its line number and reason; the good rows are imported.
  Each reason exists twice: in English (``Problem.reason``, the command line's) and as a
  German msgid of the staff catalog with its fields (``Problem.message``/``params``, the
  page's, translated for the staff member).
* A town must be one of the organisation's towns (``organisations.towns``; any town when it
  lists none): "Nienburg" is taken as "Nienburg (Weser)", a typo is **held back** with the
  nearest town suggested ("meinten Sie …?", rapidfuzz).  Held back rather than imported
  without a town, because a town decides which broadcasts reach her and a person without one
  would silently miss them; the coordinator corrects the file and imports it again (the rows
  already in are found and left alone).
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

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from rapidfuzz import fuzz, process
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
from bot.features.courses import schedule_sessions
from bot.features.people_import.language_names import language_code
from bot.features.people_import.reading import ReadError, Table, normalise, read_table
from bot.identity import lookup_key
from bot.staff.texts import N_
from conversations.consent import MESSAGES, PROFILE, PURPOSES, unknown_purposes
from conversations.languages import LanguageTable
from conversations.matching import clean_text

#: Interests the onboarding flow knows (``onboarding.ask_interests``).
INTERESTS = ("course", "mentor", "jobs", "meet")
#: How people write them (German, English, Italian, Portuguese, Greek), normalised.
INTEREST_NAMES = {
    normalise(name): interest
    for interest, names in {
        "course": "course|courses|kurs|kurse|deutschkurs|corso|corsi|curso|cursos|μάθημα|μαθήματα",
        "mentor": "mentor|mentorin|mentoring|mentore|mentora|μέντορας",
        "jobs": "jobs|job|arbeit|work|lavoro|trabalho|emprego|εργασία|δουλειά",
        "meet": "meet|treffen|meeting|incontri|incontro|encontros|encontro|συναντήσεις|συνάντηση",
    }.items()
    for name in names.split("|")
}
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
    """The file as a whole cannot be imported (no header, unknown organisation …); with the
    German ``message`` (and ``params``) for the page when it comes from reading the file."""

    def __init__(self, english: str, message: str = "", params: dict[str, Any] | None = None):
        super().__init__(english)
        self.message = message
        self.params = params or {}


# ---- what the coordinator reads on the page (German msgids of the staff catalog) ----------
NO_NAME = N_("Der Name fehlt.")
UNKNOWN_LANGUAGE = N_("Die Sprache „%(language)s“ bietet der Bot nicht an.")
BAD_PHONE = N_("Diese Telefonnummer ist ungültig.")
BAD_TELEGRAM = N_("Die Telegram-ID ist ungültig: sie besteht nur aus Ziffern.")
NO_CHANNEL = N_("Weder Handynummer noch Telegram-ID: so kann der Bot sie nicht erreichen.")
BAD_DATE = N_(
    "Das Einwilligungsdatum „%(date)s“ verstehen wir nicht. Bitte schreiben Sie es als TT.MM.JJJJ."
)
FUTURE_DATE = N_("Das Einwilligungsdatum %(date)s liegt in der Zukunft.")
UNKNOWN_PURPOSE = N_("Den Zweck der Einwilligung „%(purpose)s“ kennen wir nicht.")
PURPOSES_WITHOUT_DATE = N_("Zwecke der Einwilligung stehen da, aber kein Einwilligungsdatum.")
UNKNOWN_INTEREST = N_(
    "Das Interesse „%(interest)s“ kennen wir nicht (möglich: Kurs, Mentorin, Arbeit, Treffen)."
)
UNKNOWN_COURSE = N_("Den Kurs „%(course)s“ gibt es in Ihrer Organisation nicht.")
UNKNOWN_TOWN = N_("Den Ort „%(town)s“ kennen wir nicht.")
UNKNOWN_TOWN_SUGGESTION = N_("Den Ort „%(town)s“ kennen wir nicht — meinten Sie „%(suggestion)s“?")
DUPLICATE = N_("Diese Nummer oder Telegram-ID steht schon in Zeile %(other)s.")
TWO_PEOPLE = N_("Handynummer und Telegram-ID gehören zu zwei verschiedenen Personen.")
KNOWN = N_("Kennen wir schon (gleiche Nummer oder Telegram-ID): sie wird nicht neu angelegt.")
NO_CONSENT = N_(
    "Kein Einwilligungsdatum: Der Bot schreibt ihr von sich aus nichts (auch keine "
    "Erinnerungen), bis sie selbst im Chat zustimmt."
)
#: Lookup keys (or people) one query reads: bound parameters stay well below SQLite's limit.
LOOKUP_CHUNK = 1000
#: How close a town must be (rapidfuzz WRatio, 0–100) to be suggested.
TOWN_SUGGESTION_CUTOFF = 75


@dataclass
class Problem:
    """A row that was not imported, and why."""

    line: int
    reason: str
    """In English (the command line)."""
    message: str = ""
    """The same as a German msgid of the staff catalog (the page)."""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What became (or, in a dry run, would become) of one row: for the page's preview."""

    line: int
    name: str
    status: str
    """``new``, ``existing`` or ``problem``."""
    language: str | None = None
    town: str | None = None
    course: str | None = None
    channels: tuple[str, ...] = ()
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """German msgids with their fields (Dari taken as Persian, no consent date, …)."""
    problem: Problem | None = None


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
    outcomes: list[Outcome] = field(default_factory=list)
    organisation_id: int | None = None

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

    @property
    def importable_lines(self) -> list[int]:
        """The lines that are (or would be) imported: new or already known people."""
        return [o.line for o in self.outcomes if o.status != "problem"]


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
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class RowError(ValueError):
    """One row's problem: ``str()`` is the English reason (the command line), ``message`` and
    ``params`` the German one (the page)."""

    def __init__(self, english: str, message: str = "", **params: Any) -> None:
        super().__init__(english)
        self.message = message
        self.params = params


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The columns found and every data row with its line number (CSV or ``.xlsx``).

    Whatever the bytes, the answer is rows or a :class:`PeopleImportError` that says what
    is wrong, never a traceback."""
    table = read_file(path)
    return table.columns, table.rows


def read_file(path: Path) -> Table:
    """``path`` read by :func:`~.reading.read_table`, without the upload's size limits (the
    command line reads what its user gives it)."""
    try:
        return read_table(path.read_bytes(), path.name, limited=False)
    except ReadError as error:
        raise PeopleImportError(f"{path}: {error.english}", error.message, error.params) from error


def parse_phone(raw: str, region: str) -> str:
    """A phone number as E.164 (``+4917612345678``), or :class:`RowError`."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise RowError(f"bad phone number {raw!r}", BAD_PHONE) from error
    if not phonenumbers.is_valid_number(number):
        raise RowError(f"bad phone number {raw!r} (not a valid number for {region})", BAD_PHONE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_date(raw: str, today: date) -> date:
    """``2026-11-20`` or ``20.11.2026`` → a date not in the future, or :class:`RowError`."""
    for fmt in _DATE_FORMATS:
        try:
            found = datetime.strptime(raw, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
        if found > today:
            raise RowError(f"consent date {raw!r} is in the future", FUTURE_DATE, date=raw)
        return found
    raise RowError(
        f"bad consent date {raw!r} (write YYYY-MM-DD or DD.MM.YYYY)", BAD_DATE, date=raw[:40]
    )


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
    towns: Iterable[str] = (),
    course_titles: dict[str, str] | None = None,
) -> _Row:
    """Check one row; :class:`RowError` names its first problem.

    ``towns``: the organisation's (none: any town); ``course_titles``: normalised course
    titles → code, so "Deutsch A2 in Hoya" finds its course as well as its code does."""
    notes: list[tuple[str, dict[str, Any]]] = []
    name = _one_line(record.get("name", ""))
    if not name:
        raise RowError("no name", NO_NAME)
    language_text = _one_line(record.get("language", ""))
    if language_text:
        known = frozenset(lang.code for lang in languages.languages)
        code, note = language_code(language_text, known)
        if code is None:
            by_name = {lang.name.lower(): lang for lang in languages.languages}
            found = languages.get(language_text) or by_name.get(language_text.lower())
            code = found.code if found is not None else None
        if code is None:
            raise RowError(
                f"unknown language {language_text!r}", UNKNOWN_LANGUAGE, language=language_text
            )
        if note:
            notes.append((note, {"given": language_text}))
        language_code_ = code
    else:
        language_code_ = default_language
    town = check_town(_one_line(record.get("town", "")), towns)
    addresses = []
    if record.get("whatsapp"):
        addresses.append(("whatsapp", "whatsapp:" + parse_phone(record["whatsapp"], region)))
    if record.get("telegram"):
        chat = record["telegram"]
        if not _TELEGRAM_ID.fullmatch(chat) or int(chat) == 0:
            raise RowError(f"bad telegram chat id {chat!r} (digits only)", BAD_TELEGRAM)
        # As Telegram writes it ("007" is 7), so her lookup key matches when she writes.
        addresses.append(("telegram", str(int(chat))))
    if not addresses:
        raise RowError(
            "no channel at all (neither WhatsApp number nor Telegram chat id)", NO_CHANNEL
        )
    consent = parse_date(record["consent"], today) if record.get("consent") else None
    if consent is None:
        notes.append((NO_CONSENT, {}))
    purposes = parse_purposes(record.get("purposes"), consent)
    interests = []
    for given in re.split(r"[;,/]", record.get("interests", "")):
        if not given.strip():
            continue
        interest = INTEREST_NAMES.get(_normalised(given))
        if interest is None:
            shown = _one_line(given)
            raise RowError(
                f"unknown interest {shown.lower()!r} (known: {', '.join(INTERESTS)})",
                UNKNOWN_INTEREST,
                interest=shown,
            )
        if interest not in interests:
            interests.append(interest)
    course = record.get("course") or None
    if course is not None and course not in set(known_courses):
        by_title = (course_titles or {}).get(normalise(course))
        if by_title is None:
            raise RowError(f"unknown course {course!r}", UNKNOWN_COURSE, course=course)
        course = by_title
    return _Row(
        line,
        name,
        language_code_,
        town,
        addresses,
        consent,
        purposes,
        interests,
        course,
        notes,
    )


@lru_cache(maxsize=4096)  # a file repeats a few interests thousands of times
def _normalised(text: str) -> str:
    """:func:`~.reading.normalise`, remembered."""
    return normalise(text)


def _town_key(town: str) -> str:
    """A town compared: "Nienburg (Weser)" and "nienburg" are one (the bracket dropped)."""
    return normalise(re.sub(r"\(.*?\)", "", town)) or normalise(town)


@lru_cache(maxsize=4096)  # a file names a few towns thousands of times
def _town_forms(town: str) -> tuple[str, str]:
    """``town`` normalised, and its :func:`_town_key`."""
    return normalise(town), _town_key(town)


def check_town(given: str, towns: Iterable[str]) -> str | None:
    """The organisation's spelling of ``given``, or :class:`RowError` naming the nearest
    town when it is not one of them; any town when the organisation lists none."""
    listed = [t for t in towns if t]
    if not given:
        return None
    if not listed:
        return given
    given_name, given_key = _town_forms(given)
    for town in listed:
        name, key = _town_forms(town)
        if name == given_name or key == given_key:
            return town
    best = process.extractOne(
        normalise(given),
        {town: normalise(town) for town in listed},
        scorer=fuzz.WRatio,
        score_cutoff=TOWN_SUGGESTION_CUTOFF,
    )
    if best is not None:
        suggestion = str(best[2])
        raise RowError(
            f"unknown town {given!r} (did you mean {suggestion!r}?)",
            UNKNOWN_TOWN_SUGGESTION,
            town=given,
            suggestion=suggestion,
        )
    raise RowError(f"unknown town {given!r}", UNKNOWN_TOWN, town=given)


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
        raise RowError(
            f"unknown consent purpose {unknown[0]!r} (known: {', '.join(PURPOSES)})",
            UNKNOWN_PURPOSE,
            purpose=unknown[0],
        )
    if named and consent is None:
        raise RowError(
            "consent purposes without the date of consent given on paper", PURPOSES_WITHOUT_DATE
        )
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
        """Import ``path``; ``progress(done, total)`` is called after every row is checked
        (writing them all follows, in a few statements)."""
        return self.run_table(read_file(path), organisation, region, dry_run, progress)

    def run_table(
        self,
        table: Table,
        organisation: str | int,
        region: str | None = None,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
        only_lines: Iterable[int] | None = None,
    ) -> ImportReport:
        """Import the rows of ``table`` into ``organisation`` (its slug, or its id from a
        staff page); with ``only_lines`` just those rows (the page imports exactly the rows
        its preview showed as importable).  All in one transaction; a dry run rolls it back
        after doing everything, so its report is what the real run would do."""
        records = table.rows
        if only_lines is not None:
            chosen = set(only_lines)
            records = [(line, record) for line, record in records if line in chosen]
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
        organisation: str | int,
        region: str | None,
        now: datetime,
        report: ImportReport,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        wanted = (
            organisations.c.id == organisation
            if isinstance(organisation, int)
            else organisations.c.slug == organisation
        )
        org = conn.execute(
            select(
                organisations.c.id,
                organisations.c.slug,
                organisations.c.timezone,
                organisations.c.default_language,
                organisations.c.towns,
            ).where(wanted)
        ).first()
        if org is None:
            raise PeopleImportError(f"no organisation {organisation!r}")
        report.organisation_id = int(org.id)
        region = (region or REGION_OF_TIMEZONE.get(org.timezone, DEFAULT_REGION)).upper()
        known_courses = conn.execute(
            select(courses.c.code, courses.c.id, courses.c.title).where(
                courses.c.organisation_id == org.id
            )
        ).all()
        course_ids: dict[str, int] = {c.code: c.id for c in known_courses}
        course_titles = {
            normalise(str(title)): c.code
            for c in known_courses
            for title in (c.title or {}).values()
            if normalise(str(title))
        }
        towns = list(org.towns or [])
        today = now.astimezone(ZoneInfo(org.timezone)).date()
        # First every row read and checked on its own (no database), then everyone already
        # known looked up at once, then the rows decided in file order, then each kind of row
        # written with one statement: the same rows, ids and report as deciding and writing
        # one row after the other, in a few statements instead of six per row.
        parsed: list[tuple[Outcome, _Row | RowError, list[str]]] = []
        for done, (line, record) in enumerate(records, start=1):
            outcome = Outcome(line, _one_line(record.get("name", "")), "problem")
            try:
                row = parse_row(
                    line,
                    record,
                    region,
                    self.languages,
                    org.default_language,
                    course_ids,
                    today,
                    towns,
                    course_titles,
                )
            except RowError as error:
                parsed.append((outcome, error, []))
            else:
                keys = [lookup_key(self.secret_key, ch, addr) for ch, addr in row.addresses]
                parsed.append((outcome, row, keys))
            report.outcomes.append(outcome)
            if progress is not None:
                progress(done, len(records))
        owner = self._owners(conn, [key for _outcome, _row, keys in parsed for key in keys])
        seen: dict[str, int] = {}  # lookup key → the line that brought it
        new_people: list[tuple[_Row, list[str]]] = []
        # Her person id (``None`` while she is still to be created: then her place in
        # ``new_people``), her row and keys, for identities, consents and enrolments.
        decided: list[tuple[int | None, int, _Row, list[str]]] = []
        for outcome, read, keys in parsed:
            try:
                if isinstance(read, RowError):
                    raise read
                row = read
                outcome.language, outcome.town, outcome.course = row.language, row.town, row.course
                outcome.channels = tuple(channel for channel, _address in row.addresses)
                outcome.notes = list(row.notes)
                earlier = [seen[k] for k in keys if k in seen]
                if earlier:
                    raise RowError(f"duplicate of line {earlier[0]}", DUPLICATE, other=earlier[0])
                owners = {owner[k] for k in keys if k in owner}
                if len(owners) > 1:
                    raise RowError(
                        "her WhatsApp number and Telegram chat id belong to two people", TWO_PEOPLE
                    )
                if owners:
                    person_id = owners.pop()
                    report.existing.append(person_id)
                    decided.append((person_id, 0, row, keys))
                    outcome.status = "existing"
                    outcome.notes = [(KNOWN, {})]
                else:
                    decided.append((None, len(new_people), row, keys))
                    new_people.append((row, keys))
                    outcome.status = "new"
                for key in keys:
                    seen[key] = outcome.line
            except RowError as error:
                problem = Problem(outcome.line, str(error), error.message, error.params)
                report.problems.append(problem)
                outcome.status, outcome.problem = "problem", problem
        created = self._create(conn, [row for row, _keys in new_people], org, now)
        report.created.extend(created)
        people_of = [
            (created[place] if person_id is None else person_id, row, keys)
            for person_id, place, row, keys in decided
        ]
        new_identities = [
            {
                "person_id": person_id,
                "channel": channel,
                "lookup_key": key,
                "address": address,
                "status": "ok",
                "created_at": now,
                "last_inbound_at": None,
            }
            for person_id, row, keys in people_of
            for (channel, address), key in zip(row.addresses, keys, strict=True)
            if key not in owner
        ]
        if new_identities:
            conn.execute(insert(identities), new_identities)
        new_consents = [
            {
                "person_id": person_id,
                "purpose": purpose,
                "wording_version": PAPER,
                "language": row.language,
                "channel": PAPER,
                "given_at": _given_at(row, org.timezone),
                "withdrawn_at": None,
            }
            for person_id, (row, _keys) in zip(created, new_people, strict=True)
            if row.consent is not None
            for purpose in row.purposes
        ]
        if new_consents:
            conn.execute(insert(consents), new_consents)
        enrolled_now = self._enrol(conn, course_ids, people_of, set(report.existing), now)
        report.enrolled = sum(len(person_ids) for person_ids in enrolled_now.values())
        for course_id, person_ids in enrolled_now.items():
            coming = conn.execute(
                select(sessions.c.id).where(
                    sessions.c.course_id == course_id,
                    sessions.c.status != "cancelled",
                    sessions.c.starts_at > now,
                )
            ).scalars()
            report.reminders += schedule_sessions(conn, list(coming), now, person_ids)
        conn.execute(
            insert(audit).values(
                at=now,
                actor=self.actor,
                action="people.import",
                organisation_id=org.id,
                details={
                    "organisation": org.slug,
                    "created": len(report.created),
                    "existing": len(report.existing),
                    "enrolled": report.enrolled,
                    "problems": len(report.problems),
                },
            )
        )

    @staticmethod
    def _owners(conn: Connection, keys: list[str]) -> dict[str, int]:
        """Whose each of these lookup keys already is (the people we know)."""
        owner: dict[str, int] = {}
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            for person_id, key in conn.execute(
                select(identities.c.person_id, identities.c.lookup_key).where(
                    identities.c.lookup_key.in_(chunk)
                )
            ):
                owner[key] = int(person_id)
        return owner

    @staticmethod
    def _create(conn: Connection, rows: list[_Row], org: Any, now: datetime) -> list[int]:
        """Create these people (in this order): their ids, in the same order."""
        if not rows:
            return []
        values = [
            {
                "organisation_id": org.id,
                "role": "participant",
                "language": row.language,
                "display_name": row.name,
                "town": row.town,
                "interests": row.interests,
                "attend_help": [],
                "status": "active" if row.consent else "new",
                "consent_given_at": _given_at(row, org.timezone),
                "created_at": now,
            }
            for row in rows
        ]
        # One statement for all; the ids come back in the order of the rows.
        statement = insert(people).returning(people.c.id, sort_by_parameter_order=True)
        return [int(person_id) for person_id in conn.execute(statement, values).scalars()]

    @staticmethod
    def _enrol(
        conn: Connection,
        course_ids: dict[str, int],
        people_of: list[tuple[int, _Row, list[str]]],
        known: set[int],
        now: datetime,
    ) -> dict[int, list[int]]:
        """Enrol everyone in the course her row names, unless she is already: course id →
        the people enrolled now (in file order).  Only people we knew can be already (and a
        known woman can come twice, once by her number and once by her Telegram id)."""
        wanted: dict[tuple[int, int], None] = {}  # (course, person) in file order, once each
        for person_id, row, _keys in people_of:
            if row.course is not None:
                wanted[course_ids[row.course], person_id] = None
        already: set[tuple[int, int]] = set()
        candidates = [(course, person) for course, person in wanted if person in known]
        for course_id in {course for course, _person in candidates}:
            ids = [person for course, person in candidates if course == course_id]
            for start in range(0, len(ids), LOOKUP_CHUNK):
                already.update(
                    (course_id, person_id)
                    for person_id in conn.execute(
                        select(enrolments.c.person_id).where(
                            enrolments.c.course_id == course_id,
                            enrolments.c.person_id.in_(ids[start : start + LOOKUP_CHUNK]),
                        )
                    ).scalars()
                )
        new = [pair for pair in wanted if pair not in already]
        if new:
            conn.execute(
                insert(enrolments),
                [
                    {"course_id": course_id, "person_id": person_id, "created_at": now}
                    for course_id, person_id in new
                ],
            )
        enrolled: dict[int, list[int]] = {}
        for course_id, person_id in new:
            enrolled.setdefault(course_id, []).append(person_id)
        return enrolled


def _given_at(row: _Row, timezone: str) -> datetime | None:
    """When her paper consent was given: noon of its day, local time (as UTC)."""
    if row.consent is None:
        return None
    return datetime.combine(row.consent, time(12, 0), ZoneInfo(timezone)).astimezone(UTC)
