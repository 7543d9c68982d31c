"""The inbox: her messages to the team as threads, the team's replies on her channel, closing.

Through the simulator (her side, over its HTTP API) and the inbox service as a coordinator
uses it (the team's side); replies go through the real outbox and dispatcher onto her
simulator screen.  Time is a frozen clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from starlette.testclient import TestClient

from bot.channels.messages import Inbound, Media
from bot.db.tables import audit, inbox_messages, inbox_threads, media, nudges, outbox, people
from bot.demo import ORG_NAME
from bot.features.inbox.service import ClosedThreadError
from bot.runtime import Runtime
from conversations.events import MediaIn
from scheduler.due import WITH_TEAM_DEFERRAL, fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of, service_of
from tests.auxil.inbox import (
    add_staff,
    deliver,
    inbox_of,
    messages_of,
    organisation_id,
    second_organisation,
    threads_of,
    transcript,
)
from tests.auxil.simulator import Simulator, onboard

QUESTION = "Kann ich mein Kind zum Kurs mitbringen?"


def asks_the_team(client: TestClient, user: str = "amina", language: str = "Deutsch") -> Simulator:
    sim = Simulator(client, user)
    onboard(sim, language=language)
    sim.press("main.menu:person")  # 🙋 ask the team
    return sim


def with_team_since(runtime: Runtime, person: int) -> object:
    with runtime.db.connect() as conn:
        return conn.execute(
            select(people.c.with_team_since).where(people.c.id == person)
        ).scalar_one()


def test_talk_to_a_person_opens_a_thread_and_what_she_writes_next_goes_there(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    sim = asks_the_team(client)
    asked_at = clock()
    replies = sim.send(QUESTION)
    assert "Ihre Nachricht ist bei unserem Team" in replies[0]["text"]
    person = person_of(runtime, "amina")
    [thread] = threads_of(runtime, person)
    assert (thread["status"], thread["reason"], thread["language"]) == ("open", "request", "de")
    assert thread["channel"] == "simulator" and thread["waiting_since"] == asked_at
    assert with_team_since(runtime, person) == asked_at

    clock.advance(minutes=5)
    for text in ("Und noch etwas", "1", "hallo?"):
        assert sim.send(text) == []  # a person reads it: no bot reply, no "not understood"
    assert [m["text"] for m in messages_of(runtime, thread["id"])] == [
        QUESTION,
        "Und noch etwas",
        "1",
        "hallo?",
    ]
    [thread] = threads_of(runtime, person)
    assert thread["waiting_since"] == asked_at and thread["last_message_at"] == clock()
    # Global commands still work while she talks with the team.
    assert "Datenschutz" in sim.send("/privacy")[0]["text"]
    assert "Deutsch" in [c["label"] for c in sim.send("Sprache")[0]["choices"]]


def test_a_reply_reaches_her_screen_and_closing_hands_her_back_to_the_bot(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    sim = asks_the_team(client, "leyla", "English")
    sim.send("Can I bring my daughter?")
    person = person_of(runtime, "leyla")
    org = organisation_id(runtime)
    coordinator = add_staff(runtime, "maria@vnb.example", org)
    inbox = inbox_of(runtime)
    [summary] = inbox.threads(coordinator)
    assert (summary.name, summary.language, summary.town) == ("Amina", "en", "Hoya")
    assert summary.waiting_since is not None

    clock.advance(minutes=3)
    inbox.assign(coordinator, summary.id)
    inbox.note(coordinator, summary.id, "Kinderbetreuung im Kurs klären")
    inbox.reply(coordinator, summary.id, "Ja, es gibt eine Kinderbetreuung.")
    deliver(runtime)
    screen = transcript(client, "leyla")
    assert screen[-1] == ("out", f"💬 {ORG_NAME}:\nJa, es gibt eine Kinderbetreuung.")
    assert "Kinderbetreuung im Kurs klären" not in "\n".join(t for _, t in screen)  # a note
    view = inbox.thread(coordinator, summary.id)
    assert [e.direction for e in view.entries if e.direction != "bot"] == ["in", "note", "out"]
    reply = next(e for e in view.entries if e.direction == "out")
    assert reply.status == "sent" and reply.staff_name == "Maria"
    assert view.thread.waiting_since is None and view.thread.assigned_name == "Maria"
    assert any(e.direction == "bot" for e in view.entries)  # the bot's "thank you" and menu

    clock.advance(minutes=1)
    assert sim.send("Thank you!") == []
    assert inbox.summary(coordinator, summary.id).waiting_since == clock()

    inbox.close(coordinator, summary.id, note="Geklärt, kommt mit Tochter")
    deliver(runtime)
    screen = transcript(client, "leyla")
    texts = [t for d, t in screen if d == "out"]
    assert texts[-2].startswith("🤖 Your conversation with our team has ended.")
    assert texts[-1].startswith("🏠")  # the menu, in English
    assert with_team_since(runtime, person) is None
    assert inbox.threads(coordinator) == []
    [closed] = inbox.threads(coordinator, status="closed")
    assert inbox.thread(coordinator, closed.id).close_note == "Geklärt, kommt mit Tochter"
    # Back with the bot: "4" is the menu's fourth answer (the team; groups, jobs and mentoring
    # first).
    assert "write your question" in sim.send("4")[0]["text"].lower()
    with pytest.raises(ClosedThreadError):
        inbox.reply(coordinator, closed.id, "Noch etwas")
    with runtime.db.connect() as conn:
        actions = conn.execute(
            select(audit.c.actor, audit.c.action, audit.c.details).where(
                audit.c.action.like("inbox.%")
            )
        ).all()
    assert [(a.actor, a.action) for a in actions] == [
        (coordinator.actor, "inbox.assign"),
        (coordinator.actor, "inbox.note"),
        (coordinator.actor, "inbox.reply"),
        (coordinator.actor, "inbox.close"),
    ]
    assert all(a.details["people"] == [person] for a in actions)


def test_staff_of_another_organisation_see_nothing_and_can_do_nothing(
    runtime: Runtime, client: TestClient
) -> None:
    sim = asks_the_team(client)
    sim.send(QUESTION)
    person = person_of(runtime, "amina")
    ours = add_staff(runtime, "maria@vnb.example", organisation_id(runtime))
    theirs = add_staff(runtime, "eleni@larnaca.example", second_organisation(runtime), "admin")
    inbox = inbox_of(runtime)
    [thread] = inbox.threads(ours)
    assert inbox.threads(theirs) == [] and inbox.count_waiting(theirs) == 0
    for action in (
        lambda: inbox.thread(theirs, thread.id),
        lambda: inbox.summary(theirs, thread.id),
        lambda: inbox.assign(theirs, thread.id),
        lambda: inbox.note(theirs, thread.id, "x"),
        lambda: inbox.reply(theirs, thread.id, "x"),
        lambda: inbox.close(theirs, thread.id),
        lambda: inbox.start_with(theirs, person),
        lambda: inbox.thread(ours, thread.id + 1000),  # a guessed id: the same answer
    ):
        with pytest.raises(LookupError):
            action()
    assert [m["direction"] for m in messages_of(runtime, thread.id)] == ["in"]
    assert inbox.count_waiting(ours) == 1


def test_a_voice_note_goes_to_the_inbox_with_its_file_linked(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    onboard(Simulator(client, "amina"))
    person = person_of(runtime, "amina")
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    voice = Inbound(
        "simulator",
        "amina",
        "voice-1",
        MediaIn("voice"),
        clock(),
        media=(Media("voice", "audio/ogg", url),),
    )
    outcome = runtime.turns.handle_inbound(voice)
    assert [r["text"] for r in outcome.replies] == [
        "📎 Danke! Das ist bei unserem Team angekommen.\n"
        "Ein Mensch aus dem Team antwortet Ihnen hier: Mo–Fr 9–13 Uhr.\n"
        "🚨 Im Notfall rufen Sie 112 an."
    ]
    [thread] = threads_of(runtime, person)
    assert thread["reason"] == "media"
    [message] = messages_of(runtime, thread["id"])
    assert message["media_kind"] == "voice" and message["text"] is None
    with runtime.db.connect() as conn:
        stored = conn.execute(select(media).where(media.c.id == message["media_id"])).one()
    assert (stored.kind, stored.url, stored.person_id) == ("voice", url, person)
    view = inbox_of(runtime).thread(
        add_staff(runtime, "maria@vnb.example", organisation_id(runtime)), thread["id"]
    )
    [entry] = [e for e in view.entries if e.direction == "in"]
    assert (entry.media_kind, entry.media_url) == ("voice", url)
    # A second file while she is with the team: kept, no bot reply.
    photo = Inbound("simulator", "amina", "photo-1", MediaIn("photo"), clock())
    assert runtime.turns.handle_inbound(photo).replies == []
    assert [m["media_kind"] for m in messages_of(runtime, thread["id"])] == ["voice", "photo"]


def test_staff_start_a_conversation_and_her_answer_lands_in_it(
    runtime: Runtime, client: TestClient
) -> None:
    sim = Simulator(client, "amina")
    onboard(sim)
    person = person_of(runtime, "amina")
    coordinator = add_staff(runtime, "maria@vnb.example", organisation_id(runtime))
    inbox = inbox_of(runtime)
    thread_id = inbox.start_with(coordinator, person)
    assert inbox.start_with(coordinator, person) == thread_id  # her open one, not a second
    inbox.reply(coordinator, thread_id, "Hallo Amina, hier ist Maria.")
    deliver(runtime)
    assert transcript(client, "amina")[-1][1].endswith("Hallo Amina, hier ist Maria.")
    assert sim.send("Hallo Maria!") == []
    assert [m["direction"] for m in messages_of(runtime, thread_id)] == ["out", "in"]
    # Nobody is told of a conversation the team started.
    assert threads_of(runtime, person)[0]["notified_at"] is not None


def test_someone_who_never_consented_cannot_be_written_to(
    runtime: Runtime, client: TestClient
) -> None:
    sim = Simulator(client, "new")
    sim.send("/start")
    coordinator = add_staff(runtime, "maria@vnb.example", organisation_id(runtime))
    with pytest.raises(LookupError):
        inbox_of(runtime).start_with(coordinator, person_of(runtime, "new"))


def test_bot_prompts_wait_while_she_talks_with_the_team(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    sim = asks_the_team(client)
    sim.send(QUESTION)
    person = person_of(runtime, "amina")
    courses = service_of(runtime, clock)
    courses.create_course("vnb-nienburg", "a2-hoya", {"de": "Deutsch A2 in Hoya"})
    courses.enrol("a2-hoya", [person])
    courses.add_session("a2-hoya", "2026-12-10 09:00", "2026-12-10 12:00", "VHS Hoya")
    first = select(nudges.c.id, nudges.c.due_at).where(nudges.c.person_id == person)
    with runtime.db.connect() as conn:
        nudge, due = conn.execute(first.order_by(nudges.c.due_at).limit(1)).one()
    clock.now = due
    fire_due(runtime.db, runtime.turns, clock)
    with runtime.db.connect() as conn:
        row = conn.execute(
            select(nudges.c.status, nudges.c.due_at).where(nudges.c.id == nudge)
        ).one()
        sent = conn.execute(select(outbox.c.id).where(outbox.c.kind == "course_reminder")).all()
    assert (row.status, row.due_at) == ("pending", due + WITH_TEAM_DEFERRAL)
    assert sent == []
    # The team closes: the next sweep sends the reminder.
    coordinator = add_staff(runtime, "maria@vnb.example", organisation_id(runtime))
    inbox = inbox_of(runtime)
    inbox.close(coordinator, inbox.threads(coordinator)[0].id)
    clock.now = due + WITH_TEAM_DEFERRAL
    fire_due(runtime.db, runtime.turns, clock)
    with runtime.db.connect() as conn:
        status = conn.execute(select(nudges.c.status).where(nudges.c.id == nudge)).scalar_one()
        sent = conn.execute(select(outbox.c.id).where(outbox.c.kind == "course_reminder")).all()
    assert status == "done" and len(sent) == 1


def test_a_deferred_prompt_past_its_deadline_is_missed(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    sim = asks_the_team(client)
    sim.send(QUESTION)
    person = person_of(runtime, "amina")
    courses = service_of(runtime, clock)
    courses.create_course("vnb-nienburg", "a2-hoya", {"de": "Deutsch A2 in Hoya"})
    courses.enrol("a2-hoya", [person])
    courses.add_session("a2-hoya", "2026-12-10 09:00", "2026-12-10 12:00", "VHS Hoya")
    session_start = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    with runtime.db.begin() as conn:
        nudge = (
            conn.execute(
                select(nudges.c.id).where(nudges.c.person_id == person).order_by(nudges.c.due_at)
            )
            .scalars()
            .first()
        )
        conn.execute(
            update(nudges)
            .where(nudges.c.id == nudge)
            .values(due_at=session_start - timedelta(minutes=10))
        )
    clock.now = session_start - timedelta(minutes=10)
    fire_due(runtime.db, runtime.turns, clock)
    with runtime.db.connect() as conn:
        assert (
            conn.execute(select(nudges.c.status).where(nudges.c.id == nudge)).scalar_one()
            == "missed"
        )


def test_quick_replies_per_language_and_organisation(runtime: Runtime) -> None:
    org = organisation_id(runtime)
    coordinator = add_staff(runtime, "maria@vnb.example", org)
    other = add_staff(runtime, "eleni@larnaca.example", second_organisation(runtime))
    inbox = inbox_of(runtime)
    saved = inbox.save_quick_reply(
        coordinator,
        org,
        "Öffnungszeiten",
        {"de": "Wir sind Mo–Fr 9–13 Uhr da.", "ar": "نحن هنا من الاثنين إلى الجمعة."},
    )
    [quick] = inbox.quick_replies(coordinator)
    assert quick.id == saved and quick.text_for("ar").startswith("نحن")
    assert quick.text_for("uk") == "Wir sind Mo–Fr 9–13 Uhr da."  # German when hers is missing
    assert inbox.quick_replies(other) == []
    with pytest.raises(LookupError):
        inbox.save_quick_reply(other, org, "x", {"de": "y"})
    with pytest.raises(LookupError):
        inbox.delete_quick_reply(other, saved)
    with pytest.raises(ValueError, match="needs a text"):
        inbox.save_quick_reply(coordinator, org, "leer", {"de": "  "})
    inbox.delete_quick_reply(coordinator, saved)
    assert inbox.quick_replies(coordinator) == []


def test_empty_or_overlong_texts_are_refused(runtime: Runtime, client: TestClient) -> None:
    asks_the_team(client).send(QUESTION)
    coordinator = add_staff(runtime, "maria@vnb.example", organisation_id(runtime))
    inbox = inbox_of(runtime)
    [thread] = inbox.threads(coordinator)
    for text in ("", "   ", "x" * 4001):
        with pytest.raises(ValueError, match=r"empty|longer"):
            inbox.reply(coordinator, thread.id, text)
        with pytest.raises(ValueError, match=r"empty|longer"):
            inbox.note(coordinator, thread.id, text)


def test_erasing_her_erases_the_thread_and_her_id_in_the_audit_log(
    runtime: Runtime, client: TestClient
) -> None:
    sim = asks_the_team(client)
    sim.send(QUESTION)
    person = person_of(runtime, "amina")
    coordinator = add_staff(runtime, "maria@vnb.example", organisation_id(runtime))
    inbox = inbox_of(runtime)
    thread = inbox.threads(coordinator)[0].id
    inbox.reply(coordinator, thread, "Ja.")
    sim.send("/delete")
    sim.press(sim.labels()[0])
    assert threads_of(runtime, person) == []
    with runtime.db.connect() as conn:
        assert conn.execute(select(inbox_messages.c.id)).all() == []
        details = conn.execute(
            select(audit.c.details).where(audit.c.action == "inbox.reply")
        ).scalar_one()
    assert details["people"] == []


def test_at_most_one_open_thread_per_person(runtime: Runtime, client: TestClient) -> None:
    asks_the_team(client).send(QUESTION)
    [thread] = threads_of(runtime, person_of(runtime, "amina"))
    row = {k: v for k, v in thread.items() if k != "id"}
    with pytest.raises(IntegrityError), runtime.db.begin() as conn:
        conn.execute(insert(inbox_threads), row)
    with runtime.db.begin() as conn:  # a closed one beside it is fine
        conn.execute(insert(inbox_threads), {**row, "status": "closed"})
