"""``POST /webhooks/telegram``: Telegram's webhook calls, checked by their secret header.

Telegram sends the ``secret_token`` given to ``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token``
with every call.  A missing or wrong header gets 403 and nothing is stored or parsed; the
comparison takes the same time however much of the secret matched (``hmac.compare_digest``).
An update that cannot be handled right now (the database is away) gets 500, so Telegram
delivers it again later; the same update id arriving twice is handled once.  A body that is not
a JSON object, or one nested too deeply to parse, gets 400.

A button press is answered in the webhook's own response (Telegram lets a webhook answer with
one Bot API call: ``{"method": "answerCallbackQuery", …}``), which saves a request per press.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot, Update

from bot.web.errors import error_response

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
PATH = "/webhooks/telegram"


def secret_matches(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; no secret configured means nothing matches."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def webhook_route(
    bot: Bot, secret: str | None, handle: Callable[[Update], Awaitable[dict[str, Any] | None]]
) -> Route:
    """The webhook route: authenticate, parse, hand the update to ``handle``, answer with the
    Bot API call ``handle`` returns (if any)."""

    async def webhook(request: Request) -> Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            return error_response(403, "forbidden")
        body = await request.body()  # its size is limited for every route (bot.web.limits)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return error_response(400, "the body must be JSON")
        if not isinstance(data, dict):
            return error_response(400, "the body must be a JSON object")
        try:
            update = Update.de_json(data, bot)
        except RecursionError:
            return error_response(400, "the update is nested too deeply")
        except Exception:
            log.info("telegram webhook: an update that does not parse was ignored")
            return JSONResponse({})
        if update is None:
            return JSONResponse({})
        try:
            answer = await handle(update)
        except Exception:
            log.exception("telegram: update %d failed", update.update_id)
            return error_response(500, "could not handle the update now; send it again")
        return JSONResponse(answer or {})

    return Route(PATH, webhook, methods=["POST"])


__all__ = ["PATH", "SECRET_HEADER", "secret_matches", "webhook_route"]
