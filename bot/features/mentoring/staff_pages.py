"""``/staff/mentoring``: mentors, waiting participants with ranked suggestions, proposals in
flight, running and ended matches, and the automatic-proposal switch.

* ``GET /staff/mentoring``: every section, scoped to her organisations;
* ``POST /staff/mentoring/requests/<id>/propose`` (``mentor``): propose, the mentor is asked
  first;
* ``POST /staff/mentoring/matches/<id>/take-back`` and ``…/end``;
* ``POST /staff/mentoring/settings/<organisation>``: admins only (403 otherwise).

Every POST answers with a redirect to the page and a notice (post/redirect/get), so reloading
never proposes twice; a change that is no longer possible (answered meanwhile) is said plainly
(409).  Another organisation's ids are answered like ids nobody has: 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.features.mentoring import staff_labels
from bot.features.mentoring.matching import MatchingError, MatchingService, NotFoundError
from bot.web.staff.i18n import N_, language_name

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

PATH = "/staff/mentoring"
MAX_ID = 2**31 - 1

NOTICES = {
    "proposed": N_("Vorgeschlagen. Die Mentorin wird jetzt zuerst gefragt."),
    "taken_back": N_("Der Vorschlag ist zurückgenommen. Die Teilnehmerin wartet wieder."),
    "ended": N_("Die Begleitung ist beendet."),
    "saved": N_("Die Einstellungen sind gespeichert."),
}
ERRORS = {
    "cannot_propose": N_(
        "Dieser Vorschlag geht gerade nicht (zum Beispiel wartet die Teilnehmerin nicht mehr "
        "oder die Mentorin hat keinen freien Platz). Die Seite zeigt den aktuellen Stand."
    ),
    "state_changed": N_(
        "Das hat sich inzwischen geändert (zum Beispiel hat jemand geantwortet). "
        "Die Seite zeigt den aktuellen Stand."
    ),
    "bad_threshold": N_("Die Schwelle ist eine Zahl von 0 bis 100 (Prozent)."),
    "no_mentor": N_("Bitte wählen Sie eine Mentorin."),
}
ADMINS_ONLY = N_("Nur Administratorinnen und Administratoren können das ändern.")


def _id(value: Any) -> int | None:
    """A form or path id; anything else is ``None`` (bad input is not an error)."""
    text = str(value or "").strip()
    if not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class MentoringPages:
    """The endpoints; each wrapped in ``shell.page`` (login required)."""

    def __init__(self, runtime: Runtime, shell: StaffShell) -> None:
        self.shell = shell
        self.service = MatchingService(runtime.db, runtime.clock)

    def routes(self) -> list[BaseRoute]:
        page = self.shell.page
        return [
            Route(PATH, page(self.show), methods=["GET"]),
            Route(
                f"{PATH}/requests/{{request_id:int}}/propose",
                page(self.propose),
                methods=["POST"],
            ),
            Route(
                f"{PATH}/matches/{{match_id:int}}/take-back",
                page(self.take_back),
                methods=["POST"],
            ),
            Route(f"{PATH}/matches/{{match_id:int}}/end", page(self.end), methods=["POST"]),
            Route(
                f"{PATH}/settings/{{organisation_id:int}}",
                page(self.save_settings),
                methods=["POST"],
            ),
        ]

    @staticmethod
    def staff(request: Request) -> StaffUser:
        found: StaffUser = request.state.staff
        return found

    async def show(self, request: Request, error: str | None = None) -> Response:
        staff = self.staff(request)
        overview = await run_in_threadpool(self.service.overview, staff)
        lang = self.shell.language(request)
        _ = self.shell.gettext(request)
        notice = NOTICES.get(request.query_params.get("notice", ""))
        context = {
            "view": overview,
            "notice": _(notice) if notice else None,
            "error": _(ERRORS[error]) if error else None,
            "language_name": lambda code: language_name(code, lang),
            "labels": staff_labels,
            "several": len(staff.organisation_ids) > 1,
            "admin_of": staff.admin_organisation_ids,
        }
        return self.shell.render(request, "mentoring/page.html", context, 409 if error else 200)

    def _back(self, notice: str) -> Response:
        return RedirectResponse(f"{PATH}?notice={notice}", status_code=303)

    async def propose(self, request: Request) -> Response:
        request_id = _id(request.path_params.get("request_id"))
        mentor_id = _id((await request.form()).get("mentor"))
        if request_id is None:
            return self.shell.not_found(request)
        if mentor_id is None:
            _ = self.shell.gettext(request)
            message = ERRORS["no_mentor"]
            return self.shell.refused(request, 400, _(message))
        try:
            await run_in_threadpool(
                self.service.propose, self.staff(request), request_id, mentor_id
            )
        except NotFoundError:
            return self.shell.not_found(request)
        except MatchingError as failure:
            return await self.show(request, failure.code)
        return self._back("proposed")

    async def take_back(self, request: Request) -> Response:
        return await self._close(request, end=False)

    async def end(self, request: Request) -> Response:
        return await self._close(request, end=True)

    async def _close(self, request: Request, *, end: bool) -> Response:
        match_id = _id(request.path_params.get("match_id"))
        if match_id is None:
            return self.shell.not_found(request)
        act = self.service.end if end else self.service.take_back
        try:
            await run_in_threadpool(act, self.staff(request), match_id)
        except NotFoundError:
            return self.shell.not_found(request)
        except MatchingError:
            return await self.show(request, "state_changed")
        return self._back("ended" if end else "taken_back")

    async def save_settings(self, request: Request) -> Response:
        staff = self.staff(request)
        organisation_id = _id(request.path_params.get("organisation_id"))
        if organisation_id is None or organisation_id not in staff.organisation_ids:
            return self.shell.not_found(request)
        if not staff.is_admin(organisation_id):
            _ = self.shell.gettext(request)
            return self.shell.refused(request, 403, _(ADMINS_ONLY))
        form = await request.form()
        auto = form.get("auto_propose") == "on"
        raw = str(form.get("threshold", "")).strip().replace(",", ".")
        try:
            threshold = float(raw) / 100
        except ValueError:
            return await self.show(request, "bad_threshold")
        try:
            await run_in_threadpool(
                self.service.save_settings, staff, organisation_id, auto, threshold
            )
        except MatchingError:
            return await self.show(request, "bad_threshold")
        return self._back("saved")


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The mentoring routes (``Feature.staff_pages``)."""
    return MentoringPages(runtime, shell).routes()


__all__ = ["PATH", "MentoringPages", "staff_pages"]
