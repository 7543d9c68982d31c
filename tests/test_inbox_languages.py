"""The inbox's texts for her exist in every language the bot speaks, and she reads them in
hers: "it reached the team", "you are back with the bot", the team's reply (translated or
not) and "you have a reply" (the text of the WhatsApp template)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.features.inbox.texts import ALL_TEXTS, REPLY_WAITING, TEAM_REPLY_TRANSLATED
from bot.runtime import load_flow_engine
from conversations import system_texts as st
from conversations.events import BackFromTeamIn, MediaIn, Reply
from conversations.model import Context, Conversation, OrganisationInfo, Profile
from conversations.texts import placeholders_of

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ORG = OrganisationInfo("VNB", office_hours="Mo–Fr 9–13")
ENGINE = load_flow_engine()
LANGUAGES = [language.code for language in ENGINE.languages.languages]


def her(code: str, with_team: datetime | None = None) -> Context:
    profile = Profile(
        language=code,
        display_name="Amina",
        status="active",
        consent_given_at=NOW,
        consents=frozenset({"profile", "messages"}),
        with_team_since=with_team,
    )
    return Context(profile, ORG, NOW)


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_text_is_translated_and_said_in_her_language(code: str) -> None:
    language = ENGINE.languages.get(code)
    assert language is not None
    catalogs = ENGINE.catalogs
    for text in (st.MEDIA_TO_TEAM, st.BACK_WITH_BOT, *ALL_TEXTS):
        translated = catalogs.translate(language, text)
        if code != ENGINE.languages.master and text is not ALL_TEXTS[0]:
            assert translated != text.master, f"{text.context} is German in {code}"
        assert set(text.placeholders) == set(placeholders_of(translated))

    menu = Conversation("main", "menu", 1)
    back = ENGINE.handle(menu, BackFromTeamIn(), her(code, with_team=NOW))
    replies = [e for e in back.effects if isinstance(e, Reply)]
    assert replies[0].text == catalogs.translate(language, st.BACK_WITH_BOT)
    assert replies[0].language == code and replies[0].rtl == language.rtl
    assert replies[-1].buttons  # the menu
    assert back.profile.with_team_since is None

    voice = ENGINE.handle(menu, MediaIn("voice"), her(code))
    [told] = [e for e in voice.effects if isinstance(e, Reply)]
    assert told.text == catalogs.fill(
        language, catalogs.translate(language, st.MEDIA_TO_TEAM), {"office_hours": "Mo–Fr 9–13"}
    )

    waiting = catalogs.fill(language, catalogs.translate(language, REPLY_WAITING), {"org": "VNB"})
    assert "VNB" in waiting and "{" not in waiting
    both = catalogs.fill(
        language,
        catalogs.translate(language, TEAM_REPLY_TRANSLATED),
        {"org": "VNB", "translation": "TRANSLATION", "original": "ORIGINAL"},
    )
    assert "🌐" in both and both.index("TRANSLATION") < both.index("ORIGINAL")
