"""Golden transcripts of mentoring in the chat, in German, Arabic and Ukrainian: a mentor who
signs up by a mentor invite code (her onboarding, her own questions, her profile, a pause),
and a participant who asks for a mentor, sees her request waiting and withdraws it.

Like ``tests/test_golden.py``: what she sends and exactly what the bot answers (texts,
buttons, direction).  After an intended change: ``pytest tests/test_mentoring_golden.py
--update-golden`` and review the diff.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from bot.features.invites import create_invite
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.golden import check, play

MENTOR_CODE = "mentorin-hoya"

#: Steps: ("send", text) or ("press", the end of a button's id).
MENTOR: list[tuple[str, str]] = [
    ("send", f"/start {MENTOR_CODE}"),
    ("press", "choose_language:{lang}"),
    ("press", "privacy_notice:yes"),
    ("send", "{name}"),
    ("press", "ask_town:t1"),
    ("press", "ask_messages:yes"),
    ("press", "menu:mentoring"),
    ("press", "consent:yes"),
    ("press", "ask_languages:{lang}"),
    ("press", "ask_languages:{other}"),
    ("press", "ask_languages:done"),
    ("press", "ask_topics:paperwork"),
    ("press", "ask_topics:everyday"),
    ("press", "ask_topics:done"),
    ("press", "ask_capacity:two"),
    ("press", "ask_time:evenings"),
    ("press", "ask_time:done"),
    ("press", "hub:pause"),
    ("press", "pause:one_month"),
    ("press", "hub:resume"),
    ("press", "hub:menu"),
]

PARTICIPANT: list[tuple[str, str]] = [
    ("send", "/start"),
    ("press", "choose_language:{lang}"),
    ("press", "privacy_notice:yes"),
    ("send", "{name}"),
    ("press", "ask_town:t1"),
    ("press", "ask_interests:mentor"),
    ("press", "ask_interests:done"),
    ("press", "ask_support:done"),
    ("press", "ask_messages:yes"),
    ("press", "menu:mentoring"),
    ("press", "hub:ask"),
    ("press", "explain:yes"),
    ("press", "consent:yes"),
    ("press", "ask_topics:language"),
    ("press", "ask_topics:everyday"),
    ("press", "ask_topics:done"),
    ("press", "ask_language:{lang}"),
    ("press", "confirm:yes"),
    ("press", "menu:mentoring"),
    ("press", "hub:withdraw"),
    ("press", "confirm_withdraw:yes"),
]

MENTORS = {"de": "Maria", "ar": "مريم", "uk": "Оксана"}
PARTICIPANTS = {"de": "Amina", "ar": "أمينة", "uk": "Олена"}


@pytest.mark.parametrize("language", sorted(MENTORS))
def test_mentor_sign_up_transcript(
    sqlite_client: TestClient,
    sqlite_runtime: Runtime,
    clock: FrozenClock,
    language: str,
    request: pytest.FixtureRequest,
) -> None:
    create_invite(
        sqlite_runtime.db,
        clock(),
        course=None,
        organisation="vnb-nienburg",
        code=MENTOR_CODE,
        role="mentor",
    )
    other = "ar" if language == "de" else "de"
    values = {"lang": language, "name": MENTORS[language], "other": other}
    transcript = play(sqlite_client, MENTOR, f"mentor-{language}", values)
    check(f"mentor_sign_up_{language}.json", transcript, request)


@pytest.mark.parametrize("language", sorted(PARTICIPANTS))
def test_mentoring_request_transcript(
    sqlite_client: TestClient, language: str, request: pytest.FixtureRequest
) -> None:
    values = {"lang": language, "name": PARTICIPANTS[language]}
    transcript = play(sqlite_client, PARTICIPANT, f"mentee-{language}", values)
    check(f"mentoring_request_{language}.json", transcript, request)
