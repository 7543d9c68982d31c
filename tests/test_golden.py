"""Golden transcripts: onboarding as a participant sees it, in German, Arabic and Ukrainian.

Each transcript records what she sends and exactly what the bot answers (texts, buttons,
direction) through the simulator API.  A changed text shows up as a readable diff.  After an
intended change, rewrite them with ``pytest tests/test_golden.py --update-golden`` and review
the diff like any other change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

GOLDEN = Path(__file__).resolve().parent / "golden"

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
    user = f"golden-{language}"
    transcript: list[dict[str, Any]] = []
    buttons: list[dict[str, str]] = []
    for action, value in SCRIPT:
        value = value.format(lang=language, name=name)
        if action == "send":
            body: dict[str, Any] = {"user": user, "text": value}
            shown = value
        else:
            choice = next(c for c in buttons if c["id"].endswith(value))
            body = {"user": user, "choice": choice["id"]}
            shown = f"[{choice['label']}]"
        response = client.post("/simulator/api/messages", json=body)
        assert response.status_code == 200, response.text
        replies = response.json()["replies"]
        if replies and replies[-1]["choices"]:
            buttons = replies[-1]["choices"]
        transcript.append(
            {
                "she": shown,
                "bot": [
                    {
                        "text": r["text"],
                        "buttons": [c["label"] for c in r["choices"]],
                        "direction": r["direction"],
                    }
                    for r in replies
                ],
            }
        )
    return transcript


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_onboarding_transcript(
    sqlite_client: TestClient, language: str, request: pytest.FixtureRequest
) -> None:
    transcript = run_script(sqlite_client, language, LANGUAGES[language])
    path = GOLDEN / f"onboarding_{language}.json"
    rendered = json.dumps(transcript, ensure_ascii=False, indent=2) + "\n"
    if request.config.getoption("--update-golden"):
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run pytest --update-golden"
    assert json.loads(path.read_text(encoding="utf-8")) == transcript
