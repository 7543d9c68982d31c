"""Stored codes in her language, for the hubs' texts: languages (Babel's names), topics,
times, dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from babel.dates import format_date

from bot.features.mentoring.chat_texts import TIMES
from bot.features.mentoring.topics import topic_names
from conversations import system_texts as st
from conversations.flow_engine import FlowEngine
from conversations.i18n import local_time, native_digits
from conversations.languages import Language
from conversations.texts import Text


class Words:
    """Renders the hubs' texts in one language (her reply's)."""

    def __init__(self, engine: FlowEngine, code: str, timezone: str) -> None:
        table = engine.languages
        found = table.get(code) or table.get(table.master)
        assert found is not None
        self.language: Language = found
        self.catalogs = engine.catalogs
        self.timezone = timezone

    def say(self, text: Text, **values: object) -> str:
        """``text`` in her language with ``values`` filled."""
        return self.catalogs.fill(
            self.language, self.catalogs.translate(self.language, text), values
        )

    def listed(self, items: Iterable[str]) -> str:
        """Items joined the way her language lists them ("—" for none)."""
        joined = self.say(st.LIST_SEPARATOR).join(items)
        return joined or self.say(st.NOT_GIVEN)

    def languages(self, codes: Iterable[str]) -> str:
        """Language names in her language (Babel), e.g. "Arabisch, Deutsch"."""
        names = self.language.babel_locale.languages
        return self.listed(names.get(code, code) for code in codes)

    def topics(self, ids: Iterable[str]) -> str:
        """Topic names (``topics.TOPICS``)."""
        return self.listed(topic_names(self.catalogs, self.language, ids))

    def times(self, ids: Iterable[str]) -> str:
        """When she has time."""
        return self.listed(self.say(TIMES[i]) for i in ids if i in TIMES)

    def day(self, moment: datetime) -> str:
        """A date without its weekday ("30. November 2026"), in the organisation's time zone:
        it reads well after "until" and "since" in every language (a weekday does not)."""
        return day_of(moment, self.language, self.timezone)


def day_of(moment: datetime, language: Language, timezone: str) -> str:
    """:meth:`Words.day` for a language and time zone."""
    day = format_date(local_time(moment, timezone), "long", locale=language.babel_locale)
    return native_digits(day, language)
