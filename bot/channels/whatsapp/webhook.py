"""Twilio's webhooks for WhatsApp: inbound messages and delivery status callbacks.

Both check ``X-Twilio-Signature`` over every posted field against ``TWC_PUBLIC_URL`` + path
(Twilio signs the URL it called, which behind a proxy is not the URL this process sees).  A
missing or wrong signature is answered 403 before anything is read into the database.  The
inbound webhook commits the turn (so a re-delivery is a no-op), wakes the dispatcher and answers
at once with empty TwiML: replies go out through the outbox, never inline.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.whatsapp.channel import (
    CHANNEL,
    EMPTY_TWIML,
    INBOUND_PATH,
    STATUS_PATH,
    WhatsAppInputError,
    classify,
    parse_form,
    signature_is_valid,
)
from bot.outbox.delivery import StatusUpdate, apply_status, record_media
from bot.runtime import Runtime
from bot.turns.service import NoOrganisationError

log = logging.getLogger(__name__)


def twiml() -> Response:
    """The empty TwiML answer: "received, nothing to say inline"."""
    return Response(EMPTY_TWIML, media_type="text/xml")


def whatsapp_routes(runtime: Runtime) -> list[Route]:
    """The two Twilio webhooks, bound to a runtime with WhatsApp configured."""
    settings = runtime.settings
    token = settings.twilio_auth_token or ""
    public_url = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")

    async def signed_form(request: Request, path: str) -> dict[str, str] | None:
        form = await request.form()
        params = {key: value for key, value in form.multi_items() if isinstance(value, str)}
        signature = request.headers.get("X-Twilio-Signature")
        if request.url.query:  # Twilio signs the full URL it called, query string included
            path = f"{path}?{request.url.query}"
        if not signature_is_valid(token, public_url, path, params, signature):
            return None
        return params

    async def inbound(request: Request) -> Response:
        params = await signed_form(request, INBOUND_PATH)
        if params is None:
            log.warning("whatsapp webhook refused: missing or wrong signature")
            return PlainTextResponse("invalid signature", status_code=403)
        try:
            message, media = parse_form(params, runtime.clock())
        except WhatsAppInputError as error:
            log.info("whatsapp webhook ignored: %s", error)
            return twiml()
        try:
            outcome = await runtime.pipeline.submit(message)
        except NoOrganisationError as error:
            log.error("whatsapp message not handled: %s", error)
            return PlainTextResponse("not ready", status_code=503)
        if outcome.duplicate:
            log.info("whatsapp message %s was already handled", message.external_id)
            return twiml()
        if media and outcome.person_id is not None:
            await asyncio.to_thread(
                record_media,
                runtime.db,
                outcome.person_id,
                CHANNEL,
                message.external_id,
                media,
                runtime.clock(),
            )
        runtime.dispatcher.wake()
        return twiml()

    async def status(request: Request) -> Response:
        params = await signed_form(request, STATUS_PATH)
        if params is None:
            log.warning("twilio status callback refused: missing or wrong signature")
            return PlainTextResponse("invalid signature", status_code=403)
        sid = (params.get("MessageSid") or params.get("SmsSid") or "").strip()
        state = (params.get("MessageStatus") or params.get("SmsStatus") or "").strip().lower()
        if not sid or not state:
            return twiml()
        raw_code = (params.get("ErrorCode") or "").strip()
        code = int(raw_code) if raw_code.isdigit() else None
        error = None
        if state in ("failed", "undelivered"):
            error = classify(400, code, params.get("ErrorMessage") or state)
        outcome = await asyncio.to_thread(
            apply_status,
            runtime.db,
            CHANNEL,
            StatusUpdate(sid[:128], state[:16], code),
            error,
            runtime.clock(),
        )
        limiter = runtime.dispatcher.limits.get(CHANNEL)
        if outcome.slow_down and limiter is not None:
            limiter.block(outcome.retry_in or 1.0)
        return twiml()

    return [
        Route(INBOUND_PATH, inbound, methods=["POST"]),
        Route(STATUS_PATH, status, methods=["POST"]),
    ]
