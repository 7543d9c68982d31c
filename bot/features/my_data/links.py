"""Short-lived links to her export files, for platforms that fetch a file themselves.

WhatsApp takes a file only as a URL that Twilio downloads; the simulator's page shows links.
The link carries no data and nothing is stored: its token is her person id and language,
encrypted and authenticated (Fernet) with a key derived for this one purpose
(``bot.crypto.keyring.subkey`` of ``TWC_SECRET_KEY``), and it expires an hour after it was
made.  The files are made when the link is fetched, from what is stored at that moment; a
deleted person's link finds nothing.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.crypto.keyring import subkey
from bot.features.my_data.export import JSON_NAME, TEXT_NAME, json_file, text_file
from bot.features.my_data.gather import gather
from conversations.flow_engine import FlowEngine

#: How long a link works.
LINK_LIFETIME = timedelta(hours=1)
PATH = "/my-data/export"
#: The HKDF ``info`` of the link key (``bot.crypto.keyring``): a key for this use alone.
EXPORT_LINK_INFO = b"twc/v1/my-data-export-links"


class ExportLinks:
    """Makes and reads the tokens of export links."""

    def __init__(self, secret_key: str) -> None:
        key = subkey(secret_key, EXPORT_LINK_INFO)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def token(self, person_id: int, language: str, now: datetime) -> str:
        """A token for her files, valid for :data:`LINK_LIFETIME` from ``now``."""
        payload = json.dumps({"p": person_id, "l": language}).encode()
        return self._fernet.encrypt_at_time(payload, int(now.timestamp())).decode("ascii")

    def read(self, token: str, now: datetime) -> tuple[int, str] | None:
        """``(person id, language)`` of a valid, unexpired token, else ``None``."""
        try:
            payload = self._fernet.decrypt_at_time(
                token.encode("ascii"),
                int(LINK_LIFETIME.total_seconds()),
                int(now.timestamp()),
            )
            found = json.loads(payload)
            return int(found["p"]), str(found["l"])
        except (InvalidToken, UnicodeEncodeError, ValueError, KeyError, TypeError):
            return None

    def urls(self, base: str, person_id: int, language: str, now: datetime) -> list[str]:
        """The links to her two files (text first), under ``base`` (may be empty: relative)."""
        token = self.token(person_id, language, now)
        return [f"{base}{PATH}/{token}/{name}" for name in (TEXT_NAME, JSON_NAME)]


def export_routes(
    db: Engine, engine: FlowEngine, links: ExportLinks, clock: Callable[[], datetime]
) -> list[Route]:
    """``GET /my-data/export/<token>/my-data.txt|json``: the file, made now."""

    async def export_file(request: Request) -> Response:
        name = str(request.path_params["name"])
        now = clock()
        found = links.read(str(request.path_params["token"]), now)
        if found is None or name not in (TEXT_NAME, JSON_NAME):
            return PlainTextResponse("not found", status_code=404)
        person_id, language = found

        def read() -> bytes | None:
            with db.connect() as conn:
                data = gather(conn, person_id, now)
            if data is None:
                return None
            # Only the file asked for is made.
            made = (
                json_file(data, now)
                if name == JSON_NAME
                else text_file(data, engine, language, now)
            )
            return made.data

        content = await asyncio.to_thread(read)
        if content is None:
            return PlainTextResponse("not found", status_code=404)
        # Both as plain text: what they are, and a type WhatsApp takes as a document.
        return Response(
            content,
            media_type="text/plain; charset=utf-8",
            headers={
                "Content-Disposition": f'inline; filename="{name}"',
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
            },
        )

    return [Route(PATH + "/{token}/{name}", export_file, methods=["GET", "HEAD"])]


__all__ = ["LINK_LIFETIME", "PATH", "ExportLinks", "export_routes"]
