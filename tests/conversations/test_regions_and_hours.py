"""The pure engine: where a newcomer lives (the organisations the host gives), the languages
her organisation offers, and the office hours in her texts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.runtime import load_flow_engine
from conversations.events import ChoiceIn, Event, JoinOrganisation, StartIn
from conversations.flow_engine import FlowEngine, Result
from conversations.model import Context, Conversation, OrganisationInfo, Profile
from conversations.opening_hours import WeeklyHours

NIENBURG = OrganisationInfo(
    name="VNB Nienburg", slug="vnb", country="DE", district="Landkreis Nienburg/Weser"
)
VERDEN = OrganisationInfo(
    name="VHS Verden", slug="verden", country="DE", district="Landkreis Verden", towns=("Achim",)
)
VERONA = OrganisationInfo(
    name="CPIA Verona",
    slug="verona",
    country="IT",
    district="",
    default_language="it",
    languages=("it", "en"),
    timezone="Europe/Rome",
)
SUNDAY = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine() -> FlowEngine:
    return load_flow_engine()


class Newcomer:
    """A newcomer created in ``home`` by the host, who is offered ``choices``."""

    def __init__(self, engine: FlowEngine, home: OrganisationInfo, *choices: OrganisationInfo):
        self.engine, self.home, self.choices = engine, home, choices
        self.conversation: Conversation | None = None
        self.profile = Profile()
        self.result: Result | None = None

    def do(self, event: Event) -> Result:
        choices = () if self.profile.consented else self.choices
        context = Context(self.profile, self.home, SUNDAY, organisations=choices)
        self.result = self.engine.handle(self.conversation, event, context)
        self.conversation, self.profile = self.result.conversation, self.result.profile
        for effect in self.result.effects:
            if isinstance(effect, JoinOrganisation):  # the host moves her
                self.home = next(o for o in self.choices if o.slug == effect.slug)
        return self.result

    def press(self, label: str) -> Result:
        assert self.result is not None
        for button in self.result.replies[-1].buttons:
            if button.label == label:
                return self.do(ChoiceIn(button.id))
        raise AssertionError(f"no button {label!r} in {self.labels}")

    @property
    def labels(self) -> list[str]:
        assert self.result is not None
        return [b.label for b in self.result.replies[-1].buttons]

    @property
    def text(self) -> str:
        assert self.result is not None
        return self.result.replies[-1].text


def test_no_choices_no_question(engine: FlowEngine) -> None:
    her = Newcomer(engine, NIENBURG)
    her.do(StartIn())
    her.press("Deutsch")
    assert her.text.startswith("🔒 VNB Nienburg hilft Frauen")


def test_the_district_is_asked_and_she_moves_there_in_the_same_turn(engine: FlowEngine) -> None:
    her = Newcomer(engine, NIENBURG, NIENBURG, VERDEN)
    her.do(StartIn())
    her.press("Deutsch")
    assert her.labels == ["Landkreis Nienburg/Weser", "Landkreis Verden"]
    result = her.press("Landkreis Verden")
    assert [e for e in result.effects if isinstance(e, JoinOrganisation)] == [
        JoinOrganisation("verden")
    ]
    assert her.text.startswith("🔒 VHS Verden hilft Frauen")  # already in this turn
    # She changes her language before consenting: the place is not asked again.
    her.do(StartIn())
    assert "Welche Sprache" in her.text
    her.press("English")
    assert her.text.startswith("🔒 VHS Verden helps women")


def test_an_invite_code_decides(engine: FlowEngine) -> None:
    her = Newcomer(engine, VERDEN, NIENBURG, VERDEN)
    her.do(StartIn("verden-flyer"))
    her.press("Deutsch")
    assert her.text.startswith("🔒 VHS Verden")


def test_one_organisation_in_her_country_is_hers_and_its_languages_are_offered(
    engine: FlowEngine,
) -> None:
    her = Newcomer(engine, NIENBURG, NIENBURG, VERDEN, VERONA)
    her.do(StartIn())
    her.press("Українська")
    assert her.labels == ["🇩🇪 Німеччина", "🇮🇹 Італія"]
    her.press("🇮🇹 Італія")
    assert her.labels == ["English", "Italiano"]
    her.press("English")
    assert her.text.startswith("🔒 CPIA Verona helps women")


def test_outside_the_hours_in_her_language(engine: FlowEngine) -> None:
    week = WeeklyHours.parse("mon-fri 09:00-13:00")
    org = OrganisationInfo(name="VNB", opening_hours=week)
    profile = Profile(language="de", consent_given_at=SUNDAY, status="active")
    context = Context(profile, org, SUNDAY)
    result = engine.handle(Conversation("main", "menu"), ChoiceIn("main.menu:person"), context)
    text = result.replies[-1].text
    assert "Wir lesen Ihre Nachricht ab Montag, 09:00." in text
    assert "Unsere Zeiten: Mo–Fr 09:00–13:00 Uhr." in text
    persian = Profile(language="fa", consent_given_at=SUNDAY, status="active")
    result = engine.handle(
        Conversation("main", "menu"), ChoiceIn("main.menu:person"), Context(persian, org, SUNDAY)
    )
    assert "از دوشنبه ۹:۰۰" in result.replies[-1].text  # Persian digits, as her locale writes
