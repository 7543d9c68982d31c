"""The inbox pages of the staff app: the list, one conversation, starting one, quick replies.

``/staff/inbox``                  open conversations, newest first or longest waiting first; her
                                  name, language, town, channel and how long she has waited;
                                  the list refreshes itself every few seconds (htmx)
``/staff/inbox/<id>``             the exchange in order (hers, the bot's, the team's, notes),
                                  assign to me, reply (quick replies, "translate into her
                                  language"), note, close with an optional note
``/staff/inbox/start/<person>``   her open conversation, or a button to start one
``/staff/inbox/quick-replies``    saved answers per language
``/staff/inbox/media/<entry>``    a file she sent (voice note, photo, document), fetched from
                                  her channel for the staff member (:mod:`.media`)

Every page works without JavaScript (plain forms, 303 after each action); htmx only refreshes
the list and the exchange.  A conversation of another organisation is a 404, like an id that
does not exist (:class:`~bot.features.inbox.service.Inbox` refuses it with ``LookupError``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.base import MAX_MEDIA_BYTES, MediaError, MediaSource
from bot.features.inbox.media import headers_for, media_for, served_type
from bot.features.inbox.service import ClosedThreadError, Inbox, QuickReply
from bot.features.inbox.translate import TranslationError
from bot.staff.principal import StaffUser
from bot.staff.texts import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.web.staff.shell import StaffShell

log = logging.getLogger(__name__)

#: How often the list and an open conversation refresh themselves (seconds).
REFRESH_SECONDS = 5
ORDERS = ("newest", "waiting")
REASONS = {
    "request": N_("Frage an das Team"),
    "media": N_("Datei oder Sprachnachricht"),
    "not_coming": N_("Kann nicht kommen"),
    "interested": N_("Interesse"),
    "staff": N_("Vom Team begonnen"),
}
CHANNELS = {"simulator": "Simulator", "telegram": "Telegram", "whatsapp": "WhatsApp"}
STATUSES = {
    "pending": N_("wartet auf Versand"),
    "claimed": N_("wird gesendet"),
    "sending": N_("wird gesendet"),
    "sent": N_("gesendet"),
    "held": N_("wartet, bis sie schreibt"),
    "needs_template": N_("braucht eine Vorlage"),
    "failed": N_("nicht zugestellt"),
    "in_doubt": N_("unklar, ob zugestellt"),
    "skipped": N_("nicht gesendet (abgemeldet)"),
    "delivered": N_("zugestellt"),
    "read": N_("gelesen"),
    "undelivered": N_("nicht zugestellt"),
}


#: What the bot's messages were, by outbox kind, where their text is no longer kept.
KINDS = {
    "reply": N_("Antworten im Chat"),
    "nudge": N_("Erinnerungen und Nachfragen"),
    "course_reminder": N_("Kurs-Erinnerungen"),
    "broadcast": N_("Rundschreiben"),
    "my_data_export": N_("Daten-Export"),
    "retention_warning": N_("Hinweis vor dem Löschen"),
}


def pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The inbox routes (all behind the staff login)."""
    inbox = Inbox.from_runtime(runtime)
    language_codes = [language.code for language in runtime.flow_engine.languages.languages]

    def me(request: Request) -> StaffUser:
        staff_user: StaffUser = request.state.staff
        return staff_user

    def not_found(request: Request) -> Response:
        return shell.not_found(request)  # missing or another organisation's: the same answer

    def thread_id(request: Request) -> int | None:
        try:
            return int(request.path_params["thread_id"])
        except (KeyError, ValueError):
            return None

    def listing_context(request: Request) -> dict[str, Any]:
        order = request.query_params.get("order", "newest")
        order = order if order in ORDERS else "newest"
        status = "closed" if request.query_params.get("status") == "closed" else "open"
        return {
            "threads": inbox.threads(me(request), status=status, order=order),
            "order": order,
            "status": status,
            "reasons": REASONS,
            "channels": CHANNELS,
            "refresh": REFRESH_SECONDS,
        }

    async def list_page(request: Request) -> Response:
        context = await asyncio.to_thread(listing_context, request)
        return shell.render(request, "inbox/list.html", context)

    async def list_rows(request: Request) -> Response:
        context = await asyncio.to_thread(listing_context, request)
        return shell.render(request, "inbox/rows.html", context)

    def thread_context(request: Request, number: int, **extra: Any) -> dict[str, Any]:
        who = me(request)
        view = inbox.thread(who, number)
        quick = inbox.quick_replies(who, view.thread.organisation_id)
        text = extra.pop("text", "")
        chosen = request.query_params.get("quick")
        if not text and chosen and chosen.isdigit():
            text = next(
                (q.text_for(view.thread.language) for q in quick if q.id == int(chosen)), ""
            )
        return {
            "view": view,
            "thread": view.thread,
            "quick_replies": quick,
            "text": text,
            "translates": inbox.translates,
            "reasons": REASONS,
            "channels": CHANNELS,
            "statuses": STATUSES,
            "kinds": KINDS,
            "refresh": REFRESH_SECONDS,
            "error": None,
            **extra,
        }

    async def thread_page(request: Request) -> Response:
        number = thread_id(request)
        if number is None:
            return not_found(request)
        try:
            context = await asyncio.to_thread(thread_context, request, number)
        except LookupError:
            return not_found(request)
        return shell.render(request, "inbox/thread.html", context)

    async def thread_entries(request: Request) -> Response:
        number = thread_id(request)
        if number is None:
            return not_found(request)
        try:
            view = await asyncio.to_thread(inbox.thread, me(request), number)
        except LookupError:
            return not_found(request)
        return shell.render(
            request,
            "inbox/entries.html",
            {
                "view": view,
                "thread": view.thread,
                "statuses": STATUSES,
                "kinds": KINDS,
                "refresh": REFRESH_SECONDS,
            },
        )

    async def act(request: Request) -> Response:
        """assign, reply, note, close: then back to the conversation (303)."""
        number = thread_id(request)
        action = request.path_params["action"]
        if number is None:
            return not_found(request)
        _ = shell.gettext(request)
        form = await request.form()
        text = str(form.get("text") or "")
        who = me(request)
        try:
            if action == "assign":
                await asyncio.to_thread(inbox.assign, who, number)
            elif action == "reply":
                translate = form.get("translate") == "1"
                await asyncio.to_thread(inbox.reply, who, number, text, translate)
            elif action == "note":
                await asyncio.to_thread(inbox.note, who, number, text)
            elif action == "close":
                await asyncio.to_thread(inbox.close, who, number, str(form.get("note") or ""))
                return RedirectResponse("/staff/inbox", status_code=303)
            else:
                return not_found(request)
        except LookupError:
            return not_found(request)
        except (ValueError, TranslationError) as error:
            if isinstance(error, ClosedThreadError):
                message = _("Dieses Gespräch ist beendet. Beginnen Sie ein neues.")
            elif isinstance(error, TranslationError):
                message = _("Die Übersetzung hat nicht geklappt. Nichts wurde gesendet.")
            else:
                message = _("Bitte schreiben Sie einen Text (höchstens 4000 Zeichen).")
            try:
                context = await asyncio.to_thread(
                    thread_context, request, number, text=text, error=message
                )
            except LookupError:
                return not_found(request)
            return shell.render(request, "inbox/thread.html", context, status_code=400)
        return RedirectResponse(f"/staff/inbox/{number}", status_code=303)

    async def start(request: Request) -> Response:
        """Her open conversation, or a button to start one (a GET changes nothing)."""
        try:
            person = int(request.path_params["person_id"])
        except (KeyError, ValueError):
            return not_found(request)
        who = me(request)
        try:
            if request.method == "POST":
                number = await asyncio.to_thread(inbox.start_with, who, person)
                return RedirectResponse(f"/staff/inbox/{number}", status_code=303)
            found, name = await asyncio.to_thread(inbox.open_thread_of, who, person)
        except LookupError:
            return not_found(request)
        if found is not None:
            return RedirectResponse(f"/staff/inbox/{found}", status_code=303)
        return shell.render(request, "inbox/start.html", {"person": person, "name": name})

    async def quick_page(request: Request) -> Response:
        who = me(request)
        replies: list[QuickReply] = await asyncio.to_thread(inbox.quick_replies, who)
        return shell.render(
            request,
            "inbox/quick_replies.html",
            {
                "replies": replies,
                "organisations": sorted(who.organisation_ids),
                "bot_languages": language_codes,
                "error": None,
            },
        )

    async def quick_save(request: Request) -> Response:
        who = me(request)
        _ = shell.gettext(request)
        form = await request.form()
        texts = {code: str(form.get(f"text_{code}") or "") for code in language_codes}
        try:
            organisation = int(str(form.get("organisation") or min(who.organisation_ids)))
            await asyncio.to_thread(
                inbox.save_quick_reply, who, organisation, str(form.get("title") or ""), texts
            )
        except LookupError:
            return not_found(request)
        except ValueError:
            replies = await asyncio.to_thread(inbox.quick_replies, who)
            return shell.render(
                request,
                "inbox/quick_replies.html",
                {
                    "replies": replies,
                    "organisations": sorted(who.organisation_ids),
                    "bot_languages": language_codes,
                    "error": _("Bitte geben Sie einen Titel und mindestens einen Text ein."),
                },
                status_code=400,
            )
        return RedirectResponse("/staff/inbox/quick-replies", status_code=303)

    async def quick_delete(request: Request) -> Response:
        try:
            number = int(request.path_params["reply_id"])
            await asyncio.to_thread(inbox.delete_quick_reply, me(request), number)
        except (LookupError, ValueError):
            return not_found(request)
        return RedirectResponse("/staff/inbox/quick-replies", status_code=303)

    async def media_file(request: Request) -> Response:
        """A file she sent, fetched from her channel now (nothing is kept on our side)."""
        _ = shell.gettext(request)
        try:
            number = int(request.path_params["message_id"])
            ref = await asyncio.to_thread(
                media_for, runtime.db, me(request).organisation_ids, number
            )
        except (LookupError, ValueError):
            return not_found(request)
        source = runtime.channels.get(ref.channel)
        if not isinstance(source, MediaSource):
            return shell.refused(
                request, 404, _("Diese Datei kann hier nicht geöffnet werden (Kanal ist aus).")
            )
        try:
            found = await source.fetch_media(ref.reference, MAX_MEDIA_BYTES)
        except MediaError as error:
            log.warning("inbox: a file could not be fetched (%s)", error.reason)
            if error.too_large:
                message = _(
                    "Diese Datei ist zu groß, um sie hier zu öffnen (höchstens %(mb)s MB)."
                ) % {"mb": MAX_MEDIA_BYTES // (1024 * 1024)}
                return shell.refused(request, 413, message)
            if error.gone:
                message = _(
                    "Diese Datei gibt es beim Messenger nicht mehr (abgelaufen oder gelöscht)."
                )
                return shell.refused(request, 410, message)
            message = _(
                "Der Messenger gibt die Datei gerade nicht heraus. Bitte versuchen Sie es "
                "später noch einmal."
            )
            return shell.refused(request, 502, message)
        content_type = served_type(found.content_type, ref.content_type)
        return Response(found.data, headers=headers_for(ref, content_type))

    return [
        Route("/staff/inbox/media/{message_id}", shell.page(media_file), methods=["GET"]),
        Route("/staff/inbox", shell.page(list_page), methods=["GET"]),
        Route("/staff/inbox/rows", shell.page(list_rows), methods=["GET"]),
        Route("/staff/inbox/quick-replies", shell.page(quick_page), methods=["GET"]),
        Route("/staff/inbox/quick-replies", shell.page(quick_save), methods=["POST"]),
        Route(
            "/staff/inbox/quick-replies/{reply_id}/delete",
            shell.page(quick_delete),
            methods=["POST"],
        ),
        Route("/staff/inbox/start/{person_id}", shell.page(start), methods=["GET", "POST"]),
        Route("/staff/inbox/{thread_id}", shell.page(thread_page), methods=["GET"]),
        Route("/staff/inbox/{thread_id}/entries", shell.page(thread_entries), methods=["GET"]),
        Route(
            "/staff/inbox/{thread_id}/{action}",
            shell.page(act),
            methods=["POST"],
        ),
    ]


__all__ = ["REFRESH_SECONDS", "pages"]
