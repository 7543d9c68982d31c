"""``/staff/mentoring``: mentors, waiting participants with ranked suggestions, proposals in
flight, running and ended matches, and the automatic-proposal switch.

* ``GET /staff/mentoring``: every section, scoped to her organisations;
* ``POST /staff/mentoring/requests/<id>/propose`` (``mentor``): propose, the mentor is asked
  first;
* ``POST /staff/mentoring/matches/<id>/take-back`` and ``…/end``;
* ``POST /staff/mentoring/settings/<organisation>``: admins only (403 otherwise);
* ``GET``/``POST /staff/mentoring/mentors/new``: add a mentor who signed the paper form
  (:mod:`.roster`); a wrong field is shown next to it and nothing is stored;
* ``POST /staff/mentoring/invites/<organisation>``: a new mentor invite code; the page lists
  the active ones with their Telegram link and QR code (once the bot's name is known).

Every POST answers with a redirect to the page and a notice (post/redirect/get), so reloading
never proposes twice; a change that is no longer possible (answered meanwhile) is said plainly
(409).  Another organisation's ids are answered like ids nobody has: 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.features.mentoring import staff_labels
from bot.features.mentoring.matching import MatchingError, MatchingService, NotFoundError
from bot.features.mentoring.roster import (
    NewMentor,
    RosterError,
    add_mentor,
    create_mentor_invite,
    mentor_invites,
)
from bot.features.mentoring.topics import AVAILABILITY, CAPACITIES
from bot.staff.totp import qr_svg
from bot.web.staff.i18n import N_, language_name
from conversations.languages import default_languages

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
    "added": N_("Die Mentorin ist eingetragen. Sie kann jetzt vorgeschlagen werden."),
    "invited": N_("Ein neuer Einladungs-Code für Mentorinnen ist erstellt."),
}
FIELD_ERRORS = {
    "bad_name": N_("Bitte einen Vornamen eingeben (höchstens 40 Zeichen)."),
    "bad_language": N_("Bitte eine Sprache wählen."),
    "bad_town": N_("Der Ort ist zu lang (höchstens 80 Zeichen)."),
    "no_languages": N_("Bitte mindestens eine Sprache ankreuzen."),
    "no_topics": N_("Bitte mindestens ein Thema ankreuzen."),
    "bad_availability": N_("Bitte nur die angebotenen Zeiten wählen."),
    "bad_capacity": N_("Bitte 1, 2 oder 3 wählen."),
    "consent_needed": N_(
        "Sie muss das Papierformular unterschrieben haben (Profil, Nachrichten, Mentoring)."
    ),
    "bad_phone": N_("Das ist keine gültige Telefonnummer."),
    "phone_known": N_(
        "Diese Nummer kennt der Bot schon. Schicken Sie ihr stattdessen einen "
        "Einladungs-Code für Mentorinnen."
    ),
    "no_organisation": N_("Bitte eine Organisation wählen."),
}
FORM_INVALID = N_("Bitte prüfen Sie die markierten Felder. Es wurde nichts gespeichert.")
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
        self.runtime = runtime
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
            Route(f"{PATH}/mentors/new", page(self.new_mentor), methods=["GET"]),
            Route(f"{PATH}/mentors/new", page(self.add_mentor), methods=["POST"]),
            Route(f"{PATH}/invites/{{organisation_id:int}}", page(self.invite), methods=["POST"]),
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
            "invites": await run_in_threadpool(self._invites, staff),
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

    # ---- mentor invites ---------------------------------------------------------------------

    def _link(self, code: str) -> str | None:
        """The Telegram deep link of a code, once the bot's name is known."""
        telegram = self.runtime.telegram
        base = telegram.bot_link if telegram is not None else ""
        return f"{base}?start={code}" if base else None

    def _invites(self, staff: StaffUser) -> list[dict[str, Any]]:
        with self.runtime.db.connect() as conn:
            found = mentor_invites(conn, staff.organisation_ids)
        shown = []
        for code, organisation_id in found:
            link = self._link(code)
            shown.append(
                {
                    "code": code,
                    "organisation_id": organisation_id,
                    "link": link,
                    # segno's own SVG of our own link: no user input in it.
                    "qr": Markup(qr_svg(link)) if link else None,  # noqa: S704
                }
            )
        return shown

    async def invite(self, request: Request) -> Response:
        staff = self.staff(request)
        organisation_id = _id(request.path_params.get("organisation_id"))
        if organisation_id is None or organisation_id not in staff.organisation_ids:
            return self.shell.not_found(request)

        def create() -> str:
            with self.runtime.db.begin() as conn:
                return create_mentor_invite(
                    conn, organisation_id, staff.actor, self.runtime.clock()
                )

        await run_in_threadpool(create)
        return RedirectResponse(f"{PATH}?notice=invited#invites", status_code=303)

    # ---- adding a mentor ----------------------------------------------------------------------

    def _mentor_form(
        self,
        request: Request,
        form: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Response:
        staff = self.staff(request)
        lang = self.shell.language(request)
        _ = self.shell.gettext(request)
        context = {
            "form": form,
            "errors": {key: _(FIELD_ERRORS[code]) for key, code in errors.items()},
            "alert": _(FORM_INVALID) if errors else None,
            "bot_languages": default_languages().languages,
            "language_name": lambda code: language_name(code, lang),
            "labels": staff_labels,
            "availability": AVAILABILITY,
            "capacities": CAPACITIES,
            "organisations": self.service.settings(staff),
        }
        return self.shell.render(request, "mentoring/new_mentor.html", context, status_code)

    async def new_mentor(self, request: Request) -> Response:
        staff = self.staff(request)
        form = {
            "organisation": min(staff.organisation_ids, default=0),
            "language": "de",
            "languages": ["de"],
            "topics": [],
            "availability": [],
            "capacity": 1,
        }
        return await run_in_threadpool(self._mentor_form, request, form, {})

    async def add_mentor(self, request: Request) -> Response:
        staff = self.staff(request)
        data = await request.form()
        form: dict[str, Any] = {
            "organisation": _id(data.get("organisation")) or 0,
            "name": str(data.get("name", ""))[:200],
            "phone": str(data.get("phone", ""))[:40],
            "language": str(data.get("language", "")),
            "town": str(data.get("town", ""))[:200],
            "languages": [str(v) for v in data.getlist("languages")],
            "topics": [str(v) for v in data.getlist("topics")],
            "availability": [str(v) for v in data.getlist("availability")],
            "capacity": _id(data.get("capacity")) or 0,
            "consent": data.get("consent") == "yes",
        }
        if form["organisation"] not in staff.organisation_ids:
            return await run_in_threadpool(
                self._mentor_form, request, form, {"organisation": "no_organisation"}, 400
            )
        new = NewMentor(
            organisation_id=form["organisation"],
            name=form["name"],
            phone=form["phone"],
            language=form["language"],
            town=form["town"],
            languages=form["languages"],
            topics=form["topics"],
            availability=form["availability"],
            capacity=form["capacity"],
            purposes=("profile", "messages", "mentoring") if form["consent"] else (),
        )

        def store() -> None:
            with self.runtime.db.begin() as conn:
                add_mentor(
                    conn,
                    new,
                    self.runtime.settings.secret_key,
                    staff.actor,
                    self.runtime.clock(),
                )

        try:
            await run_in_threadpool(store)
        except RosterError as error:
            return await run_in_threadpool(
                self._mentor_form, request, form, {error.field: error.code}, 400
            )
        return self._back("added")


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The mentoring routes (``Feature.staff_pages``)."""
    return MentoringPages(runtime, shell).routes()


__all__ = ["PATH", "MentoringPages", "staff_pages"]
