"""My data: everything stored about her, in the chat in her language, as a file (``/export``)
and for coordinators (``twc people export``).

The core flow ``main.yaml`` asks for it (actions ``show_my_data`` and ``export_my_data``);
:mod:`.source` answers in the turn's transaction from what :mod:`.gather` reads; the export
files (:mod:`.export`) are made only when the message bringing them is sent
(:mod:`.attachments`), or when Twilio fetches them by a short-lived link (:mod:`.links`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.features.feature import Feature
from bot.features.my_data.attachments import ExportAttachments
from bot.features.my_data.cli import register
from bot.features.my_data.links import ExportLinks, export_routes
from bot.features.my_data.source import EXPORT_MESSAGE, make_replies

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _base_url(runtime: Runtime) -> str:
    """Where platforms fetch files from: the public URL (or the local one, for a try)."""
    settings = runtime.settings
    return settings.public_url or f"http://{settings.host}:{settings.port}"


def _export_files(runtime: Runtime) -> ExportAttachments:
    links = ExportLinks(runtime.settings.secret_key)
    return ExportAttachments(
        runtime.db, runtime.flow_engine, links, _base_url(runtime), runtime.clock
    )


def _routes(runtime: Runtime) -> list[Any]:
    links = ExportLinks(runtime.settings.secret_key)
    return export_routes(runtime.db, runtime.flow_engine, links, runtime.clock)


FEATURE = Feature(
    name="my_data",
    reply_sources=(make_replies,),
    attachments={EXPORT_MESSAGE: _export_files},
    routes=_routes,
    cli=register,
)

__all__ = ["EXPORT_MESSAGE", "FEATURE"]
