"""Golden transcripts: play a script through the simulator API and compare with a file.

A script is a list of steps, ``("send", text)`` or ``("press", end of a choice id)``, with
``{placeholders}`` filled from ``values`` (her language, her name).  Each step records what
she did and exactly what the bot answered (texts, buttons, direction).  After an intended
change, rewrite the files with ``pytest --update-golden`` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

GOLDEN = Path(__file__).resolve().parent.parent / "golden"

Script = list[tuple[str, str]]


def play(
    client: TestClient, script: Script, user: str, values: dict[str, str]
) -> list[dict[str, Any]]:
    """Play ``script`` as ``user`` and record both sides."""
    transcript: list[dict[str, Any]] = []
    buttons: list[dict[str, str]] = []
    for action, value in script:
        value = value.format(**values)
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


def check(name: str, transcript: Any, request: pytest.FixtureRequest) -> None:
    """Compare with ``tests/golden/<name>`` (or write it with ``--update-golden``)."""
    path = GOLDEN / name
    rendered = json.dumps(transcript, ensure_ascii=False, indent=2) + "\n"
    if request.config.getoption("--update-golden"):
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run pytest --update-golden"
    assert json.loads(path.read_text(encoding="utf-8")) == transcript
