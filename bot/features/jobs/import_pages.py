"""``/staff/jobs/import``: the BA job search import of her organisations.

* ``GET /staff/jobs/import``: per organisation whether the daily import is on, where and what
  it searches, when it last ran and why it last failed, and the latest imported offers with
  their state (waiting for review, open, closed);
* ``POST /staff/jobs/import/<organisation>/settings``: admins only (403 otherwise): on/off,
  place, radius, search words; a wrong field is said next to it and nothing is stored;
* ``POST /staff/jobs/import/<organisation>/run``: admins only: import now.

Coordinators see everything and change nothing here; they review the imported offers on the
offers page (``/staff/jobs``).  Every POST answers with a redirect and a notice
(post/redirect/get); another organisation's id is answered like an id nobody has: 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from babel.dates import format_date
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.features.jobs.ba_client import split_reason
from bot.features.jobs.importing import (
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    MAX_RADIUS_KM,
    Importer,
    SettingsError,
    imported_offers,
    read_settings,
    save_settings,
)
from bot.web.staff.i18n import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

PATH = "/staff/jobs/import"
MAX_ID = 2**31 - 1

NOTICES = {
    "saved": N_("Die Einstellungen sind gespeichert."),
    "imported": N_(
        "Abgerufen. Neu: %(new)s, geändert: %(updated)s. Neue Angebote warten auf Ihre Prüfung."
    ),
    "failed": N_("Der Abruf hat nicht geklappt. Der Grund steht unten bei der Organisation."),
}
FIELD_ERRORS = {
    "bad_place": N_("Bitte einen Ort oder eine Postleitzahl eingeben (höchstens 100 Zeichen)."),
    "bad_radius": N_("Der Umkreis ist eine Zahl von 0 bis %(max)s km."),
    "bad_keywords": N_(
        "Höchstens %(count)s Suchwörter, durch Kommas getrennt, jedes höchstens %(length)s "
        "Zeichen."
    ),
}
FORM_INVALID = N_("Bitte prüfen Sie die markierten Felder. Es wurde nichts gespeichert.")
ADMINS_ONLY = N_("Nur Administratorinnen und Administratoren können das ändern.")
#: Why the last run failed (``job_import_settings.last_error``: ``code`` or ``code:status``).
REASONS = {
    "timeout": N_("Die Jobsuche der Arbeitsagentur hat nicht rechtzeitig geantwortet."),
    "unreachable": N_("Die Jobsuche der Arbeitsagentur war nicht erreichbar."),
    "server_error": N_("Die Jobsuche der Arbeitsagentur hat einen Fehler gemeldet (%(status)s)."),
    "refused": N_("Die Jobsuche der Arbeitsagentur hat die Suche abgelehnt (%(status)s)."),
    "unreadable": N_("Die Antwort der Jobsuche war nicht lesbar."),
    "no_place": N_("Es ist kein Ort eingetragen."),
    "busy": N_("Gleichzeitig lief ein anderer Abruf. Bitte noch einmal versuchen."),
}
KINDS = {
    "mini_job": N_("Minijob"),
    "part_time": N_("Teilzeit"),
    "full_time": N_("Vollzeit"),
    "training": N_("Ausbildung"),
    "internship": N_("Praktikum"),
    "volunteering": N_("Ehrenamt"),
}
STATUSES = {
    "review": N_("wartet auf Prüfung"),
    "open": N_("veröffentlicht"),
    "closed": N_("beendet"),
}


def _id(value: Any) -> int | None:
    text = str(value or "").strip()
    if not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class ImportPages:
    """The endpoints; each wrapped in ``shell.page`` (login required)."""

    def __init__(self, runtime: Runtime, shell: StaffShell) -> None:
        self.runtime = runtime
        self.shell = shell

    def routes(self) -> list[BaseRoute]:
        page = self.shell.page
        return [
            Route(PATH, page(self.show), methods=["GET"]),
            Route(f"{PATH}/{{organisation_id:int}}/settings", page(self.save), methods=["POST"]),
            Route(f"{PATH}/{{organisation_id:int}}/run", page(self.run), methods=["POST"]),
        ]

    @staticmethod
    def staff(request: Request) -> StaffUser:
        found: StaffUser = request.state.staff
        return found

    def _view(self, staff: StaffUser) -> dict[str, Any]:
        with self.runtime.db.connect() as conn:
            return {
                "settings": read_settings(conn, staff.organisation_ids),
                "offers": imported_offers(conn, sorted(staff.organisation_ids)),
            }

    async def show(
        self,
        request: Request,
        form: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        staff = self.staff(request)
        _ = self.shell.gettext(request)
        lang = self.shell.language(request)
        view = await run_in_threadpool(self._view, staff)
        params = request.query_params
        notice_code = params.get("notice", "")
        notice = None
        if notice_code in NOTICES:
            notice = _(NOTICES[notice_code])
            if notice_code == "imported":
                notice %= {
                    "new": _id(params.get("new")) or 0,
                    "updated": _id(params.get("updated")) or 0,
                }
        limits = {"max": MAX_RADIUS_KM, "count": MAX_KEYWORDS, "length": MAX_KEYWORD_LENGTH}
        context = {
            **view,
            "notice": notice,
            "alert": _(FORM_INVALID) if errors else None,
            "form": form or {},
            "errors": {
                key: _(FIELD_ERRORS[code]) % limits for key, code in (errors or {}).items()
            },
            "reason": lambda stored: self._reason(_, stored),
            "kinds": KINDS,
            "statuses": STATUSES,
            "several": len(staff.organisation_ids) > 1,
            "names": {s.organisation_id: s.name for s in view["settings"]},
            "admin_of": staff.admin_organisation_ids,
            "max_radius": MAX_RADIUS_KM,
            "format_day": lambda day: format_date(day, "medium", locale=lang),
        }
        return self.shell.render(request, "jobs/import.html", context, status_code)

    @staticmethod
    def _reason(_: Any, stored: str) -> str:
        code, status = split_reason(stored)
        if code not in REASONS:
            return stored
        text: str = _(REASONS[code]) % {"status": status}
        return text

    def _admin_check(self, request: Request) -> tuple[int | None, Response | None]:
        staff = self.staff(request)
        organisation_id = _id(request.path_params.get("organisation_id"))
        if organisation_id is None or organisation_id not in staff.organisation_ids:
            return None, self.shell.not_found(request)
        if not staff.is_admin(organisation_id):
            _ = self.shell.gettext(request)
            return None, self.shell.refused(request, 403, _(ADMINS_ONLY))
        return organisation_id, None

    async def save(self, request: Request) -> Response:
        organisation_id, refusal = self._admin_check(request)
        if refusal is not None or organisation_id is None:
            return refusal or self.shell.not_found(request)
        data = await request.form()
        form: dict[str, Any] = {
            "organisation_id": organisation_id,
            "enabled": data.get("enabled") == "on",
            "place": str(data.get("place", ""))[:200],
            "radius_km": str(data.get("radius_km", ""))[:10],
            "keywords": str(data.get("keywords", ""))[:600],
        }
        staff = self.staff(request)

        def store() -> None:
            with self.runtime.db.begin() as conn:
                save_settings(
                    conn,
                    organisation_id,
                    enabled=form["enabled"],
                    place=form["place"],
                    radius_km=form["radius_km"],
                    keywords=form["keywords"],
                    actor=staff.actor,
                    now=self.runtime.clock(),
                )

        try:
            await run_in_threadpool(store)
        except SettingsError as error:
            return await self.show(request, form, {error.field: error.code}, 400)
        return RedirectResponse(f"{PATH}?notice=saved", status_code=303)

    async def run(self, request: Request) -> Response:
        organisation_id, refusal = self._admin_check(request)
        if refusal is not None or organisation_id is None:
            return refusal or self.shell.not_found(request)
        importer = Importer(
            self.runtime.db, self.runtime.clock, self.runtime.settings.ba_jobsearch_url
        )
        result = await run_in_threadpool(importer.run, organisation_id)
        if result.error:
            return RedirectResponse(
                f"{PATH}?notice=failed#organisation-{organisation_id}", status_code=303
            )
        return RedirectResponse(
            f"{PATH}?notice=imported&new={result.new}&updated={result.updated}", status_code=303
        )


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The import page's routes (``Feature.staff_pages``)."""
    return ImportPages(runtime, shell).routes()


__all__ = ["PATH", "ImportPages", "staff_pages"]
