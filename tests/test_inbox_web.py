"""The inbox pages over HTTP (Starlette's test client): what a coordinator sees and does, the
CSRF check, and 404 for a conversation of another organisation or a guessed id."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from bot.runtime import Runtime
from tests.auxil.courses import person_of
from tests.auxil.inbox import deliver, second_organisation, threads_of, transcript
from tests.auxil.simulator import Simulator, onboard
from tests.auxil.staff import PASSWORD, add_staff, csrf_of, login_client

QUESTION = "Kann ich mein Kind mitbringen?"


def asks(client: TestClient, user: str = "amina") -> Simulator:
    sim = Simulator(client, user)
    onboard(sim)
    sim.press("main.menu:person")
    sim.send(QUESTION)
    return sim


def test_a_coordinator_sees_replies_notes_and_closes(
    sqlite_runtime: Runtime, sqlite_client: TestClient
) -> None:
    client, runtime = sqlite_client, sqlite_runtime
    sim = asks(client)
    [thread] = threads_of(runtime, person_of(runtime, "amina"))
    login_client(client)
    listing = client.get("/staff/inbox")
    assert listing.status_code == 200
    for shown in ("Amina", "Hoya", "Simulator", "wartet seit", f"/staff/inbox/{thread['id']}"):
        assert shown in listing.text
    assert 'hx-trigger="every 5s"' in listing.text
    assert "Amina" in client.get("/staff/inbox/rows?order=waiting").text
    page = client.get(f"/staff/inbox/{thread['id']}")
    assert page.status_code == 200 and QUESTION in page.text
    assert "Keine Übersetzung eingerichtet" in page.text
    token = csrf_of(page.text)

    refused = client.post(f"/staff/inbox/{thread['id']}/reply", data={"text": "Ja."})
    assert refused.status_code == 403
    empty = client.post(
        f"/staff/inbox/{thread['id']}/reply", data={"text": " ", "csrf_token": token}
    )
    assert empty.status_code == 400 and "Bitte schreiben Sie einen Text" in empty.text
    sent = client.post(
        f"/staff/inbox/{thread['id']}/reply",
        data={"text": "Ja, gerne!", "csrf_token": token},
        follow_redirects=False,
    )
    assert (sent.status_code, sent.headers["location"]) == (303, f"/staff/inbox/{thread['id']}")
    client.post(
        f"/staff/inbox/{thread['id']}/note", data={"text": "Rückruf Montag", "csrf_token": token}
    )
    client.post(f"/staff/inbox/{thread['id']}/assign", data={"csrf_token": token})
    deliver(runtime)
    assert transcript(client, "amina")[-1][1].endswith("\nJa, gerne!")
    page = client.get(f"/staff/inbox/{thread['id']}")
    assert "Rückruf Montag" in page.text and "Interne Notiz" in page.text
    assert "gesendet" in page.text  # the reply's delivery status
    assert "Mir zuweisen" not in page.text  # assigned to me now

    closed = client.post(
        f"/staff/inbox/{thread['id']}/close",
        data={"note": "erledigt", "csrf_token": token},
        follow_redirects=False,
    )
    assert (closed.status_code, closed.headers["location"]) == (303, "/staff/inbox")
    deliver(runtime)
    assert transcript(client, "amina")[-2][1].startswith("🤖 Das Gespräch mit unserem Team")
    assert "Keine Gespräche." in client.get("/staff/inbox").text
    assert "Amina" in client.get("/staff/inbox?status=closed").text
    assert sim.send("4")[0]["text"].startswith("🙋")  # the menu answers again (4: the team)


def test_another_organisation_gets_404_even_by_guessing(
    sqlite_runtime: Runtime, sqlite_client: TestClient
) -> None:
    client, runtime = sqlite_client, sqlite_runtime
    asks(client)
    person = person_of(runtime, "amina")
    [thread] = threads_of(runtime, person)
    second_organisation(runtime)
    add_staff(runtime, "eleni@larnaca.example", organisation="cyprus-larnaca", role="admin")
    token = login_client(client, "eleni@larnaca.example", PASSWORD)
    assert "Amina" not in client.get("/staff/inbox").text
    for path in (f"/staff/inbox/{thread['id']}", f"/staff/inbox/{thread['id']}/entries"):
        assert client.get(path).status_code == 404
    for action in ("reply", "note", "assign", "close"):
        answer = client.post(
            f"/staff/inbox/{thread['id']}/{action}", data={"text": "x", "csrf_token": token}
        )
        assert answer.status_code == 404
    for path in ("/staff/inbox/999999", "/staff/inbox/abc", f"/staff/inbox/start/{person}"):
        assert client.get(path).status_code == 404
    assert (
        client.post(f"/staff/inbox/start/{person}", data={"csrf_token": token}).status_code == 404
    )
    assert [t["status"] for t in threads_of(runtime, person)] == ["open"]


def test_starting_a_conversation_asks_first_then_opens_it(
    sqlite_runtime: Runtime, sqlite_client: TestClient
) -> None:
    client, runtime = sqlite_client, sqlite_runtime
    onboard(Simulator(client, "amina"))
    person = person_of(runtime, "amina")
    token = login_client(client)
    ask = client.get(f"/staff/inbox/start/{person}", follow_redirects=False)
    assert ask.status_code == 200 and "Gespräch mit Amina beginnen" in ask.text
    assert threads_of(runtime, person) == []  # a GET changes nothing
    opened = client.post(
        f"/staff/inbox/start/{person}", data={"csrf_token": token}, follow_redirects=False
    )
    [thread] = threads_of(runtime, person)
    assert opened.headers["location"] == f"/staff/inbox/{thread['id']}"
    again = client.get(f"/staff/inbox/start/{person}", follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, f"/staff/inbox/{thread['id']}")


def test_quick_replies_are_saved_and_inserted_in_her_language(
    sqlite_runtime: Runtime, sqlite_client: TestClient
) -> None:
    client = sqlite_client
    asks(client)
    [thread] = threads_of(sqlite_runtime, person_of(sqlite_runtime, "amina"))
    token = login_client(client)
    saved = client.post(
        "/staff/inbox/quick-replies",
        data={
            "title": "Kinderbetreuung",
            "text_de": "Ja, es gibt Kinderbetreuung.",
            "text_en": "Yes, there is childcare.",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get("/staff/inbox/quick-replies")
    assert "Kinderbetreuung" in page.text
    quick = re.search(r"quick-replies/(\d+)/delete", page.text)
    assert quick
    thread_page = client.get(f"/staff/inbox/{thread['id']}?quick={quick.group(1)}")
    assert ">Ja, es gibt Kinderbetreuung.</textarea>" in thread_page.text
    empty = client.post("/staff/inbox/quick-replies", data={"title": "x", "csrf_token": token})
    assert empty.status_code == 400


def test_the_pages_speak_the_staff_members_language(
    sqlite_runtime: Runtime, sqlite_client: TestClient
) -> None:
    client = sqlite_client
    asks(client)
    add_staff(sqlite_runtime, "john@vnb.example", language="en")
    login_client(client, "john@vnb.example", PASSWORD)
    listing = client.get("/staff/inbox")
    assert "<h1>Inbox</h1>" in listing.text and "waiting for" in listing.text
