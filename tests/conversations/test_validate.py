"""Flow validation: one broken flow per error, each reported with its file and node."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime import load_flow_engine
from conversations.actions import ACTIONS
from conversations.loader import FLOWS_DIR, FlowError, read_flow_file
from conversations.validate import FlowValidationError, validate_flows

BROKEN = Path(__file__).resolve().parent.parent / "testdata" / "broken_flows"


def expected_error(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: …'"
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_broken_flow_is_rejected_naming_file_and_node(path: Path) -> None:
    catalogs = load_flow_engine().catalogs
    real_flows = {p.stem: read_flow_file(p) for p in FLOWS_DIR.glob("*.yaml")}

    def load_and_validate() -> None:
        flow = read_flow_file(path)
        validate_flows({**real_flows, flow.id: flow}, catalogs, ACTIONS)

    with pytest.raises((FlowError, FlowValidationError)) as caught:
        load_and_validate()
    message = str(caught.value)
    assert path.name in message
    assert expected_error(path) in message


def test_the_shipped_flows_are_valid() -> None:
    engine = load_flow_engine()
    assert {"onboarding", "main"} <= set(engine.flows)


def test_all_problems_are_listed_not_only_the_first(tmp_path: Path) -> None:
    path = tmp_path / "two_problems.yaml"
    path.write_text(
        "spec_version: 1\nid: two\nstart: a\nnodes:\n"
        "  a: {type: input, text: Hallo, next: nowhere}\n"
        "  b: {type: end, text: Tschüss, do: [{action: fly}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(FlowValidationError) as caught:
        validate_flows({"two": read_flow_file(path)}, None, ACTIONS, engine_targets=())
    problems = [e.problem for e in caught.value.errors]
    assert "unknown node 'nowhere'" in problems
    assert "unknown action 'fly'" in problems
    assert "unreachable node" in problems


def test_a_system_text_missing_from_a_catalog_stops_the_start() -> None:
    from conversations.texts import msg
    from conversations.validate import validate_texts

    catalogs = load_flow_engine().catalogs
    untranslated = msg("system.brand_new", "Diesen Satz gibt es nur auf Deutsch.")
    with pytest.raises(FlowValidationError, match=r"system\.brand_new"):
        validate_texts([untranslated], catalogs, "conversations/system_texts.py")


def test_a_button_label_too_long_in_one_language_names_file_node_and_language(
    tmp_path: Path,
) -> None:
    from conversations.i18n import Catalogs
    from conversations.texts import Text

    path = tmp_path / "short.yaml"
    path.write_text(
        "spec_version: 1\nid: short\nstart: ask\nnodes:\n"
        "  ask: {type: choice, text: Hallo, choices: [{id: ok, label: OK, next: bye}]}\n"
        "  bye: {type: end, text: Tschüss}\n",
        encoding="utf-8",
    )
    real = load_flow_engine().catalogs
    catalogs = Catalogs(real.languages, {code: {} for code in real.languages.catalog_codes})
    long_label = "حسنًا، أنا موافقة تمامًا على ذلك"
    for code in real.languages.catalog_codes:
        for text in (Text("short.ask", "Hallo"), Text("short.bye", "Tschüss")):
            catalogs.messages[code][(text.context, text.master)] = text.master
        label = long_label if code == "ar" else "OK"
        catalogs.messages[code][("short.ask.ok", "OK")] = label
    with pytest.raises(FlowValidationError) as caught:
        validate_flows({"short": read_flow_file(path)}, catalogs, ACTIONS, engine_targets=())
    [error] = caught.value.errors
    assert error.source == "short.yaml" and error.node == "ask"
    assert "in ar" in error.problem and "short.ask.ok" in error.problem
