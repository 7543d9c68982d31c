"""The attendance pages under ``/staff/attendance`` and the barrier report ``/staff/barriers``.

* ``GET /staff/attendance/sessions/<id>``: one session's enrolled people in three lists
  (coming, not coming with the reason, no answer), counts at the top; once it has started, a
  "there" / "not there" pair of big toggle buttons (``aria-pressed``) per person.
* ``POST /staff/attendance/sessions/<id>/people/<person>``: one tap.  With htmx the answer is
  that person's row alone (plus the counts, out of band); without JavaScript it is a normal
  form POST that comes back to the page at her row.
* ``GET /staff/barriers?course=&from=&to=``: the barrier report (counts only, no names).

Another organisation's session or course is answered exactly like an id nobody has: 404.
Everything that reads or writes the database runs in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_percent
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.features.attendance.labels import HELP, REASONS, REPORT_REASONS
from bot.features.attendance.service import (
    AttendanceService,
    MarkingError,
    NotFoundError,
    Period,
)
from bot.web.staff.i18n import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

#: The largest id a path or query may carry (a bigger number cannot be anything: 404).
MAX_ID = 2**31 - 1
#: The longest period the report reads (a typo like 0202 should not scan centuries).
MAX_DAYS = 3 * 366

ERRORS = {
    "not_started": N_(
        "Dieser Termin hat noch nicht begonnen. Anwesenheit können Sie ab seinem Beginn eintragen."
    ),
    "cancelled": N_("Dieser Termin ist abgesagt. Es gibt keine Anwesenheit einzutragen."),
    "bad_date": N_("Bitte geben Sie gültige Daten ein (von und bis)."),
    "reversed": N_("„Von“ liegt nach „bis“. Bitte tauschen Sie die beiden Daten."),
    "no_choice": N_("Bitte tippen Sie auf „Da“ oder „Nicht da“."),
    "too_long": N_("Der Zeitraum ist zu lang. Bitte wählen Sie höchstens drei Jahre."),
}
NOT_FOUND = N_("Diese Seite gibt es nicht.")


def _id(value: Any) -> int | None:
    """A path or query id; anything else is ``None`` (bad input is not an error)."""
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def period_of(params: Mapping[str, str], default: Period) -> tuple[Period, str | None]:
    """The report's period from the query string (dates ``YYYY-MM-DD``, both included), or
    the default with the reason it was not taken."""
    raw_from, raw_to = params.get("from"), params.get("to")
    if not raw_from and not raw_to:
        return default, None
    start, end = _date(raw_from), _date(raw_to)
    if start is None or end is None:
        return default, "bad_date"
    if start > end:
        return default, "reversed"
    if end - start > timedelta(days=MAX_DAYS):
        return default, "too_long"
    return Period(start, end), None


class Formats:
    """Dates, times and titles in the staff member's language, in the session's time zone."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def when(self, moment: datetime, zone: str) -> str:
        local = moment.astimezone(ZoneInfo(zone))
        day = format_date(local.date(), "full", locale=self.lang)
        return f"{day}, {format_time(local, 'HH:mm', tzinfo=local.tzinfo, locale=self.lang)}"

    def day(self, value: date | datetime, zone: str | None = None) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(ZoneInfo(zone or "UTC")).date()
        return format_date(value, "medium", locale=self.lang)

    def time(self, moment: datetime, zone: str) -> str:
        local = moment.astimezone(ZoneInfo(zone))
        return format_time(local, "HH:mm", tzinfo=local.tzinfo, locale=self.lang)

    def title(self, value: Mapping[str, Any] | None, code: str) -> str:
        value = value or {}
        return str(value.get(self.lang) or value.get("de") or code)

    def percent(self, part: int, whole: int) -> str:
        return format_percent(part / whole, locale=self.lang) if whole else "—"

    def context(self) -> dict[str, Any]:
        return {
            "when": self.when,
            "day": self.day,
            "clock": self.time,
            "title": self.title,
            "percent": self.percent,
            "reasons": REASONS,
            "report_reasons": REPORT_REASONS,
            "help_labels": HELP,
        }


class AttendancePages:
    """The endpoints; each is wrapped in ``shell.page`` (login required)."""

    def __init__(self, runtime: Runtime, shell: StaffShell) -> None:
        self.shell = shell
        self.service = AttendanceService(runtime.db, runtime.clock)

    @staticmethod
    def staff(request: Request) -> StaffUser:
        found: StaffUser = request.state.staff
        return found

    def _render(
        self, request: Request, template: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        formats = Formats(self.shell.language(request))
        return self.shell.render(request, template, {**formats.context(), **context}, status)

    def not_found(self, request: Request) -> Response:
        _ = self.shell.gettext(request)
        return self.shell.refused(request, 404, _(NOT_FOUND))

    # ---- one session --------------------------------------------------------------------------

    async def session(self, request: Request) -> Response:
        session_id = _id(request.path_params.get("session_id"))
        if session_id is None:
            return self.not_found(request)
        try:
            view = await run_in_threadpool(self.service.session, self.staff(request), session_id)
        except NotFoundError:
            return self.not_found(request)
        return self._render(request, "attendance/session.html", {"view": view})

    async def mark(self, request: Request) -> Response:
        session_id = _id(request.path_params.get("session_id"))
        person_id = _id(request.path_params.get("person_id"))
        if session_id is None or person_id is None:
            return self.not_found(request)
        form = await request.form()
        present = {"yes": True, "no": False}.get(str(form.get("present", "")))
        staff = self.staff(request)
        try:
            if present is not None:
                await run_in_threadpool(self.service.mark, staff, session_id, person_id, present)
            view = await run_in_threadpool(self.service.session, staff, session_id)
        except NotFoundError:
            return self.not_found(request)
        except MarkingError as error:
            if request.headers.get("hx-request"):
                # Cancelled or moved while the page was open: reload it, it says why.
                return Response(status_code=409, headers={"hx-refresh": "true"})
            _ = self.shell.gettext(request)
            view = await run_in_threadpool(self.service.session, staff, session_id)
            context = {"view": view, "error": _(ERRORS[error.code])}
            return self._render(request, "attendance/session.html", context, 409)
        if present is None:
            _ = self.shell.gettext(request)
            message = ERRORS["no_choice"]
            return self.shell.refused(request, 400, _(message))
        if request.headers.get("hx-request"):
            person = next(p for p in view.everyone if p.id == person_id)
            return self._render(
                request, "attendance/marked.html", {"view": view, "person": person}
            )
        return RedirectResponse(
            f"/staff/attendance/sessions/{session_id}#person-{person_id}", status_code=303
        )

    # ---- the barrier report -------------------------------------------------------------------

    async def barriers(self, request: Request) -> Response:
        staff = self.staff(request)
        params = request.query_params
        raw_course = params.get("course", "")
        course_id = _id(raw_course)
        if raw_course and course_id is None:
            return self.not_found(request)
        default = await run_in_threadpool(self.service.default_period, staff)
        period, problem = period_of(params, default)
        try:
            report = await run_in_threadpool(self.service.barriers, staff, period, course_id)
        except NotFoundError:
            return self.not_found(request)
        choices = await run_in_threadpool(self.service.courses, staff)
        _ = self.shell.gettext(request)
        context = {
            "report": report,
            "choices": choices,
            "error": _(ERRORS[problem]) if problem else None,
        }
        return self._render(request, "attendance/barriers.html", context, 400 if problem else 200)


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The attendance routes, each behind the shell's login."""
    pages = AttendancePages(runtime, shell)
    one = "/staff/attendance/sessions/{session_id:int}"
    page: Callable[..., Any] = shell.page
    return [
        Route(one, page(pages.session), methods=["GET"]),
        Route(f"{one}/people/{{person_id:int}}", page(pages.mark), methods=["POST"]),
        Route("/staff/barriers", page(pages.barriers), methods=["GET"]),
    ]


__all__ = ["AttendancePages", "Formats", "period_of", "staff_pages"]
