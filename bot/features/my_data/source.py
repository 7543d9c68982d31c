"""The answers to "my data" and "/export", read in the turn's own transaction.

The engine says *that* she asked (``ShowMyData``, ``SendMyDataExport``); this reads what is
stored about her and writes the messages, which take the effect's place among the turn's
replies: the data first (in as many messages as it needs, each under the platform's limit),
then the node's own question with its buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from bot.features.my_data import texts as t
from bot.features.my_data.gather import gather
from bot.features.my_data.links import ExportLinks
from bot.features.my_data.summary import Renderer, pack
from bot.settings import Settings
from bot.turns.effects import HostReply
from conversations.events import Reply, SendMyDataExport, ShowMyData
from conversations.flow_engine import FlowEngine
from conversations.languages import Language

if TYPE_CHECKING:
    from bot.turns.writer import Target

#: The outbox kind of the message that brings her export files.
EXPORT_MESSAGE = "my_data_export"
#: Channels whose replies are shown within the turn (no dispatcher, so no file is sent):
#: their message carries links to the files instead.
LINK_CHANNELS = frozenset({"simulator"})


class MyDataReplies:
    """Answers ``ShowMyData`` and ``SendMyDataExport`` (a reply source, see bot.turns)."""

    handles: tuple[type, ...] = (ShowMyData, SendMyDataExport)

    def __init__(self, engine: FlowEngine, settings: Settings) -> None:
        self.engine = engine
        self.links = ExportLinks(settings.secret_key)

    def language(self, code: str) -> Language:
        table = self.engine.languages
        found = table.get(code) or table.get(table.master)
        assert found is not None
        return found

    def replies(
        self, conn: Connection, effect: Any, target: Target, now: datetime
    ) -> Sequence[HostReply]:
        language = self.language(effect.language)
        renderer = Renderer(self.engine, language, target.organisation.info.timezone)
        if isinstance(effect, SendMyDataExport):
            return [self.export(renderer, effect, target, now)]
        data = gather(conn, target.person_id, now)
        if data is None:
            return []
        sections = renderer.sections(data)
        sections[0] = f"{renderer.tr(t.TITLE)}\n\n{sections[0]}"
        return [HostReply(Reply(text, (), language.code, language.rtl)) for text in pack(sections)]

    def export(
        self, renderer: Renderer, effect: SendMyDataExport, target: Target, now: datetime
    ) -> HostReply:
        """The message her files come with; they are made when it is sent."""
        language = renderer.language
        text = renderer.tr(t.EXPORT_READY)
        if target.channel in LINK_CHANNELS:
            links = self.links.urls("", target.person_id, language.code, now)
            text = "\n".join([text, *links])
        return HostReply(
            Reply(text, (), language.code, language.rtl),
            kind=EXPORT_MESSAGE,
            values={"person": str(target.person_id), "language": language.code},
        )


def make_replies(engine: FlowEngine, settings: Settings) -> MyDataReplies:
    """The feature's reply source for a runtime."""
    return MyDataReplies(engine, settings)


__all__ = ["EXPORT_MESSAGE", "MyDataReplies", "make_replies"]
