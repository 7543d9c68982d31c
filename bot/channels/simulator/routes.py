"""The chat simulator's routes: a web page and the JSON API the tests use.

``POST /simulator/api/messages`` runs the real inbound path (adapter parsing → engine → one
transaction → outbox → dispatcher) and answers with the bot's replies to that message;
``GET /simulator/api/messages?user=…`` returns her whole screen, including messages that arrived
later (reminders, broadcasts).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from bot.channels.simulator.channel import (
    MAX_USER_ID,
    SimulatorInputError,
    parse_request,
    shown_text,
)
from bot.features.invites.service import organisation_for_code
from bot.runtime import Runtime
from bot.turns.service import NoOrganisationError
from bot.web.errors import BadRequestError, error_response, read_json
from conversations.events import ChoiceIn, StartIn

STATIC = Path(__file__).resolve().parent / "static"


def simulator_routes(runtime: Runtime) -> list[Route]:
    """The simulator's page and API, bound to a runtime."""

    async def page(_request: Request) -> Response:
        return FileResponse(STATIC / "simulator.html", media_type="text/html; charset=utf-8")

    async def post_message(request: Request) -> Response:
        try:
            body = await read_json(request)
            inbound = parse_request(body, runtime.clock())
        except BadRequestError as error:
            return error_response(error.status, error.message)
        except SimulatorInputError as error:
            return error_response(422, str(error))
        if isinstance(inbound.event, StartIn) and inbound.event.code:  # an invite link
            slug = await asyncio.to_thread(organisation_for_code, runtime.db, inbound.event.code)
            if slug is not None:
                inbound = replace(inbound, organisation_slug=slug)
        labels = {}
        if isinstance(inbound.event, ChoiceIn):
            labels = await asyncio.to_thread(runtime.simulator.last_choices, inbound.address)
        if not await asyncio.to_thread(runtime.simulator.seen_before, inbound.external_id):
            await asyncio.to_thread(
                runtime.simulator.record_inbound, inbound.address, shown_text(inbound, labels)
            )
        try:
            outcome = await runtime.pipeline.submit(inbound)
        except NoOrganisationError as error:
            return error_response(503, str(error))
        if outcome.outbox_keys:
            await runtime.dispatcher.dispatch(keys=outcome.outbox_keys)
        replies = [
            {
                "text": reply["text"],
                "choices": reply["choices"],
                "direction": "rtl" if reply["rtl"] else "ltr",
            }
            for reply in outcome.replies
        ]
        return JSONResponse({"replies": replies, "duplicate": outcome.duplicate})

    async def get_messages(request: Request) -> Response:
        user = request.query_params.get("user", "").strip()
        if not user or len(user) > MAX_USER_ID or not user.isprintable():
            return error_response(
                422, "query parameter 'user' is required: printable, at most 64 characters"
            )
        transcript = await asyncio.to_thread(runtime.simulator.transcript, user)
        messages = [
            {
                "direction": "in" if m["direction"] == "in" else "out",
                "text": m["text"],
                "choices": m["choices"],
                "text_direction": "rtl" if m["rtl"] else "ltr",
                "at": m["at"],
            }
            for m in transcript
        ]
        return JSONResponse({"user": user, "messages": messages})

    async def get_users(_request: Request) -> Response:
        return JSONResponse({"users": await asyncio.to_thread(runtime.simulator.users)})

    return [
        Route("/simulator", page, methods=["GET"]),
        Route("/simulator/api/messages", post_message, methods=["POST"]),
        Route("/simulator/api/messages", get_messages, methods=["GET"]),
        Route("/simulator/api/users", get_users, methods=["GET"]),
    ]
