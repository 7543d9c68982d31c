"""The audit page, ``/staff/audit``: who did what and when, for an organisation's admins.

* ``GET /staff/audit``: the filter form (who, what, from, to; the organisation for an admin of
  several) and a page of 50 entries, newest first; with htmx (``HX-Request``) only the
  results, so a changed filter reloads the list in place; without JavaScript the form works.
* ``GET /staff/audit/export``: the same filtered entries as a CSV file (:mod:`bot.csvsafe`).

Admins only (``shell.page(admin=True)``: anyone else gets the shell's 403), and only the
entries of the organisations she administers.  Nothing here writes: the log is append-only,
and the page says so.  Bad input (a date that is no date, a page that is no number) is
ignored or explained, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.features.audit_log.log import AuditLog, Filters
from bot.features.audit_log.words import Words
from bot.web.staff.i18n import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

MAX_ID = 2**31 - 1
MAX_PAGE = 100_000
BAD_DATE = N_("Bitte wählen Sie ein gültiges Datum.")
BAD_PERIOD = N_("Der Zeitraum endet vor seinem Beginn.")


def _number(value: str | None, limit: int = MAX_ID) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    number = int(value.strip())
    return number if 0 < number <= limit else None


def _day(value: str | None) -> tuple[date | None, bool]:
    """A ``YYYY-MM-DD`` day; ``(None, True)`` when something was given that is no date."""
    if not value or not value.strip():
        return None, False
    try:
        return date.fromisoformat(value.strip()[:10]), False
    except ValueError:
        return None, True


def filters_of(params: Mapping[str, str]) -> tuple[Filters, list[str]]:
    """The filters from the query string, each cut to size, and the problems (msgids)."""
    since, bad_since = _day(params.get("since"))
    until, bad_until = _day(params.get("until"))
    problems = [BAD_DATE] if bad_since or bad_until else []
    if since and until and until < since:
        problems.append(BAD_PERIOD)
    filters = Filters(
        actor=params.get("actor", "").strip()[:200],
        action=params.get("action", "").strip()[:64],
        since=since,
        until=until,
        organisation=_number(params.get("organisation")),
        page=_number(params.get("page"), MAX_PAGE) or 1,
    )
    return filters, problems


def _link(path: str, query: Mapping[str, str]) -> str:
    return f"{path}?{urlencode(query)}" if query else path


class AuditPages:
    """The endpoints; each is wrapped in ``shell.page(admin=True)``."""

    def __init__(self, runtime: Runtime, shell: StaffShell) -> None:
        self.shell = shell
        self.log = AuditLog(runtime.db)

    @staticmethod
    def staff(request: Request) -> StaffUser:
        found: StaffUser = request.state.staff
        return found

    def words(self, request: Request, zone: str) -> Words:
        """How actions, actors and keys are named, and times shown, in her language."""
        return Words(self.shell.gettext(request), self.shell.language(request), zone)

    async def show(self, request: Request) -> Response:
        """The log page; the results alone for htmx."""
        filters, problems = filters_of(request.query_params)
        me = self.staff(request)
        if problems:
            listing = await run_in_threadpool(
                self.log.page,
                me.admin_organisation_ids,
                Filters(organisation=filters.organisation),
            )
            listing.entries, listing.total, listing.pages = [], 0, 1
        else:
            listing = await run_in_threadpool(self.log.page, me.admin_organisation_ids, filters)
        _ = self.shell.gettext(request)
        names = {choice.value: choice.label for choice in listing.organisations}
        words = self.words(request, listing.timezone)
        action_choices = sorted(
            ((words.action_label(code), code) for code in listing.actions),
            key=lambda choice: (choice[0].casefold(), choice[1]),
        )
        context: dict[str, Any] = {
            **words.template_helpers(),
            "action_choices": action_choices,
            "listing": listing,
            "filters": filters,
            "problems": [_(p) for p in problems],
            "organisation_names": names,
            "page_link": lambda page: _link("/staff/audit", filters.query(page)),
            "export_link": _link("/staff/audit/export", filters.query()),
        }
        partial = request.headers.get("hx-request") and not request.headers.get(
            "hx-history-restore-request"
        )
        template = "audit_log/results.html" if partial else "audit_log/list.html"
        return self.shell.render(request, template, context)

    async def export(self, request: Request) -> Response:
        """The filtered entries as CSV, in her language, times in the organisation's zone."""
        filters, problems = filters_of(request.query_params)
        me = self.staff(request)
        if problems:
            _ = self.shell.gettext(request)
            return self.shell.refused(request, 400, " ".join(_(p) for p in problems))
        text = await run_in_threadpool(self._csv, request, me, filters)
        stamp = self.shell.clock().date().isoformat()
        return Response(
            "\ufeff" + text,  # a byte order mark: spreadsheets then read UTF-8 as UTF-8
            media_type="text/csv; charset=utf-8",
            headers={
                "content-disposition": f'attachment; filename="protokoll-{stamp}.csv"',
                "cache-control": "no-store",
            },
        )

    def _csv(self, request: Request, me: StaffUser, filters: Filters) -> str:
        found = self.log.export(me.admin_organisation_ids, filters)
        return self.words(request, found.timezone).csv(found)


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The audit routes, admins only."""
    pages = AuditPages(runtime, shell)
    return [
        Route("/staff/audit", shell.page(pages.show, admin=True), methods=["GET"]),
        Route("/staff/audit/export", shell.page(pages.export, admin=True), methods=["GET"]),
    ]


__all__ = ["AuditPages", "filters_of", "staff_pages"]
