"""Twilio's webhooks for WhatsApp: inbound messages and delivery status callbacks.

Both check ``X-Twilio-Signature`` over every posted field against ``TWC_PUBLIC_URL`` + path
(Twilio signs the URL it called, which behind a proxy is not the URL this process sees).  A
missing or wrong signature is answered 403 before anything is handed on.  An inbound message
goes to the inbound service, which commits the turn (so a re-delivery is a no-op); the answer
is empty TwiML at once: replies go out through the outbox, never inline.  A status callback
becomes a :class:`~bot.channels.messages.DeliveryReport` notice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.base import InboundSink
from bot.channels.whatsapp.parse import (
    EMPTY_TWIML,
    INBOUND_PATH,
    STATUS_PATH,
    WhatsAppInputError,
    parse_form,
    parse_status,
    signature_is_valid,
)

if TYPE_CHECKING:
    from bot.channels.whatsapp.channel import WhatsAppChannel

log = logging.getLogger(__name__)

#: Twilio posts a few dozen fields (Body at most 1 600 characters, up to ten media URLs); the
#: form parser stops well before the defaults (1 000 fields of 1 MiB each), which it would
#: otherwise hold in memory before the signature can be checked.  No files, ever.
MAX_FORM_FIELDS = 100
MAX_FIELD_BYTES = 16 * 1024


def twiml() -> Response:
    """The empty TwiML answer: "received, nothing to say inline"."""
    return Response(EMPTY_TWIML, media_type="text/xml")


def whatsapp_routes(channel: WhatsAppChannel, sink: InboundSink) -> list[Route]:
    """The two Twilio webhooks of one channel, handing what they receive to ``sink``."""
    token = channel.auth_token
    public_url = channel.webhook_base

    async def signed_form(request: Request, path: str) -> dict[str, str] | None:
        form = await request.form(
            max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES
        )
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
            message, _media = parse_form(params, channel.clock())
        except WhatsAppInputError as error:
            log.info("whatsapp webhook ignored: %s", error)
            return twiml()
        try:
            outcome: Any = await sink.receive(message)
        except LookupError as error:  # no organisation to take a newcomer: not set up yet
            log.error("whatsapp message not handled: %s", error)
            return PlainTextResponse("not ready", status_code=503)
        if getattr(outcome, "duplicate", False):
            log.info("whatsapp message %s was already handled", message.external_id)
        return twiml()

    async def status(request: Request) -> Response:
        params = await signed_form(request, STATUS_PATH)
        if params is None:
            log.warning("twilio status callback refused: missing or wrong signature")
            return PlainTextResponse("invalid signature", status_code=403)
        report = parse_status(params)
        if report is None:
            return twiml()
        await sink.notice(report)
        return twiml()

    return [
        Route(INBOUND_PATH, inbound, methods=["POST"]),
        Route(STATUS_PATH, status, methods=["POST"]),
    ]


__all__ = ["twiml", "whatsapp_routes"]
