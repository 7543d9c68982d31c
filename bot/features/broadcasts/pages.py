"""The broadcast pages under ``/staff/broadcasts``: the list, the composer, the confirmation,
the progress and the report.

* ``GET /staff/broadcasts``: the organisations' broadcasts, newest first, with their reach.
* ``GET /staff/broadcasts/new``, ``POST`` (save): the composer; ``GET``/``POST
  …/<id>/edit``: the same for a draft.  ``POST /staff/broadcasts/preview`` (htmx, debounced
  while she types): each language as WhatsApp and Telegram show it, and the live counts.
* ``GET …/<id>``: a draft's summary, or the progress and the report; ``GET …/<id>/progress``
  is the part htmx polls every few seconds while it is scheduled or sending.
* ``GET``/``POST …/<id>/send``: the confirmation (now or at a local time, urgent,
  follow-up), ``POST …/<id>/cancel``, ``POST …/<id>/followup``.

Every action goes through :class:`BroadcastService` with actor ``staff:<id>``, exactly as
``twc broadcast`` does.  A broadcast of another organisation is answered like an id nobody
has: 404.  Database work runs in worker threads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.db.tables import broadcasts, courses, organisations, telegram_groups
from bot.features.broadcasts import form as composer
from bot.features.broadcasts.audience import (
    NO_CONSENT,
    NO_TEXT,
    NOT_CONFIGURED,
    OPTED_OUT,
    UNREACHABLE,
)
from bot.features.broadcasts.compose import MAX_TEXT, BroadcastError, Draft
from bot.features.broadcasts.report import BUCKETS, list_for, organisation_of
from bot.features.broadcasts.service import BroadcastService, channel_rates
from bot.localtime import show_local
from bot.web.staff.i18n import N_
from bot.web.staff.i18n import language_name as shared_language_name

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

PATH = "/staff/broadcasts"
MAX_ID = 2**31 - 1
#: Seconds between two looks of the progress view.
POLL_SECONDS = 3
#: Most hours a follow-up may wait (two weeks).
MAX_FOLLOWUP_HOURS = 336

STATUSES = {
    "draft": N_("Entwurf"),
    "scheduled": N_("Geplant"),
    "sending": N_("Wird gesendet"),
    "sent": N_("Gesendet"),
    "cancelled": N_("Abgebrochen"),
}
BUCKET_LABELS = {
    "queued": N_("Wartet"),
    "sent": N_("Gesendet"),
    "delivered": N_("Zugestellt"),
    "read": N_("Gelesen"),
    "failed": N_("Fehlgeschlagen"),
    "needs_template": N_("Braucht Vorlage"),
    "in_doubt": N_("Unklar"),
    "skipped": N_("Übersprungen"),
    "cancelled": N_("Abgebrochen"),
}
REASONS = {
    OPTED_OUT: N_("hat sich abgemeldet"),
    NO_CONSENT: N_("keine Einwilligung für Nachrichten"),
    UNREACHABLE: N_("nicht erreichbar"),
    NOT_CONFIGURED: N_("Kanal nicht eingerichtet"),
    NO_TEXT: N_("kein Text in ihrer Sprache"),
}
ACTIONS = {
    "create": N_("erstellt"),
    "edit": N_("geändert"),
    "preview": N_("Vorschau angesehen"),
    "send": N_("gesendet oder geplant"),
    "cancel": N_("abgebrochen"),
    "followup": N_("Erinnerung gesendet"),
}
CHANNELS = {"whatsapp": "WhatsApp", "telegram": "Telegram", "simulator": N_("Simulator")}
NOTICES = {
    "saved": N_("Der Entwurf ist gespeichert."),
    "cancelled": N_(
        "Die Nachricht ist abgebrochen. Was noch nicht gesendet war, geht nicht mehr."
    ),
    "followup": N_("Die Erinnerung ist unterwegs an alle, die die Nachricht nicht gelesen haben."),
    "followup_none": N_("Es gibt niemanden, an den eine Erinnerung gehen könnte."),
}
INVALID = N_("Bitte prüfen Sie die markierten Felder. Es wurde nichts gespeichert.")
PAST = N_("Dieser Zeitpunkt liegt in der Vergangenheit. Bitte wählen Sie einen späteren.")
BAD_TIME = N_("Bitte geben Sie Datum und Uhrzeit an.")
BAD_HOURS = N_("Bitte eine Zahl von 1 bis %(max)s Stunden.")
NOT_POSSIBLE = N_("Das geht nicht mehr: die Nachricht ist %(status)s.")
NOT_FOUND = N_("Diese Seite gibt es nicht.")


def _failure_reason(reason: str) -> str:
    """A platform's or the dispatcher's reason, in plain words (the msgid), or as it is."""
    lowered = reason.lower()
    if "needs template" in lowered:
        return N_("keine WhatsApp-Vorlage: sie hat seit 24 Stunden nicht geschrieben")
    if "not configured" in lowered:
        return N_("Kanal nicht eingerichtet")
    if "unreachable" in lowered or "63024" in lowered or "invalid message recipient" in lowered:
        return N_("nicht erreichbar (z. B. nicht bei WhatsApp oder hat den Bot blockiert)")
    if "opted out" in lowered or "21610" in lowered:
        return N_("hat sich abgemeldet")
    if "in_doubt" in lowered or "in doubt" in lowered:
        return N_("unklar, ob angekommen (Neustart während des Sendens)")
    if "undelivered" in lowered or "failed" in lowered:
        return N_("die Plattform konnte sie nicht zustellen")
    return reason


class BroadcastPages:
    """The endpoints; each is wrapped in ``shell.page`` (login required)."""

    def __init__(self, runtime: Runtime, shell: StaffShell) -> None:
        self.runtime = runtime
        self.shell = shell

    def routes(self) -> list[BaseRoute]:
        page = self.shell.page
        return [
            Route(PATH, page(self.index), methods=["GET"]),
            Route(f"{PATH}/new", page(self.new), methods=["GET"]),
            Route(f"{PATH}/new", page(self.save_new), methods=["POST"]),
            Route(f"{PATH}/preview", page(self.preview), methods=["POST"]),
            Route(f"{PATH}/{{broadcast_id:int}}", page(self.show), methods=["GET"]),
            Route(f"{PATH}/{{broadcast_id:int}}/progress", page(self.progress), methods=["GET"]),
            Route(f"{PATH}/{{broadcast_id:int}}/edit", page(self.edit), methods=["GET"]),
            Route(f"{PATH}/{{broadcast_id:int}}/edit", page(self.save_edit), methods=["POST"]),
            Route(f"{PATH}/{{broadcast_id:int}}/send", page(self.confirm), methods=["GET"]),
            Route(f"{PATH}/{{broadcast_id:int}}/send", page(self.send), methods=["POST"]),
            Route(f"{PATH}/{{broadcast_id:int}}/cancel", page(self.cancel), methods=["POST"]),
            Route(f"{PATH}/{{broadcast_id:int}}/followup", page(self.followup), methods=["POST"]),
        ]

    # ---- helpers --------------------------------------------------------------------------

    def service(self, request: Request) -> BroadcastService:
        """The service the command line uses, acting as this staff member."""
        staff: StaffUser = request.state.staff
        runtime = self.runtime
        return BroadcastService(
            runtime.db,
            runtime.flow_engine.catalogs,
            runtime.clock,
            staff.actor,
            runtime.reach_rules(),
            channel_rates(runtime.settings),
            frozenset(runtime.channels),
        )

    def not_found(self, request: Request) -> Response:
        _ = self.shell.gettext(request)
        return self.shell.refused(request, 404, _(NOT_FOUND))

    def _labels(self, request: Request) -> dict[str, Any]:
        """Label helpers every broadcast template uses."""
        lang = self.shell.language(request)
        _ = self.shell.gettext(request)

        def language_name(code: str | None) -> str:
            if not code:
                return "?"
            if "→" in code:  # "fa → de" of the report: she got a fallback
                return " → ".join(language_name(c.strip()) for c in code.split("→"))
            return shared_language_name(code, lang)

        def label(table: Mapping[str, str], key: str | None) -> str:
            if not key:
                return "—"
            return _(table[key]) if key in table else key

        return {
            "language_name": language_name,
            "channel_name": lambda c: label(CHANNELS, c),
            "status_name": lambda s: label(STATUSES, s),
            "bucket_name": lambda b: label(BUCKET_LABELS, b),
            "reason_name": lambda r: _(REASONS[r]) if r in REASONS else _(_failure_reason(r)),
            "interest_name": lambda i: label(composer.INTERESTS, i),
            "action_name": lambda a: label(ACTIONS, a),
        }

    def _render(
        self, request: Request, template: str, context: Mapping[str, Any], status: int = 200
    ) -> Response:
        return self.shell.render(request, template, {**self._labels(request), **context}, status)

    async def _broadcast(self, request: Request) -> dict[str, Any] | None:
        """The broadcast of the URL if it is of one of her organisations, else ``None``."""
        staff: StaffUser = request.state.staff
        wanted = request.path_params["broadcast_id"]
        if not 0 < wanted <= MAX_ID:
            return None
        organisation = await run_in_threadpool(organisation_of, self.runtime.db, wanted)
        if organisation is None or organisation not in staff.organisation_ids:
            return None
        return await run_in_threadpool(self._load, wanted)

    def _load(self, broadcast_id: int) -> dict[str, Any]:
        with self.runtime.db.connect() as conn:
            row = (
                conn.execute(select(broadcasts).where(broadcasts.c.id == broadcast_id))
                .mappings()
                .one()
            )
        return dict(row)

    def _organisations(self, staff: StaffUser) -> list[dict[str, Any]]:
        """Her organisations with what the composer offers: languages (the default first),
        towns, courses, the Telegram groups the bot is in."""
        ids = sorted(staff.organisation_ids)
        table = self.runtime.flow_engine.catalogs.languages
        with self.runtime.db.connect() as conn:
            orgs = [
                dict(r)
                for r in conn.execute(
                    select(
                        organisations.c.id,
                        organisations.c.name,
                        organisations.c.timezone,
                        organisations.c.default_language,
                        organisations.c.languages,
                        organisations.c.towns,
                    )
                    .where(organisations.c.id.in_(ids))
                    .order_by(organisations.c.name)
                ).mappings()
            ]
            for org in orgs:
                offered = [c for c in (org["languages"] or []) if table.get(c) is not None] or [
                    lang.code for lang in table.languages
                ]
                default = org["default_language"]
                org["offered"] = [default] + [c for c in offered if c != default]
                org["courses"] = [
                    (
                        r.code,
                        (r.title or {}).get(default)
                        or next(iter((r.title or {}).values()), r.code),
                    )
                    for r in conn.execute(
                        select(courses.c.code, courses.c.title)
                        .where(courses.c.organisation_id == org["id"])
                        .order_by(courses.c.code)
                    )
                ]
                org["groups"] = [
                    (r.chat_id, r.title or r.chat_id)
                    for r in conn.execute(
                        select(telegram_groups.c.chat_id, telegram_groups.c.title)
                        .where(
                            telegram_groups.c.organisation_id == org["id"],
                            telegram_groups.c.status == "member",
                        )
                        .order_by(telegram_groups.c.title)
                    )
                ]
        return orgs

    @staticmethod
    def _chosen(orgs: Sequence[dict[str, Any]], wanted: object) -> dict[str, Any] | None:
        """The organisation a form names (by id) among hers (none named: her first; another
        organisation's: ``None``, a 404)."""
        for org in orgs:
            if str(org["id"]) == str(wanted):
                return org
        return orgs[0] if wanted in (None, "") else None

    def _messages(
        self, request: Request, errors: Mapping[str, tuple[str, Mapping[str, Any]]]
    ) -> dict[str, str]:
        _ = self.shell.gettext(request)
        return {
            key: _(msgid) % dict(values) if values else _(msgid)
            for key, (msgid, values) in errors.items()
        }

    # ---- list -----------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        staff: StaffUser = request.state.staff
        rows = await run_in_threadpool(list_for, self.runtime.db, staff.organisation_ids)
        return self._render(
            request,
            "broadcasts/list.html",
            {"broadcasts": rows, "several": len(staff.organisation_ids) > 1},
        )

    # ---- composer -------------------------------------------------------------------------

    async def new(self, request: Request) -> Response:
        staff: StaffUser = request.state.staff
        orgs = await run_in_threadpool(self._organisations, staff)
        if not orgs:
            return self.not_found(request)
        org = self._chosen(orgs, request.query_params.get("organisation")) or orgs[0]
        return await self._composer(request, orgs, org, composer.Composed(), None)

    async def edit(self, request: Request) -> Response:
        row = await self._broadcast(request)
        if row is None:
            return self.not_found(request)
        if row["status"] != "draft":
            return RedirectResponse(f"{PATH}/{row['id']}", status_code=303)
        staff: StaffUser = request.state.staff
        orgs = await run_in_threadpool(self._organisations, staff)
        org = self._chosen(orgs, row["organisation_id"])
        assert org is not None  # _broadcast checked she belongs to it
        notice = NOTICES.get(request.query_params.get("notice", ""))
        return await self._composer(
            request, orgs, org, composer.composed_from(row), row, notice=notice
        )

    async def save_new(self, request: Request) -> Response:
        return await self._save(request, None)

    async def save_edit(self, request: Request) -> Response:
        row = await self._broadcast(request)
        if row is None:
            return self.not_found(request)
        if row["status"] != "draft":
            return RedirectResponse(f"{PATH}/{row['id']}", status_code=303)
        return await self._save(request, row)

    async def _save(self, request: Request, row: dict[str, Any] | None) -> Response:
        staff: StaffUser = request.state.staff
        orgs = await run_in_threadpool(self._organisations, staff)
        data = await request.form()
        wanted = row["organisation_id"] if row is not None else data.get("organisation")
        org = self._chosen(orgs, wanted)
        if org is None:
            return self.not_found(request)
        composed = composer.read(data, org["offered"], org["default_language"])
        if data.get("action") == "preview":  # the no-JavaScript "show the preview" button
            return await self._composer(request, orgs, org, composed, row)
        labels = self._labels(request)
        composer.complete(
            composed, org["default_language"], labels["language_name"](org["default_language"])
        )
        if composed.errors:
            return await self._composer(request, orgs, org, composed, row, status=400)
        service = self.service(request)
        draft: Draft = composed.draft()
        try:
            if row is None:
                created = await run_in_threadpool(service.create, draft, int(org["id"]))
                broadcast_id = int(created["id"])
            else:
                broadcast_id = int(row["id"])
                await run_in_threadpool(service.edit, broadcast_id, draft)
        except BroadcastError as error:  # checked above; a course deleted meanwhile, say
            composed.errors["form"] = (str(error), {})
            return await self._composer(request, orgs, org, composed, row, status=400)
        if data.get("action") == "next":
            return RedirectResponse(f"{PATH}/{broadcast_id}/send", status_code=303)
        return RedirectResponse(f"{PATH}/{broadcast_id}/edit?notice=saved", status_code=303)

    async def preview(self, request: Request) -> Response:
        """The live part of the composer (htmx): previews and counts for what is typed now."""
        staff: StaffUser = request.state.staff
        orgs = await run_in_threadpool(self._organisations, staff)
        data = await request.form()
        org = self._chosen(orgs, data.get("organisation"))
        if org is None:
            return self.not_found(request)
        composed = composer.read(data, org["offered"], org["default_language"])
        context = await self._live(request, org, composed)
        html = self.shell.render_fragment(
            request, "broadcasts/live.html", {**self._labels(request), **context}
        )
        return Response(html, media_type="text/html", headers={"cache-control": "no-store"})

    async def _live(
        self, request: Request, org: Mapping[str, Any], composed: composer.Composed
    ) -> dict[str, Any]:
        """Previews per language and the counts of the audience as it stands."""
        service = self.service(request)
        counts = await run_in_threadpool(
            service.estimate, int(org["id"]), composed.texts, composed.audience
        )
        previews = []
        for code in org["offered"]:
            text = composed.texts.get(code)
            if not text:
                continue
            filled = composer.example(text, org["name"])
            previews.append(
                {
                    "code": code,
                    "rtl": bool(
                        (lang := self.runtime.flow_engine.catalogs.languages.get(code))
                        and lang.rtl
                    ),
                    "text": filled,
                    "whatsapp": composer.whatsapp_html(filled) if filled is not None else None,
                    "length": len(text),
                    "problem": self._messages(
                        request, {"p": p} if (p := composer.placeholder_problem(text)) else {}
                    ).get("p"),
                }
            )
        return {
            "org": org,
            "counts": counts,
            "previews": previews,
            "max_text": MAX_TEXT,
            "limits": composer.PLATFORM_LIMITS,
            "example_name": composer.EXAMPLE_NAME,
            "audience_named": bool(composed.audience),
        }

    async def _composer(
        self,
        request: Request,
        orgs: Sequence[dict[str, Any]],
        org: dict[str, Any],
        composed: composer.Composed,
        row: Mapping[str, Any] | None,
        status: int = 200,
        notice: str | None = None,
    ) -> Response:
        _ = self.shell.gettext(request)
        live = await self._live(request, org, composed)
        errors = self._messages(request, composed.errors)
        return self._render(
            request,
            "broadcasts/compose.html",
            {
                **live,
                "orgs": orgs,
                "composed": composed,
                "broadcast": row,
                "errors": errors,
                "alert": _(INVALID) if errors else None,
                "notice": _(notice) if notice else None,
                "interests": composer.INTERESTS,
                "language_table": self.runtime.flow_engine.catalogs.languages,
            },
            status,
        )

    # ---- confirm and send -----------------------------------------------------------------

    async def confirm(self, request: Request) -> Response:
        row = await self._broadcast(request)
        if row is None:
            return self.not_found(request)
        if row["status"] != "draft":
            return RedirectResponse(f"{PATH}/{row['id']}", status_code=303)
        return await self._confirm_page(request, row, {}, {})

    async def _confirm_page(
        self,
        request: Request,
        row: Mapping[str, Any],
        form: Mapping[str, Any],
        errors: Mapping[str, str],
        status: int = 200,
    ) -> Response:
        _ = self.shell.gettext(request)
        service = self.service(request)
        counts = await run_in_threadpool(
            service.estimate, int(row["organisation_id"]), row["texts"], row["audience"]
        )
        tz = await run_in_threadpool(self._timezone, int(row["organisation_id"]))
        now_local = show_local(self.runtime.clock(), tz)
        return self._render(
            request,
            "broadcasts/confirm.html",
            {
                "broadcast": row,
                "counts": counts,
                "form": {
                    "when": "now",
                    "date": now_local[:10],
                    "time": now_local[11:],
                    "followup_hours": "48",
                    **form,
                },
                "errors": errors,
                "alert": _(INVALID) if errors else None,
                "timezone": tz,
                "max_followup": MAX_FOLLOWUP_HOURS,
            },
            status,
        )

    def _timezone(self, organisation_id: int) -> str:
        with self.runtime.db.connect() as conn:
            return str(
                conn.execute(
                    select(organisations.c.timezone).where(organisations.c.id == organisation_id)
                ).scalar_one()
            )

    async def send(self, request: Request) -> Response:
        row = await self._broadcast(request)
        if row is None:
            return self.not_found(request)
        if row["status"] != "draft":
            return RedirectResponse(f"{PATH}/{row['id']}", status_code=303)
        _ = self.shell.gettext(request)
        data = await request.form()
        form = {
            "when": "later" if data.get("when") == "later" else "now",
            "date": str(data.get("date") or "")[:10],
            "time": str(data.get("time") or "")[:5],
            "urgent": data.get("urgent") == "yes",
            "followup": data.get("followup") == "yes",
            "followup_hours": str(data.get("followup_hours") or "")[:4],
        }
        errors: dict[str, str] = {}
        at = None
        if form["when"] == "later":
            if not form["date"] or not form["time"]:
                errors["when"] = _(BAD_TIME)
            else:
                at = f"{form['date']} {form['time']}"
        hours = None
        if form["followup"]:
            text = str(form["followup_hours"]).strip()
            if not text.isdigit() or not 1 <= int(text) <= MAX_FOLLOWUP_HOURS:
                errors["followup_hours"] = _(BAD_HOURS) % {"max": MAX_FOLLOWUP_HOURS}
            else:
                hours = int(text)
        if not errors:
            service = self.service(request)
            try:
                await run_in_threadpool(
                    service.send, int(row["id"]), at, bool(form["urgent"]), hours
                )
            except BroadcastError as error:
                message = str(error)
                errors["when"] = (
                    _(PAST)
                    if "in the past" in message
                    else (
                        _(BAD_TIME) if "YYYY-MM-DD" in message or "exist" in message else message
                    )
                )
        if errors:
            return await self._confirm_page(request, row, form, errors, 400)
        self.runtime.dispatcher.wake()  # the rows are written: the running dispatcher sends
        return RedirectResponse(f"{PATH}/{row['id']}", status_code=303)

    # ---- progress and report --------------------------------------------------------------

    async def show(self, request: Request) -> Response:
        row = await self._broadcast(request)
        if row is None:
            return self.not_found(request)
        _ = self.shell.gettext(request)
        notice = NOTICES.get(request.query_params.get("notice", ""))
        context = await self._report(request, row)
        return self._render(
            request,
            "broadcasts/show.html",
            {**context, "notice": _(notice) if notice else None},
        )

    async def progress(self, request: Request) -> Response:
        row = await self._broadcast(request)
        if row is None:
            return self.not_found(request)
        context = await self._report(request, row)
        html = self.shell.render_fragment(
            request, "broadcasts/progress.html", {**self._labels(request), **context}
        )
        return Response(html, media_type="text/html", headers={"cache-control": "no-store"})

    async def _report(self, request: Request, row: Mapping[str, Any]) -> dict[str, Any]:
        service = self.service(request)
        broadcast_id = int(row["id"])
        report = await run_in_threadpool(service.status, broadcast_id)
        progress = await run_in_threadpool(service.progress, broadcast_id)
        counts = None
        if row["status"] == "draft":
            counts = await run_in_threadpool(
                service.estimate, int(row["organisation_id"]), row["texts"], row["audience"]
            )
        running = row["status"] in ("scheduled", "sending")
        failures: dict[str, int] = {}
        for reason, count in report["failures"].items():
            plain = self._labels(request)["reason_name"](reason)
            failures[plain] = failures.get(plain, 0) + count
        return {
            "broadcast": row,
            "report": report,
            "progress": progress,
            "counts": counts,
            "running": running,
            "poll": POLL_SECONDS,
            "buckets": BUCKETS,
            "failures": failures,
            "can_follow_up": row["status"] in ("sending", "sent")
            and row["enqueued_at"] is not None
            and row["followup_done_at"] is None,
            "can_cancel": running,
        }

    async def cancel(self, request: Request) -> Response:
        row = await self._broadcast(request)
        if row is None:
            return self.not_found(request)
        _ = self.shell.gettext(request)
        try:
            await run_in_threadpool(self.service(request).cancel, int(row["id"]))
        except BroadcastError:
            return self.shell.refused(
                request, 409, _(NOT_POSSIBLE) % {"status": _(STATUSES.get(row["status"], ""))}
            )
        return RedirectResponse(f"{PATH}/{row['id']}?notice=cancelled", status_code=303)

    async def followup(self, request: Request) -> Response:
        row = await self._broadcast(request)
        if row is None:
            return self.not_found(request)
        count = await run_in_threadpool(self.service(request).follow_up, int(row["id"]), True)
        if count:
            self.runtime.dispatcher.wake()
        notice = "followup" if count else "followup_none"
        return RedirectResponse(f"{PATH}/{row['id']}?notice={notice}", status_code=303)


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The feature's routes (``Feature.staff_pages``)."""
    return BroadcastPages(runtime, shell).routes()


__all__ = ["PATH", "BroadcastPages", "staff_pages"]
