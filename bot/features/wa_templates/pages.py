"""``/staff/templates``: the WhatsApp templates of the staff member's organisations.

* ``GET /staff/templates``: per organisation, every message kind the bot starts × every
  language it offers (and its people speak): Content SID, Twilio's approval status in plain
  words with the rejection reason, when it was checked; above it, what is missing in which
  language and for how many people, and which template goes instead.
* ``POST /staff/templates/refresh`` (CSRF checked by the shell's guard): asks Twilio now, audits
  the refresh for each of her organisations, and comes back to the page with a notice.  Twilio
  not reachable is a plain message with the date of the last answers, never an error page.

Without Twilio credentials the page says WhatsApp is not configured (and still shows which
templates the file lists).  Everything is read in worker threads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.whatsapp.templates import TemplateConfigError
from bot.features.wa_templates.labels import NOT_CHECKED, OTHER, STATUSES, language_name
from bot.features.wa_templates.service import Overview, StoredStatus, TemplateService
from bot.web.staff.i18n import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

PATH = "/staff/templates"
REFRESH_PATH = f"{PATH}/refresh"
NOTICES = {
    "refreshed": N_("Der Status ist aktuell: Twilio wurde eben gefragt."),
    "nothing": N_("Die Vorlagen-Datei nennt keine Vorlage: es gab nichts abzufragen."),
}
ALERTS = {
    "unreachable": N_("Twilio war nicht erreichbar; Stand von %(when)s."),
    "refused": N_(
        "Twilio hat die Anfrage abgelehnt (Fehler %(code)s). Bitte prüfen Sie die "
        "Twilio-Zugangsdaten. Stand von %(when)s."
    ),
    "not_configured": N_("WhatsApp ist nicht eingerichtet: es gibt nichts abzufragen."),
    "bad_file": N_("Die Vorlagen-Datei ist fehlerhaft: %(error)s"),
}
NEVER = N_("nie")


def service_of(runtime: Runtime) -> TemplateService:
    """The service of a running process (the page, the daily job)."""
    return TemplateService(
        runtime.db, runtime.settings, runtime.clock, runtime.flow_engine.languages
    )


class TemplatePages:
    """The templates page of one running app."""

    def __init__(self, runtime: Runtime, shell: StaffShell) -> None:
        self.shell = shell
        self.service = service_of(runtime)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(PATH, self.shell.page(self.show), methods=["GET"]),
            Route(REFRESH_PATH, self.shell.page(self.refresh), methods=["POST"]),
        ]

    def _overviews(self, staff: StaffUser) -> tuple[list[Overview], str | None]:
        try:
            book = self.service.book()
        except TemplateConfigError as error:
            return [], str(error)
        if not book.templates and not self.service.configured:
            return [], None  # no WhatsApp here: a list of "missing" would only alarm
        found = (self.service.overview(org, book) for org in sorted(staff.organisation_ids))
        overviews = [o for o in found if o is not None]
        overviews.sort(key=lambda o: o.name.casefold())
        return overviews, None

    async def show(self, request: Request) -> Response:
        staff: StaffUser = request.state.staff
        _ = self.shell.gettext(request)
        lang = self.shell.language(request)
        overviews, bad_file = await run_in_threadpool(self._overviews, staff)
        context = self.shell.context(request)
        checked = [o.last_checked for o in overviews if o.last_checked is not None]
        when = context["format_datetime"](max(checked)) if checked else _(NEVER)
        params = request.query_params
        notice = NOTICES.get(params.get("notice", ""))
        alert = None
        problem = "bad_file" if bad_file else params.get("problem", "")
        if problem in ALERTS:
            code = params.get("code", "")
            values = {
                "error": bad_file or "",
                "code": code[:8] if code.isdigit() else "?",
                "when": when,
            }
            alert_msgid = ALERTS[problem]
            alert = _(alert_msgid) % values

        def status_of(status: StoredStatus | None) -> dict[str, Any]:
            if status is None:
                label, explanation = NOT_CHECKED
                return {"code": "", "label": _(label), "explanation": _(explanation)}
            known = STATUSES.get(status.status)
            if known is None:
                return {
                    "code": status.status,
                    "label": status.status,
                    "explanation": _(OTHER) % {"status": status.status},
                }
            return {"code": status.status, "label": _(known[0]), "explanation": _(known[1])}

        values = {
            "overviews": overviews,
            "configured": self.service.configured,
            "notice": _(notice) if notice else None,
            "alert": alert,
            "last_checked": when,
            "status_of": status_of,
            "language_name": lambda code: language_name(code, lang),
        }
        return self.shell.render(request, "wa_templates/page.html", values)

    async def refresh(self, request: Request) -> Response:
        staff: StaffUser = request.state.staff
        if not self.service.configured:
            return RedirectResponse(f"{PATH}?problem=not_configured", status_code=303)
        try:
            outcome = await run_in_threadpool(
                self.service.refresh, staff.actor, staff.organisation_ids
            )
        except TemplateConfigError:
            return RedirectResponse(PATH, status_code=303)  # the page names the file's error
        if outcome.failure is not None:
            if outcome.failure.code is not None:
                target = f"{PATH}?problem=refused&code={outcome.failure.code}"
            else:
                target = f"{PATH}?problem=unreachable"
        elif outcome.checked == 0:
            target = f"{PATH}?notice=nothing"
        else:
            target = f"{PATH}?notice=refreshed"
        return RedirectResponse(target, status_code=303)


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The feature's routes (``Feature.staff_pages``)."""
    return TemplatePages(runtime, shell).routes()


__all__ = ["PATH", "REFRESH_PATH", "TemplatePages", "service_of", "staff_pages"]
