"""Her export files, made just before the message that brings them is sent.

Telegram gets them uploaded (``sendDocument``); WhatsApp gets short-lived links Twilio fetches
(:mod:`.links`), since it takes files only by URL.  Nothing of the files is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from bot.channels.messages import Attachment, Outbound
from bot.features.my_data.export import export_files
from bot.features.my_data.gather import gather
from bot.features.my_data.links import PATH, ExportLinks
from conversations.flow_engine import FlowEngine


class ExportAttachments:
    """``Outbound`` of an export message → her two files (none if she is gone)."""

    def __init__(
        self,
        db: Engine,
        engine: FlowEngine,
        links: ExportLinks,
        base_url: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.engine = engine
        self.links = links
        self.base_url = base_url.rstrip("/")
        self.clock = clock

    async def __call__(self, message: Outbound) -> tuple[Attachment | None, ...]:
        try:
            person_id = int(message.values.get("person", ""))
        except (TypeError, ValueError):
            return ()
        language = str(message.values.get("language") or message.language)
        return await asyncio.to_thread(self.files, person_id, language)

    def files(self, person_id: int, language: str) -> tuple[Attachment | None, ...]:
        now = self.clock()
        with self.db.connect() as conn:
            data = gather(conn, person_id, now)
        if data is None:
            return (None, None)  # she is gone: the parts still count (a retry resumes right)
        token = self.links.token(person_id, language, now)
        return tuple(
            Attachment(
                file.name,
                file.data,
                file.content_type,
                url=f"{self.base_url}{PATH}/{token}/{file.name}",
            )
            for file in export_files(data, self.engine, language, now)
        )


__all__ = ["ExportAttachments"]
