"""The engine on its own: real flows and catalogs, a frozen clock, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.runtime import load_flow_engine
from conversations.events import (
    BackFromTeamIn,
    ChoiceIn,
    Event,
    ForgetPerson,
    MediaIn,
    OptOut,
    RecordConsent,
    Reply,
    RequestHuman,
    ScheduleTimeout,
    SendMyDataExport,
    ShowMyData,
    StartIn,
    TextIn,
    TimeoutIn,
    TooFastIn,
    UpdateProfile,
    WithdrawConsent,
)
from conversations.flow_engine import FlowEngine, Result
from conversations.model import Context, Conversation, OrganisationInfo, Profile

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ORG = OrganisationInfo(
    name="VNB – Pilot Landkreis Nienburg",
    towns=("Nienburg (Weser)", "Hoya", "Marklohe"),
    privacy_contact="datenschutz@example.org",
    office_hours="Mo–Fr 9–13 Uhr",
)


class Person:
    """One person's side of a conversation with the pure engine."""

    def __init__(self, engine: FlowEngine, hint: str | None = None) -> None:
        self.engine = engine
        self.conversation: Conversation | None = None
        self.profile = Profile()
        self.hint = hint
        self.result: Result | None = None

    def do(self, event: Event, now: datetime = NOW) -> Result:
        context = Context(self.profile, ORG, now, "simulator", self.hint)
        self.result = self.engine.handle(self.conversation, event, context)
        self.conversation, self.profile = self.result.conversation, self.result.profile
        return self.result

    def say(self, text: str) -> Result:
        return self.do(TextIn(text))

    def press(self, label: str) -> Result:
        assert self.result is not None
        for reply in reversed(self.result.replies):
            for button in reply.buttons:
                if button.label == label:
                    return self.do(ChoiceIn(button.id))
        raise AssertionError(f"no button {label!r}")

    def press_id(self, button_id: str) -> Result:
        """Press a button by its id (``flow.node:choice``): its place in a menu may change."""
        assert self.result is not None
        for reply in reversed(self.result.replies):
            for button in reply.buttons:
                if button.id == button_id:
                    return self.do(ChoiceIn(button.id))
        raise AssertionError(f"no button {button_id!r}")

    @property
    def texts(self) -> list[str]:
        assert self.result is not None
        return [r.text for r in self.result.replies]

    @property
    def labels(self) -> list[str]:
        assert self.result is not None
        return [b.label for b in self.result.replies[-1].buttons]

    def effects(self, kind: type) -> list:
        assert self.result is not None
        return [e for e in self.result.effects if isinstance(e, kind)]


@pytest.fixture(scope="module")
def engine() -> FlowEngine:
    return load_flow_engine()


def onboard(person: Person, language: str = "Deutsch", name: str = "Amina") -> None:
    person.do(StartIn())
    person.press(language)
    person.press(person.labels[0])  # consent
    person.say(name)
    person.press("Hoya")
    person.press(person.labels[0])  # first interest
    person.press(person.labels[-1])  # done
    person.press(person.labels[-1])  # nothing needed, done
    person.press(person.labels[0])  # yes to messages


def test_first_message_offers_every_language_in_its_own_script(engine: FlowEngine) -> None:
    person = Person(engine)
    person.say("hallo")
    assert person.labels == [
        "Deutsch",
        "English",
        "العربية",
        "Українська",
        "Русский",
        "فارسی",
        "Türkçe",
        "Italiano",
        "Português",
        "Ελληνικά",
    ]
    assert "Welche Sprache möchten Sie?" in person.texts[0]


def test_platform_language_hint_greets_in_her_language(engine: FlowEngine) -> None:
    person = Person(engine, hint="uk-UA")
    person.do(StartIn())
    assert person.result.replies[0].language == "uk"


def test_choosing_arabic_switches_to_arabic_right_to_left(engine: FlowEngine) -> None:
    person = Person(engine)
    person.do(StartIn())
    person.press("العربية")
    reply = person.result.replies[-1]
    assert reply.language == "ar" and reply.rtl
    assert "VNB" in reply.text
    assert person.effects(UpdateProfile) == [UpdateProfile({"language": "ar"})]


def test_full_onboarding_records_consent_and_profile(engine: FlowEngine) -> None:
    person = Person(engine)
    person.do(StartIn())
    person.press("Deutsch")
    person.press("✅ Ja, einverstanden")
    [consent] = person.effects(RecordConsent)
    assert consent.purposes == ("profile",) and consent.language == "de"
    person.say("  Amina  ")
    assert person.effects(UpdateProfile) == [UpdateProfile({"display_name": "Amina"})]
    assert "Amina" in person.texts[0]
    person.press("Hoya")
    person.press("📚 Kurs")
    person.press("☕ Frauen treffen")
    assert person.labels[0] == "✅ 📚 Kurs"
    person.press("➡️ Fertig")
    assert person.effects(UpdateProfile) == [UpdateProfile({"interests": ["course", "meet"]})]
    person.press("👶 Kinderbetreuung")
    person.press("➡️ Fertig")
    assert person.profile.attend_help == ["childcare"]
    assert person.labels == ["🔔 Ja, gerne", "🔕 Nein, danke"]
    person.press("🔔 Ja, gerne")
    assert [c.purposes for c in person.effects(RecordConsent)] == [("messages",)]
    assert "Willkommen, Amina" in person.texts[0]
    assert person.conversation is not None
    assert (person.conversation.flow, person.conversation.node) == ("main", "menu")
    assert person.labels == [
        "👭 Gruppen",  # the features' menu entries come first (groups, jobs, mentoring)
        "💼 Arbeit",
        "🤝 Mentorin",
        "🙋 Team fragen",
        "🌐 Sprache ändern",
        "🔒 Meine Daten",
        "🔕 Keine Nachrichten",
    ]


def test_declining_consent_forgets_her_and_says_how_to_come_back(engine: FlowEngine) -> None:
    person = Person(engine)
    person.do(StartIn())
    person.press("English")
    person.press(person.labels[1])
    assert person.effects(ForgetPerson)
    assert person.result.conversation is None
    assert "Start" in person.texts[0]
    assert not person.effects(RecordConsent)


def test_unknown_input_reprompts_with_the_same_buttons(engine: FlowEngine) -> None:
    person = Person(engine)
    person.do(StartIn())
    person.press("Українська")
    buttons = person.labels
    person.say("щось незрозуміле")
    assert person.labels == buttons
    assert person.result.replies[0].language == "uk"
    assert "Das habe ich nicht verstanden" not in person.texts[0]


@pytest.mark.parametrize("answer", ["2", "٢", "۲", "2️⃣", "hoya", "HOYA", " Hoya! "])
def test_a_choice_can_be_answered_by_number_digit_emoji_or_words(
    engine: FlowEngine, answer: str
) -> None:
    person = Person(engine)
    person.do(StartIn())
    person.press("Deutsch")
    person.press("✅ Ja, einverstanden")
    person.say("Amina")
    person.say(answer)
    assert person.profile.town == "Hoya"


def test_several_interests_in_one_message(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person)
    person.conversation = Conversation("onboarding", "ask_interests", 1, {})
    person.say("1, 3")
    assert person.labels[:3] == ["✅ 📚 Kurs", "🤝 Mentorin", "✅ 💼 Arbeit"]
    person.say("fertig")
    assert person.profile.interests == ["course", "jobs"]


@pytest.mark.parametrize(
    ("name", "problem"),
    [("🌸🌸", "Buchstaben"), ("x" * 41, "höchstens 40"), ("   ", "Bitte schreiben Sie")],
)
def test_name_validation_explains_what_is_wanted(
    engine: FlowEngine, name: str, problem: str
) -> None:
    person = Person(engine)
    person.do(StartIn())
    person.press("Deutsch")
    person.press("✅ Ja, einverstanden")
    person.say(name)
    assert problem in person.texts[0]
    assert person.conversation.node == "ask_name"
    assert not person.effects(UpdateProfile)


@pytest.mark.parametrize("word", ["stop", "STOPP", "стоп", "/stop", "Abmelden"])
def test_stop_works_in_every_language_before_and_after_onboarding(
    engine: FlowEngine, word: str
) -> None:
    before = Person(engine)
    before.do(StartIn())
    before.say(word)
    assert before.effects(ForgetPerson)  # nothing stored yet, nothing kept
    after = Person(engine)
    onboard(after)
    after.say(word)
    assert after.effects(OptOut) and after.profile.status == "opted_out"
    after.say("Wie geht es?")
    assert "Start" in after.texts[0] and not after.labels
    after.say("start")
    assert after.profile.status == "active"


def test_language_command_in_arabic_opens_the_language_menu(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person, language="العربية")
    person.say("لغة")
    assert "Deutsch" in person.labels
    person.press("Deutsch")
    assert person.texts[0].startswith("✅ Gut. Ab jetzt schreibe ich auf Deutsch.")


def test_talk_to_a_person_records_her_message_in_her_language(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person, language="Türkçe")
    person.press_id("main.menu:person")
    person.say("Kursa çocuğumla gelebilir miyim?")
    assert person.effects(RequestHuman) == [RequestHuman("Kursa çocuğumla gelebilir miyim?", "tr")]
    # Asking again while with the team: her question is still the question (and thanked).
    person.press_id("main.menu:person")
    person.say("Noch eine Frage")
    assert person.effects(RequestHuman) == [RequestHuman("Noch eine Frage", "tr")]
    assert person.texts[0].startswith("📨")


def test_help_repeats_the_current_question(engine: FlowEngine) -> None:
    person = Person(engine)
    person.do(StartIn())
    person.press("Deutsch")
    person.say("/help")
    assert len(person.texts) == 2
    assert "Sind Sie einverstanden?" in person.texts[1]


def test_button_from_an_old_message_is_explained(engine: FlowEngine) -> None:
    person = Person(engine)
    person.do(StartIn())
    old_language_button = person.result.replies[0].buttons[0].id
    person.press("Deutsch")
    person.do(ChoiceIn(old_language_button))
    assert "älteren Nachricht" in person.texts[0]
    assert "Sind Sie einverstanden?" in person.texts[1]


def test_a_voice_note_goes_to_the_team_and_she_is_told_so(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person)
    person.do(MediaIn("voice"))
    assert person.texts == [
        "📎 Danke! Das ist bei unserem Team angekommen.\n"
        "Ein Mensch aus dem Team antwortet Ihnen hier: Mo–Fr 9–13 Uhr.\n"
        "🚨 Im Notfall rufen Sie 112 an."
    ]
    assert person.effects(RequestHuman) == [RequestHuman("", "de", "media", "voice")]
    assert person.profile.with_team_since == NOW
    person.do(MediaIn("photo"))  # with the team now: it goes there, the bot stays silent
    assert person.texts == []
    assert person.effects(RequestHuman) == [RequestHuman("", "de", "media", "photo")]


def test_a_sticker_is_not_for_the_team(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person)
    person.do(MediaIn("sticker"))
    assert "Sprachnachrichten" in person.texts[0]
    assert person.labels == [
        "👭 Gruppen",  # the features' menu entries come first (groups, jobs, mentoring)
        "💼 Arbeit",
        "🤝 Mentorin",
        "🙋 Team fragen",
        "🌐 Sprache ändern",
        "🔒 Meine Daten",
        "🔕 Keine Nachrichten",
    ]
    assert not person.effects(RequestHuman)


def test_media_before_consent_is_not_kept(engine: FlowEngine) -> None:
    person = Person(engine)
    person.do(StartIn())
    person.do(MediaIn("voice"))
    assert "Sprachnachrichten" in person.texts[0]
    assert not person.effects(RequestHuman)


def test_while_with_the_team_her_texts_go_there_without_a_bot_reply(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person, language="العربية")
    person.press_id("main.menu:person")  # talk to a person
    person.say("سؤال")
    assert person.effects(RequestHuman) == [RequestHuman("سؤال", "ar")]
    assert person.profile.with_team_since == NOW
    assert person.texts[0].startswith("📨")  # "thank you, it is with our team", the menu
    for text in ("وشيء آخر", "123", "?"):
        person.say(text)
        assert person.texts == []  # no "I did not understand", no menu
        assert person.effects(RequestHuman) == [RequestHuman(text, "ar")]
    person.say("/privacy")  # global commands still work
    assert person.texts and not person.effects(RequestHuman)
    person.say("لغة")
    assert "Deutsch" in person.labels


def test_back_from_the_team_she_is_told_in_her_language_with_the_menu(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person, language="English")
    person.press_id("main.menu:person")
    person.say("Can I bring my child?")
    person.do(BackFromTeamIn())
    assert person.texts[0].startswith("🤖 Your conversation with our team has ended.")
    assert "🙋 Ask our team" in person.labels and len(person.labels) == 7  # the whole menu
    assert person.profile.with_team_since is None
    person.say("1")  # an answer to the menu again, not a message to the team
    assert not person.effects(RequestHuman)


@pytest.mark.parametrize("opted_out", [False, True])
def test_too_fast_says_so_once_in_her_language_and_changes_nothing(
    engine: FlowEngine, opted_out: bool
) -> None:
    person = Person(engine)
    person.do(StartIn())
    person.press("Українська")
    if opted_out:
        person.profile.status = "opted_out"
    before = (person.conversation, person.profile)
    result = person.do(TooFastIn())
    assert person.texts == [
        "⏳ Ви пишете дуже швидко. Я прочитаю Ваше наступне повідомлення через хвилину.\n"
        "Будь ласка, тоді напишіть мені ще раз, що Вам потрібно.\n"
        "🚨 В екстреній ситуації телефонуйте 112."
    ]
    assert result.replies[0].buttons == ()
    assert [type(e) for e in result.effects] == [Reply]
    assert (result.conversation, result.profile) == before


def test_my_data_asks_the_host_for_her_data_then_offers_what_to_do(engine: FlowEngine) -> None:
    """The data itself is in the database: the engine asks for it (the host writes it before
    the question; tests/test_my_data.py shows what she sees)."""
    person = Person(engine)
    onboard(person, language="English")
    person.say("my data")
    assert person.effects(ShowMyData) == [ShowMyData("en", False)]
    assert person.texts == ["🔒 That is all your data with us.\nWhat would you like to do?"]
    assert person.labels == [
        "📥 As a file",
        "🗑️ Delete all",
        "🔕 No more messages",
        "↩️ Back to menu",
    ]
    person.press("📥 As a file")
    assert person.effects(SendMyDataExport) == [SendMyDataExport("en", False)]
    assert person.conversation.node == "menu"


@pytest.mark.parametrize("words", ["/export", "export", "تصدير", "exportieren"])
def test_export_is_a_command_in_every_language(engine: FlowEngine, words: str) -> None:
    person = Person(engine)
    onboard(person, language="العربية")
    person.say(words)
    assert person.effects(SendMyDataExport) == [SendMyDataExport("ar", True)]


def test_export_before_consent_says_nothing_is_stored(engine: FlowEngine) -> None:
    person = Person(engine)
    person.do(StartIn())
    person.say("/export")
    assert not person.effects(SendMyDataExport)
    assert "nichts" in person.texts[0]


@pytest.mark.parametrize(
    ("language", "welcome_back"),
    [("Deutsch", "👋 Willkommen zurück!"), ("العربية", "👋 أهلًا بعودتكِ!")],
)
def test_welcome_back_without_a_name_has_no_empty_slot(
    engine: FlowEngine, language: str, welcome_back: str
) -> None:
    person = Person(engine)
    person.do(StartIn())
    person.press(language)
    person.press(person.labels[0])  # consent, then she never tells her name
    assert person.profile.consented and not person.profile.display_name
    person.do(StartIn())
    assert person.texts[0] == welcome_back


def test_welcome_back_with_her_name(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person, language="العربية", name="أمينة")
    person.do(StartIn())
    assert person.texts[0] == "👋 أهلًا بعودتك، أمينة!"


def test_delete_erases_after_confirmation(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person)
    person.say("/delete")
    assert not person.effects(ForgetPerson)
    person.press("✅ Ja, alles löschen")
    assert person.effects(ForgetPerson)
    assert person.result.conversation is None


def test_stored_state_naming_a_removed_node_restarts_kindly(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person)
    person.conversation = Conversation("onboarding", "node_that_was_removed", 3, {})
    person.say("hallo?")
    assert person.conversation.node == "menu"
    assert person.labels


def test_timeout_fires_only_for_the_same_visit(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person)
    visit = person.conversation.visit
    assert person.do(TimeoutIn("main", "menu", visit - 1), NOW + timedelta(days=1)).effects == []
    assert person.do(TimeoutIn("main", "menu", visit), NOW + timedelta(days=1)).effects == []


def test_engine_emits_a_timeout_for_waits_that_declare_one(engine: FlowEngine) -> None:
    from dataclasses import replace

    flows = dict(engine.flows)
    main = flows["main"]
    nodes = dict(main.nodes)
    from conversations.spec import Timeout

    nodes["menu"] = replace(nodes["menu"], timeout=Timeout(3600, "my_data"))
    flows["main"] = replace(main, nodes=nodes)
    timed = FlowEngine(
        flows, engine.catalogs, engine.actions, engine.choice_sources, engine.feature_commands
    )
    person = Person(timed)
    onboard(person)
    schedule = person.effects(ScheduleTimeout)
    assert schedule == [
        ScheduleTimeout("main", "menu", person.conversation.visit, NOW + timedelta(hours=1))
    ]
    person.do(TimeoutIn("main", "menu", schedule[0].visit))
    assert person.effects(ShowMyData)  # my_data shows her data


def test_an_opted_out_person_can_still_finish_deleting_her_data(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person)
    person.say("stop")
    person.say("/delete")
    assert "Wirklich alles löschen?" in person.texts[0]
    person.press("✅ Ja, alles löschen")
    assert person.effects(ForgetPerson)


def test_stop_withdraws_messages_and_start_asks_about_them_again(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person)
    assert person.profile.consents == {"profile", "messages"}
    person.say("stop")
    assert person.effects(OptOut) and person.effects(WithdrawConsent) == [
        WithdrawConsent(("messages",))
    ]
    assert person.profile.consents == {"profile"}
    person.say("Start")
    assert person.labels == ["🔔 Ja, gerne", "🔕 Nein, danke"]
    person.press("🔔 Ja, gerne")
    [again] = person.effects(RecordConsent)
    assert again.purposes == ("messages",) and "Dürfen wir Ihnen Nachrichten" in again.wording
    assert person.profile.consents == {"profile", "messages"}


def test_a_node_that_requires_consent_asks_first_then_runs(engine: FlowEngine) -> None:
    """The pattern later features use: ``requires_consent: {purpose, ask}`` on a node."""
    from dataclasses import replace

    flows = dict(engine.flows)
    main = flows["main"]
    nodes = dict(main.nodes)
    nodes["talk_to_person"] = replace(
        nodes["talk_to_person"], requires_consent="messages", consent_question="ask_messages"
    )
    flows["main"] = replace(main, nodes=nodes)
    gated = FlowEngine(
        flows, engine.catalogs, engine.actions, engine.choice_sources, engine.feature_commands
    )
    assert not gated.is_uniform_trigger("main.talk_to_person")
    person = Person(gated)
    onboard(person)
    person.say("stop")
    person.say("Start")
    person.press("🔕 Nein, danke")
    person.press("🙋 Team fragen")  # not agreed: the question comes first
    assert person.labels == ["🔔 Ja, gerne", "🔕 Nein, danke"]
    person.press("🔔 Ja, gerne")
    person.press("🙋 Team fragen")  # agreed now: straight in
    assert "Schreiben Sie Ihre Frage" in person.texts[-1]


def test_start_after_a_platform_opt_out_before_consent_begins_onboarding(
    engine: FlowEngine,
) -> None:
    """Never the question about messages alone: she has not agreed to the privacy notice."""
    person = Person(engine)
    person.profile = Profile(status="opted_out")  # WhatsApp said 21610 before she signed up
    person.say("Start")
    assert "Deutsch" in person.labels and not person.effects(RecordConsent)


def test_a_greeting_does_not_ask_about_messages_again(engine: FlowEngine) -> None:
    person = Person(engine)
    onboard(person)
    person.say("stop")
    person.say("Start")
    person.press("🔕 Nein, danke")
    person.say("hallo")
    assert "Willkommen zurück" in person.texts[0]
    assert person.labels[:4] == [
        "👭 Gruppen",
        "💼 Arbeit",
        "🤝 Mentorin",
        "🙋 Team fragen",
    ]  # the menu, not the question again


def test_a_photo_during_onboarding_does_not_go_to_the_team(engine: FlowEngine) -> None:
    person = Person(engine)
    person.do(StartIn())
    person.press("Deutsch")
    person.press(person.labels[0])  # consent: she is signed up but still in onboarding
    person.do(MediaIn("photo"))
    assert "Sprachnachrichten" in person.texts[0]
    assert not person.effects(RequestHuman) and person.profile.with_team_since is None
