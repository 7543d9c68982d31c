"""The people pages under ``/staff/people``: the directory, a profile and its actions.

* ``GET /staff/people``: the search form and the first page; with htmx (``HX-Request``) only
  the results, so typing filters the list in place; without JavaScript the form still works.
* ``GET /staff/people/<id>``: her profile with the actions (POST forms with the CSRF token).
* ``POST …/enrol``, ``POST …/export`` (a zip download), ``GET``/``POST …/delete`` (a
  confirmation that names her, then the erasure).

A person of another organisation is answered exactly like an id nobody has: 404.  Everything
that reads or writes the database runs in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.features.people.actions import ActionError, PersonActions
from bot.features.people.directory import STATUSES, Directory, Filters
from bot.features.people.labels import TABLES, course_title, language_name
from bot.features.people.profile import Profile, Profiles
from bot.features.people.scope import PersonNotFoundError
from bot.web.staff.i18n import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

#: The largest id a path may carry (a bigger number cannot be anyone: 404, not a SQL error).
MAX_ID = 2**31 - 1
#: Longest search text read (a name or a town).
MAX_QUERY = 100

NOTICES = {
    "enrolled": N_("Sie ist jetzt im Kurs angemeldet. Ihre Erinnerungen sind geplant."),
    "already": N_("Sie war schon in diesem Kurs angemeldet."),
}
ERRORS = {
    "no_such_course": N_("Diesen Kurs gibt es in ihrer Organisation nicht."),
    "no_such_language": N_("Diese Sprache gibt es nicht."),
    "not_confirmed": N_(
        "Bitte bestätigen Sie, dass sie selbst um die Löschung gebeten hat. Es wurde nichts "
        "gelöscht."
    ),
}
NOT_FOUND = N_("Diese Seite gibt es nicht.")


def _int(value: str | None, default: int | None = None) -> int | None:
    """A form or query number; anything else is ``default`` (bad input is not an error)."""
    if value is None or not value.strip().isdigit():
        return default
    number = int(value.strip())
    return number if 0 < number <= MAX_ID else default


def filters_of(params: Mapping[str, str]) -> Filters:
    """The directory's filters from the query string, each cut to a sane size."""
    status = params.get("status", "")
    return Filters(
        name=params.get("q", "")[:MAX_QUERY],
        town=params.get("town", "")[:MAX_QUERY],
        language=params.get("language", "")[:16],
        course=_int(params.get("course")),
        status=status if status in STATUSES else "",
        organisation=_int(params.get("organisation")),
        page=_int(params.get("page"), 1) or 1,
    )


def helpers(lang: str) -> dict[str, Any]:
    """What the people templates use besides the shell's context."""
    return {
        "labels": TABLES,
        "language_name": lambda code: language_name(code, lang),
        "course_title": lambda title, fallback: course_title(title, lang, fallback),
    }


class PeoplePages:
    """The endpoints; each is wrapped in ``shell.page`` (login required)."""

    def __init__(self, runtime: Runtime, shell: StaffShell) -> None:
        self.shell = shell
        self.directory = Directory(runtime.db)
        self.profiles = Profiles(runtime.db)
        self.actions = PersonActions(runtime)

    # ---- helpers ------------------------------------------------------------------------------

    @staticmethod
    def staff(request: Request) -> StaffUser:
        found: StaffUser = request.state.staff
        return found

    def _render(
        self, request: Request, template: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        lang = self.shell.language(request)
        return self.shell.render(request, template, {**helpers(lang), **context}, status)

    def not_found(self, request: Request) -> Response:
        _ = self.shell.gettext(request)
        return self.shell.refused(request, 404, _(NOT_FOUND))

    @staticmethod
    def person_id(request: Request) -> int | None:
        value = request.path_params.get("person_id")
        return value if isinstance(value, int) and 0 < value <= MAX_ID else None

    async def _profile(self, request: Request, person_id: int) -> Profile | None:
        try:
            return await run_in_threadpool(self.profiles.get, self.staff(request), person_id)
        except PersonNotFoundError:
            return None

    def _profile_page(
        self,
        request: Request,
        profile: Profile,
        *,
        notice: str | None = None,
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        _ = self.shell.gettext(request)
        return self._render(
            request,
            "people/profile.html",
            {
                "person": profile,
                "notice": _(NOTICES[notice]) if notice in NOTICES else None,
                "error": _(ERRORS[error]) if error in ERRORS else None,
                "export_languages": self._export_languages(request, profile),
            },
            status,
        )

    def _export_languages(self, request: Request, profile: Profile) -> list[str]:
        """Hers first, then the staff member's, then German (each once)."""
        codes = [profile.language or "de", self.shell.language(request), "de"]
        return list(dict.fromkeys(codes))

    # ---- pages --------------------------------------------------------------------------------

    async def people(self, request: Request) -> Response:
        """The directory; the results alone for htmx."""
        filters = filters_of(request.query_params)
        lang = self.shell.language(request)
        listing = await run_in_threadpool(
            self.directory.search, self.staff(request), filters, lang
        )
        context = {"listing": listing, "filters": filters, "statuses": STATUSES}
        partial = request.headers.get("hx-request") and not request.headers.get(
            "hx-history-restore-request"
        )
        template = "people/results.html" if partial else "people/list.html"
        return self._render(request, template, context)

    async def profile(self, request: Request) -> Response:
        person_id = self.person_id(request)
        profile = await self._profile(request, person_id) if person_id else None
        if profile is None:
            return self.not_found(request)
        return self._profile_page(request, profile, notice=request.query_params.get("notice"))

    async def enrol(self, request: Request) -> Response:
        person_id = self.person_id(request)
        if person_id is None:
            return self.not_found(request)
        form = await request.form()
        course = _int(str(form.get("course", "")))
        try:
            if course is None:
                raise ActionError("no_such_course")
            result = await run_in_threadpool(
                self.actions.enrol, self.staff(request), person_id, course
            )
        except PersonNotFoundError:
            return self.not_found(request)
        except ActionError as error:
            profile = await self._profile(request, person_id)
            if profile is None:
                return self.not_found(request)
            return self._profile_page(request, profile, error=error.code, status=400)
        notice = "already" if result.already else "enrolled"
        return RedirectResponse(f"/staff/people/{person_id}?notice={notice}", status_code=303)

    async def export(self, request: Request) -> Response:
        person_id = self.person_id(request)
        if person_id is None:
            return self.not_found(request)
        form = await request.form()
        language = str(form.get("language", ""))[:16] or None
        try:
            export = await run_in_threadpool(
                self.actions.export, self.staff(request), person_id, language
            )
        except PersonNotFoundError:
            return self.not_found(request)
        except ActionError as error:
            profile = await self._profile(request, person_id)
            if profile is None:
                return self.not_found(request)
            return self._profile_page(request, profile, error=error.code, status=400)
        return Response(
            export.data,
            media_type="application/zip",
            headers={
                "content-disposition": f'attachment; filename="{export.filename}"',
                "cache-control": "no-store",
            },
        )

    async def delete_form(self, request: Request) -> Response:
        person_id = self.person_id(request)
        profile = await self._profile(request, person_id) if person_id else None
        if profile is None:
            return self.not_found(request)
        return self._render(request, "people/delete.html", {"person": profile})

    async def delete(self, request: Request) -> Response:
        person_id = self.person_id(request)
        profile = await self._profile(request, person_id) if person_id else None
        if profile is None or person_id is None:
            return self.not_found(request)
        form = await request.form()
        confirmed = form.get("confirm") == "yes"
        try:
            erased = await run_in_threadpool(
                lambda: self.actions.delete(self.staff(request), person_id, confirmed=confirmed)
            )
        except PersonNotFoundError:
            return self.not_found(request)
        except ActionError as error:
            _ = self.shell.gettext(request)
            context = {"person": profile, "error": _(ERRORS[error.code])}
            return self._render(request, "people/delete.html", context, 400)
        return self._render(
            request, "people/deleted.html", {"name": profile.name, "erasure": erased.erasure_id}
        )


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The people routes, each behind the shell's login."""
    pages = PeoplePages(runtime, shell)
    one = "/staff/people/{person_id:int}"
    page: Callable[..., Any] = shell.page
    return [
        Route("/staff/people", page(pages.people), methods=["GET"]),
        Route(one, page(pages.profile), methods=["GET"]),
        Route(f"{one}/enrol", page(pages.enrol), methods=["POST"]),
        Route(f"{one}/export", page(pages.export), methods=["POST"]),
        Route(f"{one}/delete", page(pages.delete_form), methods=["GET"]),
        Route(f"{one}/delete", page(pages.delete), methods=["POST"]),
    ]


__all__ = ["PeoplePages", "filters_of", "staff_pages"]
