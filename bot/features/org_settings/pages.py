"""``/staff/organisation``: an organisation's settings, changed by its admins in the browser.

* ``GET /staff/organisation``: with one organisation her settings page, with several a chooser.
* ``GET /staff/organisation/<id>``: the form (admins) or the settings read-only (coordinators).
* ``POST /staff/organisation/<id>``: admins only (403 for a coordinator); the values go through
  :meth:`OrganisationService.for_runtime` with actor ``staff:<id>``: the same checks and the
  same ``organisation.edit`` audit entry as ``twc organisations edit``, and the running
  process's organisation cache is forgotten, so the next message sees the change.  A wrong
  value is shown next to its field and nothing is stored.

An organisation she does not belong to is a 404, like an id that does not exist.  The country
is shown but not edited here (see docs/staff-app.md).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

from babel import Locale
from babel.dates import get_day_names
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.features.org_settings.form import RANGES, FieldError, Submitted, form_of, read
from bot.organisations.service import (
    MAX_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    OrganisationError,
    OrganisationService,
    OrganisationView,
)
from bot.web.staff.i18n import N_
from conversations.opening_hours import DAYS, format_hours

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

PATH = "/staff/organisation"
MAX_ID = 2**31 - 1
NOTICES = {
    "saved": N_("Die Einstellungen sind gespeichert. Der Bot verwendet sie ab sofort."),
    "unchanged": N_("Es gab nichts zu ändern."),
}
INVALID = N_("Bitte prüfen Sie die markierten Felder. Es wurde nichts gespeichert.")
ADMINS_ONLY = N_("Nur Administratorinnen und Administratoren können die Einstellungen ändern.")


@functools.cache
def timezones() -> tuple[str, ...]:
    """Every time zone name ``zoneinfo`` knows (the list the time zone field suggests)."""
    return tuple(sorted(available_timezones()))


class SettingsPages:
    """The settings pages of one running app."""

    def __init__(self, runtime: Runtime, shell: StaffShell) -> None:
        self.shell = shell
        self.service = OrganisationService.for_runtime(runtime)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(PATH, self.shell.page(self.choose), methods=["GET"]),
            Route(f"{PATH}/{{organisation_id:int}}", self.shell.page(self.show), methods=["GET"]),
            Route(f"{PATH}/{{organisation_id:int}}", self.shell.page(self.save), methods=["POST"]),
        ]

    # ---- pages ----------------------------------------------------------------------------

    async def choose(self, request: Request) -> Response:
        """One organisation: straight to it; several: a list to choose from."""
        staff: StaffUser = request.state.staff
        mine = [
            view
            for view in await run_in_threadpool(self.service.all)
            if view.id in staff.organisation_ids
        ]
        if len(mine) == 1:
            return RedirectResponse(f"{PATH}/{mine[0].id}", status_code=303)
        mine.sort(key=lambda view: view.name.casefold())
        return self.shell.render(request, "org_settings/choose.html", {"organisations": mine})

    async def show(self, request: Request) -> Response:
        organisation = await self._organisation(request)
        if organisation is None:
            return self.shell.not_found(request)
        notice = NOTICES.get(request.query_params.get("notice", ""))
        return self._page(request, organisation, form_of(organisation), {}, notice=notice)

    async def save(self, request: Request) -> Response:
        staff: StaffUser = request.state.staff
        organisation = await self._organisation(request)
        if organisation is None:
            return self.shell.not_found(request)
        if not staff.is_admin(organisation.id):
            _ = self.shell.gettext(request)
            return self.shell.refused(request, 403, _(ADMINS_ONLY))
        submitted: Submitted = read(await request.form(), self.service)
        if submitted.errors:
            return self._page(request, organisation, submitted.form, submitted.errors, 400)
        try:
            _view, changed = await run_in_threadpool(
                self.service.edit, organisation.slug, submitted.values, staff.actor
            )
        except OrganisationError:
            # Everything was checked above; only a change made meanwhile gets here.
            return self._page(request, organisation, submitted.form, {}, 400, failed=True)
        notice = "saved" if changed else "unchanged"
        return RedirectResponse(f"{PATH}/{organisation.id}?notice={notice}", status_code=303)

    # ---- helpers --------------------------------------------------------------------------

    async def _organisation(self, request: Request) -> OrganisationView | None:
        """The organisation of the URL if she belongs to it (else ``None``: a 404)."""
        staff: StaffUser = request.state.staff
        wanted = request.path_params["organisation_id"]
        if not 0 < wanted <= MAX_ID or wanted not in staff.organisation_ids:
            return None
        for view in await run_in_threadpool(self.service.all):
            if view.id == wanted:
                return view
        return None

    def _page(
        self,
        request: Request,
        organisation: OrganisationView,
        form: dict[str, Any],
        errors: dict[str, FieldError],
        status_code: int = 200,
        *,
        notice: str | None = None,
        failed: bool = False,
    ) -> Response:
        staff: StaffUser = request.state.staff
        lang = self.shell.language(request)
        _ = self.shell.gettext(request)
        day_names = get_day_names("wide", locale=lang)
        messages = {
            key: _(error.msgid) % error.values if error.values else _(error.msgid)
            for key, error in errors.items()
        }
        context = {
            "organisation": organisation,
            "editable": staff.is_admin(organisation.id),
            "form": form,
            "errors": messages,
            "alert": _(INVALID) if errors or failed else None,
            "notice": _(notice) if notice else None,
            "days": [(day, day_names[index]) for index, day in enumerate(DAYS)],
            "ranges": range(1, RANGES + 1),
            "bot_languages": self.service.languages.languages,
            "timezones": timezones(),
            "hours_preview": format_hours(organisation.opening_hours, lang),
            "country_name": Locale.parse(lang).territories.get(organisation.country, ""),
            "min_days": MIN_RETENTION_DAYS,
            "max_days": MAX_RETENTION_DAYS,
            "several": len(staff.organisation_ids) > 1,
        }
        return self.shell.render(request, "org_settings/settings.html", context, status_code)


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The feature's routes (``Feature.staff_pages``)."""
    return SettingsPages(runtime, shell).routes()


__all__ = ["PATH", "SettingsPages", "staff_pages"]
