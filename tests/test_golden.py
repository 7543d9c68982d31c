"""Golden transcripts: onboarding as a participant sees it, in German, Arabic and Ukrainian.

Each transcript records what she sends and exactly what the bot answers (texts, buttons,
direction) through the simulator API.  A changed text shows up as a readable diff.  After an
intended change, rewrite them with ``pytest tests/test_golden.py --update-golden`` and review
the diff like any other change.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.auxil.golden import check, play

#: Steps: ("send", text) or ("press", choice id ending).  The same script in every language.
SCRIPT: list[tuple[str, str]] = [
    ("send", "/start"),
    ("press", "choose_language:{lang}"),
    ("press", "privacy_notice:more"),
    ("press", "privacy_details:yes"),
    ("send", "🌸"),
    ("send", "{name}"),
    ("press", "ask_town:t1"),
    ("press", "ask_interests:course"),
    ("press", "ask_interests:meet"),
    ("send", "3"),
    ("press", "ask_interests:done"),
    ("press", "ask_support:childcare"),
    ("press", "ask_support:done"),
    ("press", "ask_messages:no"),
    ("send", "???"),
    ("press", "menu:privacy"),
    ("press", "my_data:back"),
    ("send", "/help"),
]

LANGUAGES = {"de": "Amina", "ar": "أمينة", "uk": "Олена", "tr": "Ayşe"}


def run_script(client: TestClient, language: str, name: str) -> list[dict[str, Any]]:
    return play(client, SCRIPT, f"golden-{language}", {"lang": language, "name": name})


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_onboarding_transcript(
    sqlite_client: TestClient, language: str, request: pytest.FixtureRequest
) -> None:
    transcript = run_script(sqlite_client, language, LANGUAGES[language])
    check(f"onboarding_{language}.json", transcript, request)
