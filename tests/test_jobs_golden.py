"""Golden transcripts of her side of job offers, in German, Arabic and Ukrainian: a woman who
ticked "💼 Arbeit" at onboarding opens the hub, agrees, answers the three questions, sees
her answers, and asks for no more job offers.

Like ``tests/test_golden.py``: what she sends and exactly what the bot answers (texts,
buttons, direction).  After an intended change: ``pytest tests/test_jobs_golden.py
--update-golden`` and review the diff.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.auxil.golden import check, play

#: Steps: ("send", text) or ("press", the end of a button's id).
STEPS: list[tuple[str, str]] = [
    ("send", "/start"),
    ("press", "choose_language:{lang}"),
    ("press", "privacy_notice:yes"),
    ("send", "{name}"),
    ("press", "ask_town:t1"),
    ("press", "ask_interests:jobs"),
    ("press", "ask_interests:done"),
    ("press", "ask_support:childcare"),
    ("press", "ask_support:done"),
    ("press", "ask_messages:yes"),
    ("press", "menu:jobs"),
    ("press", "hub:answers"),
    ("press", "consent:yes"),
    ("press", "ask_german:a2"),
    ("press", "ask_hours:h20"),
    ("press", "ask_travel:km25"),
    ("press", "menu:jobs"),
    ("press", "hub:stop"),
    ("press", "confirm_stop:yes"),
]

NAMES = {"de": "Amina", "ar": "أمينة", "uk": "Олена"}


@pytest.mark.parametrize("language", sorted(NAMES))
def test_job_answers_transcript(
    sqlite_client: TestClient, language: str, request: pytest.FixtureRequest
) -> None:
    values = {"lang": language, "name": NAMES[language]}
    transcript = play(sqlite_client, STEPS, f"jobs-{language}", values)
    check(f"jobs_answers_{language}.json", transcript, request)
