"""A test user's phone on the simulator channel (its JSON API over HTTP), and onboarding."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


class Simulator:
    """A test user's phone, talking to the simulator API over HTTP (ASGI)."""

    def __init__(self, client: TestClient, user: str) -> None:
        self.client = client
        self.user = user
        self.last: list[dict[str, Any]] = []

    def send(self, text: str) -> list[dict[str, Any]]:
        return self._post({"user": self.user, "text": text})

    def press(self, label_or_id: str) -> list[dict[str, Any]]:
        """Press a button of the last reply that had buttons, by its label (or its id)."""
        for reply in reversed(self.last):
            for choice in reply["choices"]:
                if label_or_id in (choice["label"], choice["id"]):
                    return self._post({"user": self.user, "choice": choice["id"]})
        raise AssertionError(f"no button {label_or_id!r} in {self.last}")

    def _post(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.client.post("/simulator/api/messages", json=body)
        assert response.status_code == 200, response.text
        replies = response.json()["replies"]
        if replies:
            self.last = replies
        return replies

    def labels(self) -> list[str]:
        return [c["label"] for c in self.last[-1]["choices"]] if self.last else []

    def text(self) -> str:
        return "\n".join(r["text"] for r in self.last)


#: The demo organisation, chosen when a deployment with several asks where she lives.
DEMO_REGION = "vnb-nienburg"


def onboard(
    sim: Simulator,
    language: str = "Deutsch",
    name: str = "Amina",
    messages: bool = True,
    region: str = DEMO_REGION,
) -> None:
    """Onboarding in ``language`` (its button label): where she lives if asked (``region``:
    an organisation's slug), consent, name, Hoya, first interest, then yes (or, with
    ``messages=False``, no) to messages."""
    sim.send("/start")
    sim.press(language)
    choose_region(sim, region)
    sim.press(sim.labels()[0])
    sim.send(name)
    sim.press("Hoya")
    sim.press(sim.labels()[0])
    sim.press(sim.labels()[-1])
    sim.press(sim.labels()[-1])
    sim.press(sim.labels()[0 if messages else 1])  # the question about messages


def choose_region(sim: Simulator, region: str = DEMO_REGION) -> None:
    """Answer "where do you live?" if it is asked (several organisations): the country of
    ``region`` first if asked, then the organisation ``region`` (its slug)."""
    for _ in range(2):
        ids = [c["id"] for c in (sim.last[-1]["choices"] if sim.last else [])]
        if any(i.startswith("onboarding.choose_country:") for i in ids):
            sim.press(ids[0])  # the tests' organisations are all in one country unless asked
        elif f"onboarding.choose_organisation:{region}" in ids:
            sim.press(f"onboarding.choose_organisation:{region}")
        else:
            return
