"""Uniform JSON errors and size-limited body reading for every endpoint."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

MAX_BODY_BYTES = 256 * 1024


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
    """The request's JSON body, refusing oversized or malformed bodies with a clear 4xx."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadRequestError(413, f"body too large (at most {MAX_BODY_BYTES} bytes)")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise BadRequestError(413, f"body too large (at most {MAX_BODY_BYTES} bytes)")
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # bad UTF-8 or JSON, >4300-digit ints, deep nesting
        raise BadRequestError(400, "body is not valid JSON") from None
