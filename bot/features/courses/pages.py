"""``/staff/courses``: coordinators plan courses and sessions in the browser.

* ``GET /staff/courses``: the organisation's courses (title in her language, next session,
  people enrolled); ``/staff/courses/new`` and ``/staff/courses/<id>/edit``: titles and
  descriptions per offered language (the default one required) and reminder rules as plain
  checkboxes; new rules re-plan the reminders of coming sessions.
* ``GET /staff/courses/<id>``: its sessions (coming first, past after) with links to add, move,
  cancel and change, and to the attendance page of each session.
* ``/staff/courses/<id>/sessions/new``: date and times in the organisation's time zone, place,
  address, directions, bus line and stop, childcare.
* ``/staff/courses/sessions/<id>/move|cancel|change``: a form, then a confirmation page that
  shows who will be told, in which language and on which channel, with the exact message in
  each language; then the change.

Every change goes through :class:`~.service.CourseService` with actor ``staff:<id>``: the
checks, the audit entries and the messages are those of ``twc courses|sessions``.  A refusal
("in the past", "over") is a friendly message on the form.  Another organisation's course or
session is a 404, like an id that does not exist.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.db.tables import organisations
from bot.features.courses.service import (
    NO_CHANNEL,
    NO_MESSAGES,
    NOT_ACTIVE,
    NOT_SIGNED_UP,
    CourseError,
    CourseService,
    Preview,
)
from bot.localtime import LocalTimeError
from bot.web.staff.i18n import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

PATH = "/staff/courses"
MAX_ID = 2**31 - 1
#: Longest accepted field values (the columns' sizes; a longer value is cut, never a 500).
LIMITS = {
    "title": 200,
    "description": 2000,
    "place": 200,
    "address": 300,
    "directions": 1000,
    "transit_line": 100,
    "transit_stop": 200,
    "reason": 500,
}

#: The reminder rules a coordinator chooses from (``reminders.check_rule`` strings).
RULE_OPTIONS: tuple[tuple[str, str], ...] = (
    ("1d@17:00", N_("am Tag vorher um 17:00 Uhr")),
    ("1d@09:00", N_("am Tag vorher um 9:00 Uhr")),
    ("0d@08:00", N_("am selben Tag morgens um 8:00 Uhr")),
    ("2h", N_("2 Stunden vorher")),
    ("1h", N_("1 Stunde vorher")),
)
OTHER_RULE = N_("eigene Regel: %(rule)s")

REFUSALS = {
    "past": N_("Dieser Zeitpunkt liegt in der Vergangenheit. Bitte wählen Sie einen späteren."),
    "over": N_("Dieser Termin ist schon vorbei. Er kann nicht mehr geändert werden."),
    "cancelled": N_("Dieser Termin ist abgesagt. Er kann nicht mehr geändert werden."),
    "end_before_start": N_("Das Ende muss nach dem Beginn liegen."),
    "no_place": N_("Bitte geben Sie einen Ort an (oder einen Link für ein Online-Treffen)."),
    "title_required": N_("Bitte geben Sie mindestens den Titel in der Standardsprache ein."),
    "no_reason": N_("Bitte schreiben Sie, warum der Termin ausfällt."),
    "rule": N_("Bitte wählen Sie mindestens eine Erinnerung."),
    "bad_time": N_("Bitte geben Sie Datum und Uhrzeit vollständig ein."),
    "gap": N_("Diese Uhrzeit gibt es an dem Tag nicht (Zeitumstellung). Bitte eine andere."),
    "other": N_("Das ging leider nicht. Bitte prüfen Sie Ihre Eingaben."),
}
NOTICES = {
    "created": N_("Der Kurs ist angelegt."),
    "saved": N_("Der Kurs ist gespeichert."),
    "added": N_("Der Termin ist eingetragen."),
    "moved": N_("Der Termin ist verschoben."),
    "cancelled": N_("Der Termin ist abgesagt."),
    "changed": N_("Der Termin ist geändert."),
}
NOT_TOLD_WHY = {
    NOT_ACTIVE: N_("hat sich abgemeldet"),
    NOT_SIGNED_UP: N_("hat sich noch nicht angemeldet (keine Einwilligung)"),
    NO_MESSAGES: N_("möchte keine Nachrichten bekommen"),
    NO_CHANNEL: N_("ist über keinen Kanal erreichbar"),
}
CHANNELS = {"whatsapp": "WhatsApp", "telegram": "Telegram", "simulator": N_("Simulator")}
ACTIONS = {
    "move": N_("Termin verschieben"),
    "cancel": N_("Termin absagen"),
    "change": N_("Termin ändern"),
}


def _field(form: FormData, name: str, limit: int | None = None) -> str:
    """A form field as text, stripped and cut to its column's size (a file or a missing field
    is empty)."""
    value = form.get(name)
    text = value if isinstance(value, str) else ""
    return text.strip()[: limit or LIMITS.get(name, 100)]


def _refusal(error: LocalTimeError) -> str:
    """The reason code of a refusal (see :data:`REFUSALS`)."""
    if isinstance(error, CourseError):
        return error.reason if error.reason in REFUSALS else "other"
    return "gap" if "does not exist" in str(error) else "bad_time"


class CoursePages:
    """The course pages of one running app."""

    def __init__(self, runtime: Runtime, shell: StaffShell) -> None:
        self.runtime = runtime
        self.shell = shell
        self.service = CourseService(runtime.db, runtime.flow_engine.catalogs, runtime.clock)
        self.languages = runtime.flow_engine.catalogs.languages

    def routes(self) -> list[BaseRoute]:
        page = self.shell.page
        one = f"{PATH}/{{course_id:int}}"
        session = f"{PATH}/sessions/{{session_id:int}}"
        return [
            Route(PATH, page(self.courses), methods=["GET"]),
            Route(f"{PATH}/new", page(self.new_form), methods=["GET"]),
            Route(f"{PATH}/new", page(self.create), methods=["POST"]),
            Route(one, page(self.detail), methods=["GET"]),
            Route(f"{one}/edit", page(self.edit_form), methods=["GET"]),
            Route(f"{one}/edit", page(self.edit), methods=["POST"]),
            Route(f"{one}/sessions/new", page(self.add_form), methods=["GET"]),
            Route(f"{one}/sessions/new", page(self.add), methods=["POST"]),
            *(
                Route(f"{session}/{action}", page(self.session_form), methods=["GET"])
                for action in ACTIONS
            ),
            *(
                Route(f"{session}/{action}", page(self.session_action), methods=["POST"])
                for action in ACTIONS
            ),
        ]

    def _service(self, request: Request) -> CourseService:
        staff: StaffUser = request.state.staff
        return dataclasses.replace(self.service, actor=staff.actor)

    # ---- courses --------------------------------------------------------------------------

    async def courses(self, request: Request) -> Response:
        staff: StaffUser = request.state.staff
        found = await run_in_threadpool(self.service.courses_of, staff.organisation_ids)
        lang = self.shell.language(request)
        rows = [
            {
                "id": course["id"],
                "title": self._title(course["title"], lang, course["default_language"]),
                "next": self._when(course["next_start"], None, course["timezone"], lang)
                if course["next_start"]
                else None,
                "enrolled": course["enrolled"],
            }
            for course in found
        ]
        return self.shell.render(request, "courses/list.html", {"courses": rows})

    async def new_form(self, request: Request) -> Response:
        organisation = await self._organisation_for_new(request)
        if organisation is None:
            return await self._choose_organisation(request)
        return self._course_form(request, organisation, None, {}, {}, ["1d@17:00", "2h"])

    async def create(self, request: Request) -> Response:
        form = await request.form()
        organisation = await self._organisation_for_new(request, form)
        if organisation is None:
            return self.shell.not_found(request)
        titles, descriptions, rules = self._course_fields(form, organisation)
        if not rules:
            return self._course_form(
                request, organisation, None, titles, descriptions, rules, "rule"
            )
        try:
            created = await run_in_threadpool(
                self._service(request).create_course,
                organisation["slug"],
                "",
                titles,
                descriptions,
                rules,
            )
        except CourseError as error:
            return self._course_form(
                request, organisation, None, titles, descriptions, rules, _refusal(error)
            )
        return RedirectResponse(f"{PATH}/{created['id']}?notice=created", status_code=303)

    async def edit_form(self, request: Request) -> Response:
        course = await self._course(request)
        if course is None:
            return self.shell.not_found(request)
        organisation = await run_in_threadpool(self._organisation, course["organisation_id"])
        return self._course_form(
            request,
            organisation,
            course,
            course["title"],
            course["description"],
            course["reminders"],
        )

    async def edit(self, request: Request) -> Response:
        course = await self._course(request)
        if course is None:
            return self.shell.not_found(request)
        organisation = await run_in_threadpool(self._organisation, course["organisation_id"])
        form = await request.form()
        titles, descriptions, rules = self._course_fields(form, organisation, course)
        if not rules:
            return self._course_form(
                request, organisation, course, titles, descriptions, rules, "rule"
            )
        try:
            await run_in_threadpool(
                self._service(request).edit_course, course["id"], titles, descriptions, rules
            )
        except CourseError as error:
            return self._course_form(
                request, organisation, course, titles, descriptions, rules, _refusal(error)
            )
        return RedirectResponse(f"{PATH}/{course['id']}?notice=saved", status_code=303)

    async def detail(self, request: Request) -> Response:
        course = await self._course(request)
        if course is None:
            return self.shell.not_found(request)
        found = await run_in_threadpool(self.service.list_sessions, course["id"])
        lang = self.shell.language(request)
        now = self.runtime.clock()
        coming: list[dict[str, Any]] = []
        past: list[dict[str, Any]] = []
        for view in found:
            row = {
                **view,
                "when": self._when(view["starts_at"], view["ends_at"], view["timezone"], lang),
                "open": view["status"] != "cancelled" and view["ends_at"] > now,
            }
            (coming if view["ends_at"] > now else past).append(row)
        past.reverse()
        return self.shell.render(
            request,
            "courses/course.html",
            {
                "course": course,
                "title": self._title(course["title"], lang, course["default_language"]),
                "coming": coming,
                "past": past,
                "notice": self._notice(request),
            },
        )

    # ---- sessions -------------------------------------------------------------------------

    async def add_form(self, request: Request) -> Response:
        course = await self._course(request)
        if course is None:
            return self.shell.not_found(request)
        return self._session_page(request, course, None, "add", {"childcare": False})

    async def add(self, request: Request) -> Response:
        course = await self._course(request)
        if course is None:
            return self.shell.not_found(request)
        form = await request.form()
        values = self._session_fields(form, times=True)
        try:
            await run_in_threadpool(
                self._service(request).add_session,
                course["id"],
                f"{values['date']} {values['start_time']}",
                f"{values['date']} {values['end_time']}",
                values["place"],
                values["address"],
                values["directions"],
                values["childcare"],
                values["transit_line"],
                values["transit_stop"],
            )
        except LocalTimeError as error:
            return self._session_page(request, course, None, "add", values, _refusal(error))
        return RedirectResponse(f"{PATH}/{course['id']}?notice=added", status_code=303)

    async def session_form(self, request: Request) -> Response:
        found = await self._session(request)
        if found is None:
            return self.shell.not_found(request)
        session, course = found
        action = request.url.path.rsplit("/", 1)[-1]
        local = datetime.fromisoformat(session["start"])
        local_end = datetime.fromisoformat(session["end"])
        values = {
            **session,
            "date": local.strftime("%Y-%m-%d"),
            "start_time": local.strftime("%H:%M"),
            "end_time": local_end.strftime("%H:%M"),
            "reason": "",
        }
        refusal = None
        if session["status"] == "cancelled":
            refusal = "cancelled"
        elif session["ends_at"] <= self.runtime.clock():
            refusal = "over"
        return self._session_page(request, course, session, action, values, refusal)

    async def session_action(self, request: Request) -> Response:
        found = await self._session(request)
        if found is None:
            return self.shell.not_found(request)
        session, course = found
        action = request.url.path.rsplit("/", 1)[-1]
        form = await request.form()
        values = {**session, "reason": _field(form, "reason")}
        if action == "move":
            values.update({key: _field(form, key) for key in ("date", "start_time", "end_time")})
        elif action == "change":
            values.update(self._session_fields(form, times=False))
        service = self._service(request)
        start = f"{values.get('date', '')} {values.get('start_time', '')}"
        end = f"{values.get('date', '')} {values['end_time']}" if values.get("end_time") else None
        details = {
            key: values[key]
            for key in (
                "place",
                "address",
                "directions",
                "childcare",
                "transit_line",
                "transit_stop",
            )
        }
        try:
            if action == "cancel" and not values["reason"]:
                raise CourseError("no reason", "no_reason")
            if form.get("confirm") != "yes":
                preview = await run_in_threadpool(
                    self._preview, service, session["id"], action, start, end, details
                )
                return self._preview_page(request, course, session, action, values, preview)
            if action == "move":
                done = await run_in_threadpool(service.move_session, session["id"], start, end)
            elif action == "cancel":
                done = await run_in_threadpool(
                    service.cancel_session, session["id"], values["reason"]
                )
            else:
                done = await run_in_threadpool(
                    lambda: service.update_session(session["id"], **details)
                )
        except LocalTimeError as error:
            return self._session_page(request, course, session, action, values, _refusal(error))
        notice = {"move": "moved", "cancel": "cancelled", "change": "changed"}[action]
        return RedirectResponse(
            f"{PATH}/{course['id']}?notice={notice}&told={int(done['told'])}", status_code=303
        )

    @staticmethod
    def _preview(
        service: CourseService,
        session_id: int,
        action: str,
        start: str,
        end: str | None,
        details: dict[str, Any],
    ) -> Preview:
        if action == "move":
            return service.preview(session_id, "move", start=start, end=end)
        if action == "cancel":
            return service.preview(session_id, "cancel")
        return service.preview(session_id, "change", **details)

    # ---- rendering ------------------------------------------------------------------------

    def _course_form(
        self,
        request: Request,
        organisation: dict[str, Any],
        course: dict[str, Any] | None,
        titles: dict[str, str],
        descriptions: dict[str, str],
        rules: list[str],
        refusal: str | None = None,
    ) -> Response:
        _ = self.shell.gettext(request)
        options = [(rule, _(label)) for rule, label in RULE_OPTIONS]
        known = {rule for rule, _label in RULE_OPTIONS}
        options += [(rule, _(OTHER_RULE) % {"rule": rule}) for rule in rules if rule not in known]
        context = {
            "organisation": organisation,
            "course": course,
            "offered": self._offered(organisation),
            "titles": titles,
            "descriptions": descriptions,
            "rules": rules,
            "rule_options": options,
            "alert": _(REFUSALS[refusal]) if refusal else None,
            "refusal": refusal,
            "several": len(request.state.staff.organisation_ids) > 1,
        }
        status = 400 if refusal else 200
        return self.shell.render(request, "courses/course_form.html", context, status)

    def _session_page(
        self,
        request: Request,
        course: dict[str, Any],
        session: dict[str, Any] | None,
        action: str,
        values: dict[str, Any],
        refusal: str | None = None,
    ) -> Response:
        _ = self.shell.gettext(request)
        lang = self.shell.language(request)
        context = {
            "course": course,
            "title": self._title(course["title"], lang, course["default_language"]),
            "session": session,
            "when": self._when(session["starts_at"], session["ends_at"], session["timezone"], lang)
            if session
            else None,
            "action": action,
            "heading": _(ACTIONS.get(action, N_("Termin eintragen"))),
            "values": values,
            "alert": _(REFUSALS[refusal]) if refusal else None,
            "refusal": refusal,
            "closed": refusal in ("over", "cancelled") and request.method == "GET",
            "timezone": session["timezone"] if session else self._timezone(course),
        }
        status = 400 if refusal and request.method == "POST" else 200
        return self.shell.render(request, "courses/session_form.html", context, status)

    def _preview_page(
        self,
        request: Request,
        course: dict[str, Any],
        session: dict[str, Any],
        action: str,
        values: dict[str, Any],
        preview: Preview,
    ) -> Response:
        _ = self.shell.gettext(request)
        lang = self.shell.language(request)
        tz = session["timezone"]
        names = {language.code: language for language in self.languages.languages}
        groups = [
            {
                "language": code,
                "language_name": names[code].name if code in names else code,
                "rtl": names[code].rtl if code in names else False,
                "channel": _(CHANNELS.get(channel, channel)),
                "names": people,
            }
            for code, channel, people in preview.groups
        ]
        messages = [
            {
                "language": code,
                "language_name": names[code].name if code in names else code,
                "rtl": names[code].rtl if code in names else False,
                "lines": text.split("\n"),
            }
            for code, text in sorted(preview.messages.items())
        ]
        hidden = {
            key: values.get(key, "")
            for key in (
                "date",
                "start_time",
                "end_time",
                "reason",
                "place",
                "address",
                "directions",
                "transit_line",
                "transit_stop",
            )
        }
        if values.get("childcare"):
            hidden["childcare"] = "on"
        context = {
            "course": course,
            "title": self._title(course["title"], lang, course["default_language"]),
            "session": session,
            "when": self._when(session["starts_at"], session["ends_at"], tz, lang),
            "action": action,
            "heading": _(ACTIONS[action]),
            "preview": preview,
            "groups": groups,
            "messages": messages,
            "not_told": [
                {**person, "why": _(NOT_TOLD_WHY.get(person["why"], person["why"]))}
                for person in preview.not_told
            ],
            "send_at": format_datetime(preview.send_at, "full", tzinfo=ZoneInfo(tz), locale=lang)
            if preview.delayed
            else None,
            "hidden": hidden,
            "new_when": self._new_when(values, tz, lang) if action == "move" else None,
        }
        return self.shell.render(request, "courses/preview.html", context)

    def _notice(self, request: Request) -> str | None:
        """The line that says what was just done (and how many people are told)."""
        _ = self.shell.gettext(request)
        notice = NOTICES.get(request.query_params.get("notice", ""))
        if not notice:
            return None
        told = request.query_params.get("told", "")
        if not told.isdigit() or len(told) > 6:
            return _(notice)
        number = int(told)
        ngettext = self.shell.catalogs.ngettext(self.shell.language(request))
        told_line = ngettext(
            "%(num)d Person wird benachrichtigt.",
            "%(num)d Personen werden benachrichtigt.",
            number,
        )
        return f"{_(notice)} {told_line % {'num': number}}"

    # ---- reading --------------------------------------------------------------------------

    async def _course(self, request: Request) -> dict[str, Any] | None:
        """The course of the URL if it is one of her organisations' (else ``None``: 404)."""
        staff: StaffUser = request.state.staff
        wanted = request.path_params["course_id"]
        if not 0 < wanted <= MAX_ID:
            return None
        try:
            course = await run_in_threadpool(self.service.course, wanted)
        except CourseError:
            return None
        return course if course["organisation_id"] in staff.organisation_ids else None

    async def _session(self, request: Request) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The session of the URL and its course, if hers (else ``None``: 404)."""
        staff: StaffUser = request.state.staff
        wanted = request.path_params["session_id"]
        if not 0 < wanted <= MAX_ID:
            return None
        try:
            session = await run_in_threadpool(self.service.session, wanted)
        except CourseError:
            return None
        if session["organisation_id"] not in staff.organisation_ids:
            return None
        course = await run_in_threadpool(self.service.course, session["course_id"])
        return session, course

    def _organisation(self, organisation_id: int) -> dict[str, Any]:
        with self.runtime.db.connect() as conn:
            row = conn.execute(
                select(
                    organisations.c.id,
                    organisations.c.slug,
                    organisations.c.name,
                    organisations.c.languages,
                    organisations.c.default_language,
                    organisations.c.timezone,
                ).where(organisations.c.id == organisation_id)
            ).one()
        return dict(row._mapping)

    async def _organisation_for_new(
        self, request: Request, form: FormData | None = None
    ) -> dict[str, Any] | None:
        """The organisation a new course belongs to: her only one, or the one she chose."""
        staff: StaffUser = request.state.staff
        mine = sorted(staff.organisation_ids)
        chosen = (form.get("organisation") if form else None) or request.query_params.get(
            "organisation"
        )
        if len(mine) == 1:
            wanted = mine[0]
        elif isinstance(chosen, str) and chosen.isdigit() and int(chosen) in mine:
            wanted = int(chosen)
        else:
            return None
        return await run_in_threadpool(self._organisation, wanted)

    async def _choose_organisation(self, request: Request) -> Response:
        staff: StaffUser = request.state.staff
        found = [
            await run_in_threadpool(self._organisation, org)
            for org in sorted(staff.organisation_ids)
        ]
        return self.shell.render(request, "courses/choose.html", {"organisations": found})

    def _offered(self, organisation: dict[str, Any]) -> list[Any]:
        """The languages the organisation offers, its default one first."""
        offered = set(organisation["languages"] or [])
        languages = [
            language
            for language in self.languages.languages
            if not offered
            or language.code in offered
            or language.code == organisation["default_language"]
        ]
        languages.sort(key=lambda language: language.code != organisation["default_language"])
        return languages

    def _course_fields(
        self,
        form: FormData,
        organisation: dict[str, Any],
        course: dict[str, Any] | None = None,
    ) -> tuple[dict[str, str], dict[str, str], list[str]]:
        codes = [language.code for language in self._offered(organisation)]
        titles = {code: _field(form, f"title_{code}", LIMITS["title"]) for code in codes}
        descriptions = {
            code: _field(form, f"description_{code}", LIMITS["description"]) for code in codes
        }
        if course is not None:  # titles in languages no longer offered stay as they were
            titles = {**course["title"], **titles}
            descriptions = {**course["description"], **descriptions}
        known = {rule for rule, _label in RULE_OPTIONS} | set(
            course["reminders"] if course else []
        )
        rules = [
            rule for rule in form.getlist("reminders") if isinstance(rule, str) and rule in known
        ]
        return (
            {k: v for k, v in titles.items() if v},
            {k: v for k, v in descriptions.items() if v},
            list(dict.fromkeys(rules)),
        )

    @staticmethod
    def _session_fields(form: FormData, *, times: bool) -> dict[str, Any]:
        values: dict[str, Any] = {
            key: _field(form, key) for key in ("place", "address", "transit_line", "transit_stop")
        }
        values["directions"] = _field(form, "directions")
        values["childcare"] = form.get("childcare") == "on"
        if times:
            values.update({key: _field(form, key) for key in ("date", "start_time", "end_time")})
        return values

    def _timezone(self, course: dict[str, Any]) -> str:
        return str(self._organisation(course["organisation_id"])["timezone"])

    # ---- formatting -----------------------------------------------------------------------

    @staticmethod
    def _title(titles: dict[str, str], lang: str, default_language: str) -> str:
        return (
            titles.get(lang)
            or titles.get(default_language)
            or next(iter(titles.values()), "")
            or "—"
        )

    @staticmethod
    def _when(start: datetime, end: datetime | None, timezone: str, lang: str) -> str:
        """ "Donnerstag, 3. Dezember 2026, 09:00–12:00" in her language and the zone given."""
        zone = ZoneInfo(timezone)
        local = start.astimezone(zone)
        text = f"{format_date(local.date(), 'full', locale=lang)}, "
        text += format_time(local, "short", tzinfo=zone, locale=lang)
        if end is not None:
            text += "–" + format_time(end.astimezone(zone), "short", tzinfo=zone, locale=lang)
        return text

    def _new_when(self, values: dict[str, Any], timezone: str, lang: str) -> str:
        local = datetime.fromisoformat(f"{values['date']} {values['start_time']}")
        moment = local.replace(tzinfo=ZoneInfo(timezone))
        return self._when(moment, None, timezone, lang)


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The feature's routes (``Feature.staff_pages``)."""
    return CoursePages(runtime, shell).routes()


__all__ = ["PATH", "RULE_OPTIONS", "CoursePages", "staff_pages"]
