"""``/staff/jobs``: the organisation's job offers, a form to enter or change one, and each
offer's page with the women who were told about it and what became of it.

* ``GET /staff/jobs``: open offers, offers waiting for review (imported; their settings are on
  ``/staff/jobs/import``), closed or expired ones;
* ``GET``/``POST /staff/jobs/new`` and ``/staff/jobs/<id>/edit``: the form (a wrong field is
  shown next to it and nothing is stored);
* ``GET /staff/jobs/<id>``: the offer, who was told, who is interested (first name and her
  answers: German, hours, distance) and the outcome per woman;
* ``POST /staff/jobs/<id>/close``, ``…/reopen``, ``…/publish``, ``…/notices/<n>/outcome``.

Every POST answers with a redirect and a notice (post/redirect/get).  Another organisation's
ids are answered like ids nobody has: 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.db.tables import organisations
from bot.features.jobs import offer_rows, staff_labels
from bot.features.jobs.kinds import GERMAN_LEVELS, KINDS, OUTCOMES
from bot.features.jobs.offers import OfferError, OfferNotFoundError, OffersService
from bot.web.staff.i18n import N_, language_name
from conversations.languages import default_languages

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

PATH = "/staff/jobs"
IMPORT_PATH = "/staff/jobs/import"
MAX_ID = 2**31 - 1
TEXT_FIELDS = ("title", "description", "hours_note")

NOTICES = {
    "created": N_("Das Angebot ist gespeichert und offen."),
    "saved": N_("Die Änderungen sind gespeichert."),
    "closed": N_(
        "Das Angebot ist geschlossen. Frauen, die Interesse hatten, bekommen eine freundliche "
        "Nachricht."
    ),
    "reopened": N_("Das Angebot ist wieder offen."),
    "published": N_(
        "Das Angebot ist geprüft und offen. Es geht mit der nächsten Wochen-Nachricht raus."
    ),
    "outcome": N_("Das Ergebnis ist gespeichert."),
}
FIELD_ERRORS = {
    "title_required": N_("Bitte einen Titel in der Hauptsprache der Organisation eingeben."),
    "too_long": N_("Der Text ist zu lang."),
    "language": N_("Unbekannte Sprache."),
    "texts": N_("Unbekannte Sprache."),
    "kind": N_("Bitte eine Art der Arbeit wählen."),
    "german_level": N_("Bitte wählen, wie viel Deutsch nötig ist."),
    "town_required": N_("Bitte den Ort eingeben."),
    "hours": N_("Bitte eine Zahl von 1 bis 60 eingeben."),
    "number": N_("Bitte eine ganze Zahl eingeben."),
    "places": N_("Bitte mindestens 1 eingeben."),
    "expiry_required": N_("Bitte ein Datum eingeben, bis wann das Angebot gilt."),
    "date": N_("Bitte ein Datum eingeben."),
    "expiry_order": N_("Das Angebot muss nach dem Beginn ablaufen."),
    "url": N_("Der Link muss mit https:// beginnen."),
    "organisation": N_("Bitte eine Organisation wählen."),
}
FORM_INVALID = N_("Bitte prüfen Sie die markierten Felder. Es wurde nichts gespeichert.")
ERRORS = {
    "expired": N_("Das Angebot ist abgelaufen. Ändern Sie zuerst das Datum, bis wann es gilt."),
    "title_required": N_("Das Angebot braucht zuerst einen Titel in der Hauptsprache."),
    "incomplete": N_("Das Angebot ist noch nicht vollständig. Bitte zuerst bearbeiten."),
    "state_changed": N_("Das hat sich inzwischen geändert. Die Seite zeigt den aktuellen Stand."),
    "outcome": N_("Bitte ein Ergebnis aus der Liste wählen."),
}


def _id(value: Any) -> int | None:
    """A form or path id; anything else is ``None`` (bad input is not an error)."""
    text = str(value or "").strip()
    if not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def _raw_offer(data: FormData, languages: list[str]) -> dict[str, Any]:
    """The form as the service reads it (texts per language, unchecked)."""
    raw: dict[str, Any] = {
        field: {lang: str(data.get(f"{field}_{lang}", ""))[:2000] for lang in languages}
        for field in TEXT_FIELDS
    }
    for field in (
        "employer",
        "town",
        "hours_per_week",
        "kind",
        "german_level",
        "starts_on",
        "expires_on",
        "places",
        "url",
    ):
        raw[field] = str(data.get(field, ""))[:600]
    raw["employer_shown"] = data.get("employer_shown") == "on"
    raw["childcare_friendly"] = data.get("childcare_friendly") == "on"
    return raw


class JobPages:
    """The endpoints; each wrapped in ``shell.page`` (login required)."""

    def __init__(self, runtime: Runtime, shell: StaffShell) -> None:
        self.shell = shell
        self.runtime = runtime
        self.service = OffersService(runtime.db, runtime.clock)

    def routes(self) -> list[BaseRoute]:
        page = self.shell.page
        offer = f"{PATH}/{{offer_id:int}}"
        return [
            Route(PATH, page(self.show), methods=["GET"]),
            Route(f"{PATH}/new", page(self.new), methods=["GET"]),
            Route(f"{PATH}/new", page(self.create), methods=["POST"]),
            Route(offer, page(self.offer), methods=["GET"]),
            Route(f"{offer}/edit", page(self.edit_form), methods=["GET"]),
            Route(f"{offer}/edit", page(self.edit), methods=["POST"]),
            Route(f"{offer}/close", page(self.close), methods=["POST"]),
            Route(f"{offer}/reopen", page(self.reopen), methods=["POST"]),
            Route(f"{offer}/publish", page(self.publish), methods=["POST"]),
            Route(
                f"{offer}/notices/{{notice_id:int}}/outcome",
                page(self.outcome),
                methods=["POST"],
            ),
        ]

    @staticmethod
    def staff(request: Request) -> StaffUser:
        found: StaffUser = request.state.staff
        return found

    def _labels(self, request: Request) -> dict[str, Any]:
        lang = self.shell.language(request)
        return {"labels": staff_labels, "language_name": lambda code: language_name(code, lang)}

    # ---- the list -----------------------------------------------------------------------

    async def show(self, request: Request) -> Response:
        staff = self.staff(request)

        def read() -> list[offer_rows.OfferRow]:
            with self.runtime.db.connect() as conn:
                return offer_rows.offer_rows(conn, staff.organisation_ids, self.runtime.clock())

        rows = await run_in_threadpool(read)
        _ = self.shell.gettext(request)
        notice = NOTICES.get(request.query_params.get("notice", ""))
        context = {
            "lists": {
                name: [r for r in rows if r.shown_list == name] for name in offer_rows.LISTS
            },
            "notice": _(notice) if notice else None,
            "import_path": IMPORT_PATH,
            **self._labels(request),
        }
        return self.shell.render(request, "jobs/list.html", context)

    # ---- one offer ----------------------------------------------------------------------

    async def offer(self, request: Request, error: str | None = None) -> Response:
        staff = self.staff(request)
        offer_id = _id(request.path_params.get("offer_id"))

        def read() -> tuple[Any, list[offer_rows.NoticeRow], bool]:
            with self.runtime.db.connect() as conn:
                row = offer_rows.offer(conn, staff.organisation_ids, offer_id or 0)
                if row is None:
                    return None, [], False
                today = offer_rows.local_today(conn, row.organisation_id, self.runtime.clock())
                return row, offer_rows.notice_rows(conn, row.id), row.expires_on <= today

        row, notices, expired = await run_in_threadpool(read)
        if row is None:
            return self.shell.not_found(request)
        _ = self.shell.gettext(request)
        notice = NOTICES.get(request.query_params.get("notice", ""))
        context = {
            "offer": row,
            "expired": expired,
            "notices": notices,
            "interested": sum(1 for n in notices if n.status == "interested"),
            "outcomes": OUTCOMES,
            "notice": _(notice) if notice else None,
            "error": _(ERRORS[error]) if error else None,
            **self._labels(request),
        }
        return self.shell.render(request, "jobs/offer.html", context, 409 if error else 200)

    def _back(self, offer_id: int, notice: str) -> Response:
        return RedirectResponse(f"{PATH}/{offer_id}?notice={notice}", status_code=303)

    async def _move(self, request: Request, verb: str, notice: str) -> Response:
        offer_id = _id(request.path_params.get("offer_id"))
        if offer_id is None:
            return self.shell.not_found(request)
        act = getattr(self.service, verb)
        try:
            moved = await run_in_threadpool(act, self.staff(request), offer_id)
        except OfferNotFoundError:
            return self.shell.not_found(request)
        except OfferError as error:
            return await self.offer(request, error.code if error.code in ERRORS else "incomplete")
        if not moved:
            return await self.offer(request, "state_changed")
        return self._back(offer_id, notice)

    async def close(self, request: Request) -> Response:
        return await self._move(request, "close", "closed")

    async def reopen(self, request: Request) -> Response:
        return await self._move(request, "reopen", "reopened")

    async def publish(self, request: Request) -> Response:
        return await self._move(request, "publish", "published")

    async def outcome(self, request: Request) -> Response:
        offer_id = _id(request.path_params.get("offer_id"))
        notice_id = _id(request.path_params.get("notice_id"))
        if offer_id is None or notice_id is None:
            return self.shell.not_found(request)
        chosen = str((await request.form()).get("outcome", "")).strip()
        if chosen and chosen not in OUTCOMES:
            return await self.offer(request, "outcome")
        try:
            await run_in_threadpool(
                self.service.record_outcome, self.staff(request), notice_id, chosen or None
            )
        except OfferNotFoundError:
            return self.shell.not_found(request)
        return RedirectResponse(
            f"{PATH}/{offer_id}?notice=outcome#notice-{notice_id}", status_code=303
        )

    # ---- the form -----------------------------------------------------------------------

    def _organisations(self, staff: StaffUser) -> list[dict[str, Any]]:
        """Her organisations with their default language and the languages they offer."""
        known = [lang.code for lang in default_languages().languages]
        with self.runtime.db.connect() as conn:
            rows = conn.execute(
                select(
                    organisations.c.id,
                    organisations.c.name,
                    organisations.c.default_language,
                    organisations.c.languages,
                )
                .where(organisations.c.id.in_(staff.organisation_ids))
                .order_by(organisations.c.name)
            ).all()
        found = []
        for r in rows:
            offered = [c for c in (r.languages or known) if c in known] or known
            ordered = [r.default_language, *(c for c in offered if c != r.default_language)]
            found.append(
                {"id": r.id, "name": r.name, "default": r.default_language, "languages": ordered}
            )
        return found

    def _form(
        self,
        request: Request,
        form: dict[str, Any],
        errors: dict[str, str],
        offer_id: int | None,
        status_code: int = 200,
    ) -> Response:
        staff = self.staff(request)
        _ = self.shell.gettext(request)
        choices = self._organisations(staff)
        chosen = next((o for o in choices if o["id"] == form["organisation"]), choices[0])
        context = {
            "form": form,
            "offer_id": offer_id,
            "organisations": choices,
            "offer_languages": chosen["languages"],
            "default_language": chosen["default"],
            "kinds": KINDS,
            "german_levels": GERMAN_LEVELS,
            "errors": {key: _(FIELD_ERRORS[code]) for key, code in errors.items()},
            "alert": _(FORM_INVALID) if errors else None,
            **self._labels(request),
        }
        return self.shell.render(request, "jobs/form.html", context, status_code)

    async def new(self, request: Request) -> Response:
        staff = self.staff(request)
        form: dict[str, Any] = {
            "organisation": min(staff.organisation_ids, default=0),
            "kind": "part_time",
            "german_level": "none",
            "employer_shown": True,
            "places": "1",
        }
        return await run_in_threadpool(self._form, request, form, {}, None)

    async def create(self, request: Request) -> Response:
        staff = self.staff(request)
        data = await request.form()
        organisation_id = _id(data.get("organisation")) or 0
        known = [lang.code for lang in default_languages().languages]
        form = {"organisation": organisation_id, **_raw_offer(data, known)}
        if organisation_id not in staff.organisation_ids:
            form["organisation"] = min(staff.organisation_ids, default=0)
            return await run_in_threadpool(
                self._form, request, form, {"organisation": "organisation"}, None, 400
            )
        try:
            offer_id = await run_in_threadpool(
                self.service.create, staff, organisation_id, _raw_offer(data, known)
            )
        except OfferError as error:
            return await run_in_threadpool(
                self._form, request, form, {error.field or "title": error.code}, None, 400
            )
        return self._back(offer_id, "created")

    async def edit_form(self, request: Request) -> Response:
        staff = self.staff(request)
        offer_id = _id(request.path_params.get("offer_id")) or 0

        def read() -> Any:
            with self.runtime.db.connect() as conn:
                return offer_rows.offer(conn, staff.organisation_ids, offer_id)

        row = await run_in_threadpool(read)
        if row is None:
            return self.shell.not_found(request)
        form: dict[str, Any] = {"organisation": row.organisation_id}
        for field in TEXT_FIELDS:
            form[field] = dict(getattr(row, field) or {})
        for field in ("employer", "town", "kind", "german_level", "url"):
            form[field] = getattr(row, field) or ""
        for field in ("hours_per_week", "places"):
            value = getattr(row, field)
            form[field] = "" if value is None else str(value)
        form["starts_on"] = row.starts_on.isoformat() if row.starts_on else ""
        form["expires_on"] = row.expires_on.isoformat()
        form["employer_shown"] = row.employer_shown
        form["childcare_friendly"] = row.childcare_friendly
        return await run_in_threadpool(self._form, request, form, {}, offer_id)

    async def edit(self, request: Request) -> Response:
        staff = self.staff(request)
        offer_id = _id(request.path_params.get("offer_id"))
        if offer_id is None:
            return self.shell.not_found(request)
        data = await request.form()
        known = [lang.code for lang in default_languages().languages]
        raw = _raw_offer(data, known)
        try:
            await run_in_threadpool(self.service.edit, staff, offer_id, raw)
        except OfferNotFoundError:
            return self.shell.not_found(request)
        except OfferError as error:

            def organisation() -> int:
                with self.runtime.db.connect() as conn:
                    row = offer_rows.offer(conn, staff.organisation_ids, offer_id)
                return int(row.organisation_id) if row else 0

            form = {"organisation": await run_in_threadpool(organisation), **raw}
            return await run_in_threadpool(
                self._form, request, form, {error.field or "title": error.code}, offer_id, 400
            )
        return self._back(offer_id, "saved")


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The job-offer routes (``Feature.staff_pages``)."""
    return JobPages(runtime, shell).routes()


__all__ = ["IMPORT_PATH", "PATH", "JobPages", "staff_pages"]
