"""The chat simulator's routes: a web page (with its style and script) and the JSON API the
tests use.

``POST /simulator/api/messages`` takes the real inbound path (parsing → the inbound service's
group commit → engine → one transaction → outbox → dispatcher) and answers with the bot's
replies to that message, which are on her screen by then (the screens are written in the turn's
own transaction); ``GET /simulator/api/messages?user=…``
returns her whole screen, including messages that arrived later (reminders, broadcasts).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from bot.channels.base import InboundSink
from bot.channels.simulator.parse import MAX_USER_ID, SimulatorInputError, parse_request
from bot.web.errors import BadRequestError, error_response, read_json

if TYPE_CHECKING:
    from bot.channels.simulator.channel import SimulatorChannel

STATIC = Path(__file__).resolve().parent / "static"


def simulator_routes(channel: SimulatorChannel, sink: InboundSink) -> list[Route]:
    """The simulator's page and API, handing messages to ``sink``."""
    screen = channel.screen

    async def page(_request: Request) -> Response:
        return FileResponse(STATIC / "simulator.html", media_type="text/html; charset=utf-8")

    async def style(_request: Request) -> Response:
        return FileResponse(STATIC / "simulator.css", media_type="text/css; charset=utf-8")

    async def script(_request: Request) -> Response:
        return FileResponse(STATIC / "simulator.js", media_type="text/javascript; charset=utf-8")

    async def post_message(request: Request) -> Response:
        try:
            body = await read_json(request)
            inbound = parse_request(body, channel.clock())
        except BadRequestError as error:
            return error_response(error.status, error.message)
        except SimulatorInputError as error:
            return error_response(422, str(error))
        try:
            outcome: Any = await sink.receive(inbound)
        except LookupError as error:  # no organisation for a newcomer: not set up yet
            return error_response(503, str(error))
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
        transcript = await asyncio.to_thread(screen.transcript, user)
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
        return JSONResponse({"users": await asyncio.to_thread(screen.users)})

    return [
        Route("/simulator", page, methods=["GET"]),
        Route("/simulator/simulator.css", style, methods=["GET"]),
        Route("/simulator/simulator.js", script, methods=["GET"]),
        Route("/simulator/api/messages", post_message, methods=["POST"]),
        Route("/simulator/api/messages", get_messages, methods=["GET"]),
        Route("/simulator/api/users", get_users, methods=["GET"]),
    ]


__all__ = ["simulator_routes"]
