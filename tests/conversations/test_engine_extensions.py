"""What features build on: a fork by role, main-menu entries from a feature's flow file, an
input node that keeps listening, choices built by a feature, and the template a trigger names.

The engine runs the real core flows plus a small flow written here, with a German-only
language table (the small flow's texts are in no catalog, and need not be for these rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from bot.outbox.kinds import kind_and_values
from conversations.actions import ACTIONS, to_team
from conversations.events import (
    ChoiceIn,
    Event,
    RequestHuman,
    StartIn,
    TextIn,
    TimeoutIn,
    TriggerIn,
)
from conversations.flow_engine import FlowEngine, Option, Result, Turn
from conversations.i18n import Catalogs
from conversations.languages import LanguageTable, default_languages
from conversations.loader import FlowError, parse_flow, read_flows, with_menu_entries
from conversations.model import Context, Conversation, OrganisationInfo, Profile
from conversations.spec import Node
from conversations.validate import FlowValidationError

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
ORG = OrganisationInfo(name="VNB", towns=("Hoya", "Nienburg (Weser)"))

DEMO = """
spec_version: 1
id: demo
start: hub
menu:
  - {id: demo, label: "🤝 Demo", next: hub}
nodes:
  hub:
    type: say
    skip_if: mentor
    skip_to: mentor_hub
    text: Hallo Teilnehmerin.
    next: chat
  mentor_hub:
    type: choice
    text: Wem schreiben Sie?
    choices_from: partners
    choices:
      - {id: back, label: "🏠 Menü", next: main.menu}
    save_as: partner
    next: chat
  chat:
    type: input
    listen: true
    text: Schreiben Sie. Ich leite es weiter.
    validate: {type: text, min_length: 1, max_length: 500}
    do_after: [{action: relay}]
    choices:
      - {id: end, label: "🔚 Beenden", next: main.menu}
"""


def relay(turn: Turn, _args: Mapping[str, Any], value: Any) -> None:
    """Stands for a feature's relay action: the text goes on (here: to the team)."""
    to_team(turn, str(value), "relay", urgent=str(value).startswith("!"))


def partners(turn: Turn, _node: Node) -> list[Option]:
    """The women she is matched with, from the conversation's working data."""
    data = turn.conversation.data if turn.conversation else {}
    return [Option(f"p{k}", name, k) for k, name in sorted(data.get("partners", {}).items())]


def german_only() -> Catalogs:
    table = default_languages()
    master = next(lang for lang in table.languages if lang.code == table.master)
    return Catalogs(LanguageTable(master=table.master, languages=(master,)))


def build(extra: str = DEMO, sources: Mapping[str, Any] | None = None) -> FlowEngine:
    flows = dict(read_flows())
    demo = parse_flow(yaml.safe_load(extra), "demo.yaml")
    flows[demo.id] = demo
    return FlowEngine(
        with_menu_entries(flows),
        german_only(),
        {**ACTIONS, "relay": relay},
        {"partners": partners} if sources is None else sources,
    )


@pytest.fixture(scope="module")
def engine() -> FlowEngine:
    return build()


def run(
    engine: FlowEngine,
    conversation: Conversation | None,
    event: Event,
    role: str = "participant",
) -> Result:
    profile = Profile(
        language="de",
        display_name="Amina",
        status="active",
        consent_given_at=NOW,
        consents=frozenset({"profile", "messages"}),
        role=role,
    )
    return engine.handle(conversation, event, Context(profile, ORG, NOW))


def test_a_feature_flow_adds_its_entry_to_the_main_menu_first(engine: FlowEngine) -> None:
    result = run(engine, None, TextIn("menü"))
    labels = [b.label for b in result.replies[-1].buttons]
    assert labels[0] == "🤝 Demo"
    assert labels[1:] == [
        "🙋 Team fragen",
        "🌐 Sprache ändern",
        "🔒 Meine Daten",
        "🔕 Keine Nachrichten",
    ]
    pressed = run(engine, result.conversation, ChoiceIn("main.menu:demo"))
    assert [r.text for r in pressed.replies] == [
        "Hallo Teilnehmerin.",
        "Schreiben Sie. Ich leite es weiter.",
    ]


def test_two_flows_cannot_add_the_same_menu_entry() -> None:
    flows = dict(read_flows())
    demo = parse_flow(yaml.safe_load(DEMO), "demo.yaml")
    twin = parse_flow(yaml.safe_load(DEMO.replace("id: demo\n", "id: twin\n", 1)), "twin.yaml")
    with pytest.raises(FlowError, match="menu entry 'demo' is given twice"):
        with_menu_entries({**flows, "demo": demo, "twin": twin})


def test_skip_to_forks_by_role(engine: FlowEngine) -> None:
    participant = run(engine, None, TriggerIn("demo.hub"))
    assert participant.replies[0].text == "Hallo Teilnehmerin."
    mentor = run(engine, None, TriggerIn("demo.hub"), role="mentor")
    assert [r.text for r in mentor.replies] == ["Wem schreiben Sie?"]
    assert mentor.conversation is not None and mentor.conversation.node == "mentor_hub"


def test_choices_built_by_a_feature_come_before_the_files_own(engine: FlowEngine) -> None:
    conversation = Conversation("main", "menu", 1, {"partners": {"7": "Leyla", "3": "Sara"}})
    result = run(engine, conversation, TriggerIn("demo.hub"), role="mentor")
    buttons = result.replies[-1].buttons
    assert [(b.id, b.label) for b in buttons] == [
        ("demo.mentor_hub:p3", "Sara"),
        ("demo.mentor_hub:p7", "Leyla"),
        ("demo.mentor_hub:back", "🏠 Menü"),
    ]
    typed = run(engine, result.conversation, TextIn("leyla"), role="mentor")
    assert typed.conversation is not None
    assert typed.conversation.data["partner"] == "7"
    assert typed.conversation.node == "chat"


def test_a_listening_node_passes_on_every_message_and_asks_nothing_again(
    engine: FlowEngine,
) -> None:
    entered = run(engine, None, TriggerIn("demo.hub"))
    first = run(engine, entered.conversation, TextIn("Guten Morgen"))
    assert first.replies == []
    assert first.effects == [RequestHuman("Guten Morgen", "de", "relay")]
    assert first.conversation is not None and first.conversation.node == "chat"
    second = run(engine, first.conversation, TextIn("! Es gibt ein Problem"))
    assert second.effects == [RequestHuman("! Es gibt ein Problem", "de", "relay", urgent=True)]
    ended = run(engine, second.conversation, TextIn("beenden"))  # one word: the label
    assert ended.conversation is not None and ended.conversation.node == "menu"


def test_a_listening_node_still_says_what_is_wrong(engine: FlowEngine) -> None:
    entered = run(engine, None, TriggerIn("demo.hub"))
    too_long = run(engine, entered.conversation, TextIn("x" * 600))
    assert "500" in too_long.replies[0].text
    assert not [e for e in too_long.effects if isinstance(e, RequestHuman)]


def test_a_timeout_for_an_old_visit_of_a_listening_node_does_nothing(engine: FlowEngine) -> None:
    entered = run(engine, None, TriggerIn("demo.hub"))
    assert entered.conversation is not None
    visit = entered.conversation.visit
    late = run(engine, entered.conversation, TimeoutIn("demo", "chat", visit - 1))
    assert late.effects == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("choices_from: partners", "choices_from: nobody"),
        ("    skip_if: mentor\n", ""),
    ],
)
def test_flows_name_only_sources_and_forks_that_exist(change: str, problem: str) -> None:
    broken = DEMO.replace(change, problem, 1)
    with pytest.raises(FlowValidationError) as raised:
        build(broken)
    message = str(raised.value)
    assert ("unknown choices_from 'nobody'" in message) or ("give 'skip_if' too" in message)


def test_listen_belongs_to_input_nodes_only() -> None:
    broken = DEMO.replace(
        "    type: choice\n    text: Wem", "    type: choice\n    listen: true\n    text: Wem"
    )
    with pytest.raises(FlowError, match="'listen' only works on input nodes"):
        parse_flow(yaml.safe_load(broken), "demo.yaml")


def test_a_feature_cannot_reuse_the_engines_own_choice_sources() -> None:
    with pytest.raises(ValueError, match="engine's own"):
        build(sources={"partners": partners, "towns": partners})


def test_a_trigger_can_name_the_template_its_message_goes_as() -> None:
    event = TriggerIn("demo.hub", {"template": "introduction", "first_name": "Leyla", "n": 2})
    kind, values = kind_and_values(event, Profile(display_name="Anna"))
    assert kind == "introduction"
    assert values == {"first_name": "Leyla", "n": "2", "name": "Anna"}
    assert kind_and_values(TriggerIn("demo.hub", {"x": 1}), Profile()) == ("nudge", None)
    assert kind_and_values(StartIn(), Profile()) == ("nudge", None)
