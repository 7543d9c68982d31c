"""Create, edit and list organisations: every field checked, every change audited.

One service for every door: ``twc organisations`` uses it with its own database connection,
the staff web app with the runtime (:meth:`OrganisationService.for_runtime`), which also
forgets the turn service's organisation cache so the change is seen at once in that process.
Any other running process (the server, when the command line changed something) re-reads
organisations at most 30 seconds later (``bot.turns.organisations.OrganisationCache``).

Values arrive as people type them (``"de, en"``, ``"mon-fri 09:00-13:00"``, ``"20:00-08:00"``)
or already typed; a bad one raises :class:`OrganisationError` with a one-line reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from sqlalchemy import Connection, Engine, insert, select, update

from bot.db.models import RETENTION_DAYS
from bot.db.tables import organisations
from bot.staff.audit import record
from conversations.languages import LanguageTable, default_languages
from conversations.opening_hours import HoursError, WeeklyHours

if TYPE_CHECKING:
    from bot.runtime import Runtime

#: The shortest retention period an organisation may set (the never-consented rule is 7 days).
MIN_RETENTION_DAYS = 7
#: The longest (two years): retention is a promise to delete, not a licence to keep.
MAX_RETENTION_DAYS = 730

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
#: A Telegram chat: a numeric id (groups are negative) or a public ``@name``.
TELEGRAM_CHAT = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$")
#: ISO 3166-1 alpha-2 codes CLDR knows (Babel), not the regions ("150") or "ZZ".
COUNTRIES = frozenset(
    str(code)
    for code in Locale("en").territories
    if len(str(code)) == 2 and str(code).isalpha() and code != "ZZ"
)

#: The editable fields, in the order they are listed and audited.
FIELDS = (
    "name",
    "country",
    "district",
    "timezone",
    "default_language",
    "languages",
    "towns",
    "opening_hours",
    "office_hours",
    "quiet_hours",
    "privacy_contact",
    "retention_days",
    "notify_by_email",
    "staff_telegram_chat",
)

Transaction = Callable[[], AbstractContextManager[Connection]]


class OrganisationError(ValueError):
    """A value that cannot be stored, or an organisation that does not exist (one line)."""


@dataclass(frozen=True, slots=True)
class OrganisationView:
    """An organisation with every field, as the command line and the staff app show it."""

    id: int
    slug: str
    name: str
    country: str
    district: str
    timezone: str
    default_language: str
    languages: tuple[str, ...]
    towns: tuple[str, ...]
    opening_hours: WeeklyHours
    office_hours: str
    quiet_hours: str
    privacy_contact: str
    retention_days: int
    notify_by_email: bool
    staff_telegram_chat: str | None
    created_at: datetime


class OrganisationService:
    """Organisations for the command line and the staff web app."""

    def __init__(
        self,
        db: Engine,
        clock: Callable[[], datetime],
        transaction: Transaction | None = None,
        on_change: Callable[[], None] | None = None,
        languages: LanguageTable | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.transaction: Transaction = transaction or db.begin
        """Where writes run: the turn service's shared writer inside a server process."""
        self.on_change = on_change
        """Told after every committed change (forgets the in-process organisation cache)."""
        self.languages = languages or default_languages()

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> OrganisationService:
        """The service inside a running process: writes through the turn service's writer,
        and a change is seen by the next message at once."""
        return cls(
            runtime.db,
            runtime.clock,
            transaction=runtime.turns.write_transaction,
            on_change=runtime.turns.organisations.invalidate,
        )

    # ---- reading -------------------------------------------------------------------------

    def all(self) -> list[OrganisationView]:
        """Every organisation, by country, district and slug."""
        with self.db.connect() as conn:
            rows = conn.execute(select(organisations)).mappings().all()
        views = [_view(row) for row in rows]
        return sorted(views, key=lambda v: (v.country, v.district, v.slug))

    def get(self, slug: str) -> OrganisationView:
        """One organisation (``OrganisationError`` when there is none by that slug)."""
        with self.db.connect() as conn:
            row = (
                conn.execute(select(organisations).where(organisations.c.slug == slug))
                .mappings()
                .first()
            )
        if row is None:
            raise OrganisationError(f"no organisation {slug!r} (see: twc organisations list)")
        return _view(row)

    # ---- writing -------------------------------------------------------------------------

    def create(self, slug: str, values: Mapping[str, Any], actor: str) -> OrganisationView:
        """A new organisation; ``name`` is required, the rest has defaults."""
        slug = slug.strip()
        if not SLUG.match(slug):
            raise OrganisationError(
                f"slug {slug!r}: 2-64 characters of a-z, 0-9 and '-', starting with a letter "
                "or digit"
            )
        if not str(values.get("name") or "").strip():
            raise OrganisationError("a name is required (--name)")
        columns = self._columns(values, current=None)
        now = self.clock()
        with self._writing() as conn:
            taken = conn.execute(
                select(organisations.c.id).where(organisations.c.slug == slug)
            ).first()
            if taken is not None:
                raise OrganisationError(f"organisation {slug!r} exists already (edit it instead)")
            organisation_id = conn.execute(
                insert(organisations)
                .values(slug=slug, created_at=now, **columns)
                .returning(organisations.c.id)
            ).scalar_one()
            record(
                conn,
                now,
                actor,
                "organisation.create",
                {"organisation": slug, "values": _audited(columns)},
                organisation_id=organisation_id,
            )
        return self.get(slug)

    def edit(
        self, slug: str, values: Mapping[str, Any], actor: str
    ) -> tuple[OrganisationView, dict[str, Any]]:
        """Change some fields; returns the organisation and what changed (``{}``: nothing)."""
        current = self.get(slug)
        columns = self._columns(values, current=current)
        before = _columns_of(current)
        changed = {name: value for name, value in columns.items() if before.get(name) != value}
        if not changed:
            return current, {}
        now = self.clock()
        with self._writing() as conn:
            conn.execute(
                update(organisations).where(organisations.c.slug == slug).values(**changed)
            )
            record(
                conn,
                now,
                actor,
                "organisation.edit",
                {
                    "organisation": slug,
                    "changed": {
                        name: {
                            "from": _audited({name: before.get(name)})[name],
                            "to": _audited({name: value})[name],
                        }
                        for name, value in changed.items()
                    },
                },
                organisation_id=current.id,
            )
        return self.get(slug), changed

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self.transaction() as conn:
            yield conn
        if self.on_change is not None:
            self.on_change()

    # ---- checking ------------------------------------------------------------------------

    def _columns(
        self, values: Mapping[str, Any], current: OrganisationView | None
    ) -> dict[str, Any]:
        """The given values checked and as stored; on create, defaults for the others."""
        unknown = set(values) - set(FIELDS)
        if unknown:
            raise OrganisationError(f"unknown fields {sorted(unknown)}")
        given = {name: value for name, value in values.items() if value is not None}
        columns: dict[str, Any] = {}
        if "name" in given:
            columns["name"] = _text("name", given["name"], 200, required=True)
        if "country" in given:
            columns["country"] = country(given["country"])
        if "district" in given:
            columns["district"] = _text("district", given["district"], 200)
        if "timezone" in given:
            columns["timezone"] = timezone(given["timezone"])
        if "languages" in given:
            columns["languages"] = list(self.language_codes(given["languages"]))
        if "default_language" in given:
            columns["default_language"] = self.language_code(given["default_language"])
        if "towns" in given:
            columns["towns"] = list(towns(given["towns"]))
        if "opening_hours" in given:
            columns["opening_hours"] = opening_hours(given["opening_hours"]).to_json()
        if "office_hours" in given:
            columns["office_hours"] = _text("office hours", given["office_hours"], 200)
        if "quiet_hours" in given:
            start, end = quiet_hours(given["quiet_hours"])
            columns["quiet_hours_start"], columns["quiet_hours_end"] = start, end
        if "privacy_contact" in given:
            columns["privacy_contact"] = _text("privacy contact", given["privacy_contact"], 200)
        if "retention_days" in given:
            columns["retention_days"] = retention_days(given["retention_days"])
        if "notify_by_email" in given:
            columns["notify_by_email"] = bool(given["notify_by_email"])
        if "staff_telegram_chat" in given:
            columns["staff_telegram_chat"] = telegram_chat(given["staff_telegram_chat"])
        if current is None:
            columns = {**_DEFAULTS, **columns}
        offered = columns.get("languages", list(current.languages) if current else [])
        default = columns.get("default_language", current.default_language if current else "de")
        if offered and default not in offered:
            raise OrganisationError(
                f"the default language {default!r} is not among the languages offered "
                f"({', '.join(offered)})"
            )
        return columns

    def language_code(self, value: Any) -> str:
        """One language code of ``locales/languages.yaml``."""
        code = str(value).strip().lower()
        known = {lang.code for lang in self.languages.languages}
        if code not in known:
            raise OrganisationError(
                f"unknown language {code!r} (known: {', '.join(sorted(known))})"
            )
        return code

    def language_codes(self, value: Any) -> tuple[str, ...]:
        """Languages offered: codes separated by commas or spaces (empty: every language)."""
        items = _items(value)
        codes = tuple(dict.fromkeys(self.language_code(item) for item in items))
        return codes


_DEFAULTS: dict[str, Any] = {
    "country": "DE",
    "district": "",
    "timezone": "Europe/Berlin",
    "default_language": "de",
    "languages": [],
    "towns": [],
    "opening_hours": {},
    "office_hours": "",
    "quiet_hours_start": "20:00",
    "quiet_hours_end": "08:00",
    "privacy_contact": "",
    "retention_days": RETENTION_DAYS,
    "notify_by_email": True,
    "staff_telegram_chat": None,
}


def country(value: Any) -> str:
    """An ISO 3166-1 alpha-2 code, upper case."""
    code = str(value).strip().upper()
    if code not in COUNTRIES:
        raise OrganisationError(f"country {code!r} is not an ISO 3166 code such as DE, IT, PT, CY")
    return code


def timezone(value: Any) -> str:
    """An IANA time zone name ``zoneinfo`` knows."""
    name = str(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise OrganisationError(
            f"time zone {name!r} is unknown (use a name such as Europe/Berlin)"
        ) from error
    return name


def towns(value: Any) -> tuple[str, ...]:
    """Town names separated by commas (as offered when she says where she lives)."""
    names = tuple(dict.fromkeys(" ".join(item.split()) for item in _items(value, spaces=False)))
    for name in names:
        if len(name) > 40:
            raise OrganisationError(f"town {name[:40]!r}…: at most 40 characters")
    return names


def opening_hours(value: Any) -> WeeklyHours:
    """The plain syntax (``mon-fri 09:00-13:00; thu 14:00-17:00``), the stored JSON, or
    :class:`WeeklyHours`; empty clears them."""
    try:
        if isinstance(value, WeeklyHours):
            return value
        if isinstance(value, Mapping):
            return WeeklyHours.from_json(value)
        return WeeklyHours.parse(str(value))
    except HoursError as error:
        raise OrganisationError(f"opening hours: {error}") from error


def quiet_hours(value: Any) -> tuple[str, str]:
    """``20:00-08:00`` (may wrap midnight) as start and end."""
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        start, end = (str(v).strip() for v in value)
    else:
        start, _, end = str(value).strip().partition("-")
        start, end = start.strip(), end.strip()
    if not (CLOCK.match(start) and CLOCK.match(end)):
        raise OrganisationError(
            f"quiet hours {value!r}: write them as HH:MM-HH:MM, e.g. 20:00-08:00"
        )
    return start, end


def retention_days(value: Any) -> int:
    """Days of silence after which she is deleted (the privacy notice promises 6 months)."""
    try:
        days = int(value)
    except (TypeError, ValueError) as error:
        raise OrganisationError(f"retention {value!r} is not a number of days") from error
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise OrganisationError(
            f"retention must be {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days, not {days}"
        )
    return days


def telegram_chat(value: Any) -> str | None:
    """A Telegram chat id (``-100…``) or ``@name``; empty: none."""
    chat = str(value).strip()
    if not chat:
        return None
    if not TELEGRAM_CHAT.match(chat):
        raise OrganisationError(
            f"staff Telegram chat {chat!r}: a chat id such as -1001234567890 or an @name"
        )
    return chat


def _text(label: str, value: Any, limit: int, required: bool = False) -> str:
    text = " ".join(str(value).split()) if label != "privacy contact" else str(value).strip()
    if required and not text:
        raise OrganisationError(f"the {label} may not be empty")
    if len(text) > limit:
        raise OrganisationError(f"the {label} has at most {limit} characters")
    return text


def _items(value: Any, spaces: bool = True) -> list[str]:
    if isinstance(value, str):
        pattern = r"[,;\s]+" if spaces else r"[,;]+"
        return [item.strip() for item in re.split(pattern, value) if item.strip()]
    return [str(item).strip() for item in value if str(item).strip()]


def _view(row: Any) -> OrganisationView:
    try:
        hours = WeeklyHours.from_json(row["opening_hours"])
    except HoursError:
        hours = WeeklyHours()
    return OrganisationView(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        country=row["country"] or "",
        district=row["district"] or "",
        timezone=row["timezone"],
        default_language=row["default_language"],
        languages=tuple(row["languages"] or ()),
        towns=tuple(row["towns"] or ()),
        opening_hours=hours,
        office_hours=row["office_hours"] or "",
        quiet_hours=f"{row['quiet_hours_start']}-{row['quiet_hours_end']}",
        privacy_contact=row["privacy_contact"] or "",
        retention_days=int(row["retention_days"]),
        notify_by_email=bool(row["notify_by_email"]),
        staff_telegram_chat=row["staff_telegram_chat"],
        created_at=row["created_at"],
    )


def _columns_of(view: OrganisationView) -> dict[str, Any]:
    """A view as its stored columns (to see what an edit changes)."""
    start, _, end = view.quiet_hours.partition("-")
    return {
        "name": view.name,
        "country": view.country,
        "district": view.district,
        "timezone": view.timezone,
        "default_language": view.default_language,
        "languages": list(view.languages),
        "towns": list(view.towns),
        "opening_hours": view.opening_hours.to_json(),
        "office_hours": view.office_hours,
        "quiet_hours_start": start,
        "quiet_hours_end": end,
        "privacy_contact": view.privacy_contact,
        "retention_days": view.retention_days,
        "notify_by_email": view.notify_by_email,
        "staff_telegram_chat": view.staff_telegram_chat,
    }


def _audited(columns: Mapping[str, Any]) -> dict[str, Any]:
    """Values as the audit log keeps them: opening hours in the plain syntax."""
    return {
        name: WeeklyHours.from_json(value).spec() if name == "opening_hours" else value
        for name, value in columns.items()
    }
