"""Read flow files: parse YAML, migrate to the current spec version, build the dataclasses.

Every problem is a :class:`FlowError` that names the file and the node, so a broken flow stops
the bot at start-up with a message a person can act on, never in the middle of a chat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from conversations.spec import (
    CONDITIONS,
    CURRENT_SPEC_VERSION,
    ActionCall,
    Choice,
    Flow,
    Node,
    Timeout,
    Validator,
    is_condition,
)

FLOWS_DIR = Path(__file__).resolve().parent / "flows"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
DURATION_PATTERN = re.compile(r"^(\d+)\s*([smhd])$")
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class FlowError(ValueError):
    """A flow file is wrong; the message names the file and, where it can, the node."""

    def __init__(self, source: str, node: str | None, problem: str) -> None:
        self.source, self.node, self.problem = source, node, problem
        where = f"{source}: node '{node}'" if node else source
        super().__init__(f"{where}: {problem}")


#: Migrations from one spec version to the next: ``{from_version: function}``.  Each takes the raw
#: dict of an older file and returns it in the next version's shape.  Version 1 is the first, so
#: there is nothing to migrate yet; the mechanism is here so old files keep loading later.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def migrate(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """Bring a raw flow dict up to :data:`CURRENT_SPEC_VERSION`."""
    version = raw.get("spec_version")
    if not isinstance(version, int):
        raise FlowError(source, None, "missing or non-integer 'spec_version'")
    if version > CURRENT_SPEC_VERSION:
        raise FlowError(source, None, f"spec_version {version} is newer than this bot knows")
    while version < CURRENT_SPEC_VERSION:
        raw = MIGRATIONS[version](raw)
        version += 1
        raw["spec_version"] = version
    return raw


def parse_duration(value: object, source: str, node: str) -> int:
    """``"2d"``, ``"90m"``, ``"30s"`` or a number of seconds, as seconds."""
    if isinstance(value, int) and value > 0:
        return value
    match = DURATION_PATTERN.match(str(value).strip())
    if not match:
        raise FlowError(source, node, f"bad duration {value!r} (use e.g. 30m, 2h, 1d)")
    return int(match.group(1)) * DURATION_UNITS[match.group(2)]


def _actions(raw: object, source: str, node: str) -> tuple[ActionCall, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise FlowError(source, node, "'do' must be a list of {action: name, ...}")
    calls = []
    for item in raw:
        if not isinstance(item, dict) or "action" not in item:
            raise FlowError(source, node, f"action entry needs an 'action' name: {item!r}")
        args = {k: v for k, v in item.items() if k != "action"}
        calls.append(ActionCall(str(item["action"]), args))
    return tuple(calls)


def _validator(raw: object, source: str, node: str) -> Validator | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("type") not in ("text", "number", "date", "one_of"):
        raise FlowError(source, node, "'validate' needs type text, number, date or one_of")
    return Validator(
        type=raw["type"],
        min_length=int(raw.get("min_length", 1)),
        max_length=int(raw.get("max_length", 200)),
        letters=bool(raw.get("letters", False)),
        minimum=raw.get("min"),
        maximum=raw.get("max"),
        options=tuple(str(o) for o in raw.get("options", ())),
    )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _choices(raw: object, source: str, node: str) -> tuple[Choice, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise FlowError(source, node, "'choices' must be a list")
    choices = []
    for item in raw:
        if not isinstance(item, dict) or "id" not in item or "label" not in item:
            raise FlowError(source, node, f"a choice needs 'id' and 'label': {item!r}")
        choice_id = str(item["id"])
        if not ID_PATTERN.match(choice_id):
            raise FlowError(source, node, f"choice id {choice_id!r} must be lower_snake_case")
        if choice_id == "neutral":  # the context of the node's neutral text
            raise FlowError(source, node, f"choice id {choice_id!r} is reserved")
        choices.append(
            Choice(
                id=choice_id,
                label=str(item["label"]),
                next=item.get("next"),
                do=_actions(item.get("do"), source, node),
                if_consent=_optional_str(item.get("if_consent")),
                unless_consent=_optional_str(item.get("unless_consent")),
            )
        )
    ids = [c.id for c in choices]
    if len(set(ids)) != len(ids):
        raise FlowError(source, node, f"duplicate choice ids in {ids}")
    return tuple(choices)


NODE_KEYS = {
    "type",
    "text",
    "neutral",
    "choices",
    "choices_from",
    "multiple",
    "done_label",
    "save_as",
    "validate",
    "next",
    "do",
    "do_after",
    "timeout",
    "requires_consent",
    "skip_if",
    "skip_to",
    "listen",
    "results",
}


def _node(node_id: str, raw: object, source: str) -> Node:
    if not ID_PATTERN.match(node_id):
        raise FlowError(source, node_id, "node ids must be lower_snake_case")
    if not isinstance(raw, dict):
        raise FlowError(source, node_id, "a node must be a mapping")
    unknown = set(raw) - NODE_KEYS
    if unknown:
        raise FlowError(source, node_id, f"unknown keys {sorted(unknown)}")
    node_type = raw.get("type")
    if node_type not in ("say", "choice", "input", "end"):
        raise FlowError(source, node_id, f"unknown node type {node_type!r}")
    timeout = None
    if raw.get("timeout") is not None:
        spec = raw["timeout"]
        if not isinstance(spec, dict) or "after" not in spec or "next" not in spec:
            raise FlowError(source, node_id, "'timeout' needs 'after' and 'next'")
        timeout = Timeout(parse_duration(spec["after"], source, node_id), str(spec["next"]))
    choices_from = raw.get("choices_from")
    if choices_from is not None and not (
        isinstance(choices_from, str) and ID_PATTERN.match(choices_from)
    ):  # the names a feature registers are checked when the engine is built
        raise FlowError(source, node_id, f"unknown choices_from {choices_from!r}")
    requires = raw.get("requires_consent")
    if requires is not None and (
        not isinstance(requires, dict) or set(requires) != {"purpose", "ask"}
    ):
        raise FlowError(source, node_id, "'requires_consent' needs 'purpose' and 'ask'")
    skip_if = raw.get("skip_if")
    if skip_if is not None and not is_condition(skip_if):
        raise FlowError(
            source, node_id, f"unknown skip_if {skip_if!r} (known: {CONDITIONS}, empty:v_<key>)"
        )
    results = raw.get("results", choices_from in (None, "languages"))
    if not isinstance(results, bool):
        raise FlowError(source, node_id, "'results' is true or false")
    text = raw.get("text")
    neutral = raw.get("neutral")
    if neutral is not None and text is None:
        raise FlowError(source, node_id, "'neutral' is a variant of 'text': give both")
    return Node(
        id=node_id,
        type=node_type,
        text=str(text).strip() if text is not None else None,
        neutral=str(neutral).strip() if neutral is not None else None,
        choices=_choices(raw.get("choices"), source, node_id),
        choices_from=choices_from,
        multiple=bool(raw.get("multiple", False)),
        done_label=raw.get("done_label"),
        save_as=raw.get("save_as"),
        validate=_validator(raw.get("validate"), source, node_id),
        next=raw.get("next"),
        do=_actions(raw.get("do"), source, node_id),
        do_after=_actions(raw.get("do_after"), source, node_id),
        timeout=timeout,
        requires_consent=str(requires["purpose"]) if requires else None,
        consent_question=str(requires["ask"]) if requires else "",
        skip_if=skip_if,
        skip_to=_optional_str(raw.get("skip_to")),
        listen=_listen(raw, source, node_id),
        results=results,
    )


def _listen(raw: dict[str, Any], source: str, node_id: str) -> bool:
    listen = raw.get("listen", False)
    if not isinstance(listen, bool):
        raise FlowError(source, node_id, "'listen' is true or false")
    if listen and raw.get("type") != "input":
        raise FlowError(source, node_id, "'listen' only works on input nodes")
    return listen


def parse_flow(raw: object, source: str) -> Flow:
    """Build a :class:`Flow` from an already-parsed YAML document."""
    if not isinstance(raw, dict):
        raise FlowError(source, None, "a flow file must be a mapping")
    raw = migrate(raw, source)
    flow_id = raw.get("id")
    if not isinstance(flow_id, str) or not ID_PATTERN.match(flow_id):
        raise FlowError(source, None, "missing or invalid flow 'id'")
    nodes_raw = raw.get("nodes")
    if not isinstance(nodes_raw, dict) or not nodes_raw:
        raise FlowError(source, None, "a flow needs 'nodes'")
    nodes = {
        str(node_id): _node(str(node_id), spec, source) for node_id, spec in nodes_raw.items()
    }
    start = raw.get("start")
    if start not in nodes:
        raise FlowError(source, None, f"'start' names unknown node {start!r}")
    menu = _choices(raw.get("menu"), source, "menu")
    for entry in menu:
        if entry.next is None:
            raise FlowError(source, "menu", f"menu entry '{entry.id}' needs 'next'")
    return Flow(
        id=flow_id,
        spec_version=raw["spec_version"],
        start=start,
        nodes=nodes,
        entry_points=tuple(raw.get("entry_points", ())),
        source=source,
        menu=menu,
    )


def read_flow_file(path: Path) -> Flow:
    """Read one YAML flow file."""
    source = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise FlowError(source, None, f"not valid YAML: {error}") from error
    return parse_flow(raw, source)


def read_flows(paths: Iterable[Path] | None = None) -> dict[str, Flow]:
    """Read every flow file (default: ``conversations/flows/*.yaml``), keyed by flow id."""
    flows: dict[str, Flow] = {}
    for path in sorted(paths if paths is not None else FLOWS_DIR.glob("*.yaml")):
        flow = read_flow_file(path)
        if flow.id in flows:
            raise FlowError(
                path.name, None, f"flow id {flow.id!r} also used in {flows[flow.id].source}"
            )
        flows[flow.id] = flow
    return with_menu_entries(flows)


#: The node feature flows add their entries to.
MAIN_MENU = ("main", "menu")


def with_menu_entries(flows: dict[str, Flow]) -> dict[str, Flow]:
    """The flows with every flow's ``menu`` entries added to the main menu, first.

    A feature's entry appears before the core's (ask the team, language, my data, stop), in
    the order the flows were read; its ``next`` is resolved in the feature's own flow.
    """
    flow_id, node_id = MAIN_MENU
    main = flows.get(flow_id)
    entries = [
        replace(entry, next=".".join(flow.resolve(entry.next or "")))
        for flow in flows.values()
        for entry in flow.menu
    ]
    if main is None or node_id not in main.nodes or not entries:
        return flows
    menu = main.nodes[node_id]
    known = {c.id for c in menu.choices}
    for entry in entries:
        if entry.id in known:
            raise FlowError(main.source, node_id, f"menu entry '{entry.id}' is given twice")
        known.add(entry.id)
    nodes = {**main.nodes, node_id: replace(menu, choices=(*entries, *menu.choices))}
    return {**flows, flow_id: replace(main, nodes=nodes)}
