"""Translation in the inbox through a LibreTranslate server (a stand-in over real HTTP): her
message beside the original in the staff member's language, a reply sent translated into hers
with the original below; without a server nothing is translated, and a failing one is said."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from bot.demo import ORG_NAME
from bot.features.inbox.translate import TranslationError, Translator
from bot.runtime import Runtime
from tests.auxil.inbox import add_staff, deliver, inbox_of, organisation_id, transcript
from tests.auxil.libretranslate import LibreTranslateStandIn, libretranslate
from tests.auxil.simulator import Simulator, onboard

QUESTION = "هل يمكنني إحضار طفلي؟"


@pytest.fixture
def server() -> Iterator[LibreTranslateStandIn]:
    with libretranslate() as stand_in:
        yield stand_in


def arabic_question(client: TestClient) -> None:
    sim = Simulator(client, "amina")
    onboard(sim, language="العربية")
    sim.press("main.menu:person")
    sim.send(QUESTION)


def test_her_message_is_shown_translated_and_a_reply_goes_in_both_languages(
    runtime: Runtime, client: TestClient, server: LibreTranslateStandIn
) -> None:
    arabic_question(client)
    coordinator = add_staff(runtime, "maria@vnb.example", organisation_id(runtime))
    inbox = inbox_of(runtime, translator=Translator(server.url))
    [thread] = inbox.threads(coordinator)
    view = inbox.thread(coordinator, thread.id)
    assert view.translation == "on"
    [mine] = [e for e in view.entries if e.direction == "in"]
    assert (mine.text, mine.translation) == (QUESTION, "Kann ich mein Kind mitbringen?")
    assert mine.translation_language == "de"
    asked = len(server.requests)
    inbox.thread(coordinator, thread.id)  # translated once, kept
    assert len(server.requests) == asked
    assert server.requests[0]["target"] == "de" and server.requests[0]["format"] == "text"

    inbox.reply(coordinator, thread.id, "Ja, es gibt eine Kinderbetreuung.", translate=True)
    deliver(runtime)
    [(_, text)] = transcript(client, "amina")[-1:]
    assert text == (
        f"💬 {ORG_NAME}:\nنعم، توجد رعاية للأطفال.\n\n"
        "🌐 ترجمة آلية. هذا ما كتبه فريقنا:\nJa, es gibt eine Kinderbetreuung."
    )
    [reply] = [e for e in inbox.thread(coordinator, thread.id).entries if e.direction == "out"]
    assert (reply.text, reply.translation) == (
        "Ja, es gibt eine Kinderbetreuung.",
        "نعم، توجد رعاية للأطفال.",
    )
    assert server.requests[-1] == {
        "q": "Ja, es gibt eine Kinderbetreuung.",
        "source": "de",
        "target": "ar",
        "format": "text",
    }


def test_without_a_server_nothing_is_translated(runtime: Runtime, client: TestClient) -> None:
    arabic_question(client)
    coordinator = add_staff(runtime, "maria@vnb.example", organisation_id(runtime))
    inbox = inbox_of(runtime)
    assert not inbox.translates
    [thread] = inbox.threads(coordinator)
    view = inbox.thread(coordinator, thread.id)
    assert view.translation == "off"
    assert [e.translation for e in view.entries if e.direction == "in"] == [None]
    with pytest.raises(TranslationError):
        inbox.reply(coordinator, thread.id, "Ja.", translate=True)


def test_a_failing_server_is_retried_then_reported_never_a_crash(
    runtime: Runtime, client: TestClient, server: LibreTranslateStandIn
) -> None:
    arabic_question(client)
    coordinator = add_staff(runtime, "maria@vnb.example", organisation_id(runtime))
    inbox = inbox_of(runtime, translator=Translator(server.url))
    [thread] = inbox.threads(coordinator)
    server.fail_next = 2  # two 500s, then it answers: the third try succeeds
    [mine] = [e for e in inbox.thread(coordinator, thread.id).entries if e.direction == "in"]
    assert mine.translation == "Kann ich mein Kind mitbringen?"
    server.fail_next = 10
    with pytest.raises(TranslationError):
        inbox.reply(coordinator, thread.id, "Ja.", translate=True)
    assert inbox.thread(coordinator, thread.id).entries  # reading still works
    assert [e.direction for e in inbox.thread(coordinator, thread.id).entries].count("out") == 0


def test_an_unreachable_server_fails_fast() -> None:
    translator = Translator("http://127.0.0.1:9")
    with pytest.raises(TranslationError):
        translator.translate("Hallo", "ar", "de")
    assert translator.translate("Hallo", "de", "de") == "Hallo"  # nothing to do
