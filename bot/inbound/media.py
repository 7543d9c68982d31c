"""Files she sent (photos, voice notes, documents): kept as type and platform URL only.

Never copied: the staff inbox fetches the file from the platform when a coordinator opens it
(``/staff/inbox/media/<entry>``).  Nothing is stored
about her before she consented.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from bot.db.tables import media, people

media_table = media


def record_media(
    db: Engine,
    person_id: int,
    channel: str,
    external_id: str,
    items: Sequence[Any],
    now: datetime,
) -> int:
    """Keep what she sent (type and platform URL) for the inbox; only after her consent."""
    with db.begin() as conn:
        status = conn.execute(select(people.c.status).where(people.c.id == person_id)).scalar()
        if status is None or status == "new":
            return 0  # nothing is stored about her before she agreed
        rows = [
            {
                "person_id": person_id,
                "channel": channel,
                "external_id": external_id[:128],
                "kind": item.kind,
                "content_type": item.content_type or "application/octet-stream",
                "url": item.url,
                "received_at": now,
            }
            for item in items
        ]
        if rows:
            conn.execute(insert(media_table), rows)
        return len(rows)


__all__ = ["record_media"]
