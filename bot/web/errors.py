"""Uniform JSON errors and JSON body reading for every endpoint.

Body sizes are limited once, for every route, before any handler runs
(:class:`bot.web.limits.BodyLimit`, ``TWC_MAX_BODY_BYTES``)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse


class BadRequestError(Exception):
    """A client error with an HTTP status and a message for the caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JSONResponse:
    """``{"error": message}`` with the status."""
    return JSONResponse({"error": message}, status_code=status)


async def read_json(request: Request) -> Any:
    """The request's JSON body, refusing a malformed one with a clear 400."""
    body = await request.body()
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # bad UTF-8 or JSON, >4300-digit ints, deep nesting
        raise BadRequestError(400, "body is not valid JSON") from None
