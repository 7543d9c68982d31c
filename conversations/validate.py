"""Graph and translation checks run when flows are loaded, before any chat.

A broken flow must stop the bot at start-up with every problem listed (file, node, what is
wrong), not surface as a confused reply in a chat months later.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any

from conversations.consent import PURPOSES, unknown_purposes
from conversations.i18n import Catalogs
from conversations.loader import FlowError
from conversations.model import PROFILE_FIELDS
from conversations.spec import CORE_CHOICE_SOURCES, Flow, Node
from conversations.texts import Text, with_neutral

#: Placeholders a flow text may use; ``v_*`` are values passed by a scheduled trigger.
KNOWN_PLACEHOLDERS = frozenset(
    {
        "name",
        "org",
        "privacy_contact",
        "office_hours",
        "language_name",
        "town",
        "interests",
        "attend_help",
        "consent_date",
        "next_opening",
    }
)

#: Nodes the engine itself jumps to (global commands, the end of a flow).
ENGINE_TARGETS = (
    "onboarding.choose_language",
    "main.menu",
    "main.change_language",
    "main.talk_to_person",
    "main.my_data",
    "main.export",
    "main.confirm_delete",
    "main.stopped",
)


class FlowValidationError(ValueError):
    """One or more flows are broken; ``errors`` lists each problem."""

    def __init__(self, errors: list[FlowError]) -> None:
        self.errors = errors
        super().__init__("invalid flows:\n" + "\n".join(f"  - {e}" for e in errors))


def node_text(flow: Flow, node: Node) -> Text:
    """A node's text, with its neutral variant if the node has one."""
    assert node.text is not None
    text = Text(f"{flow.id}.{node.id}", node.text)
    if node.neutral is not None:
        text = with_neutral(text, Text(f"{text.context}.neutral", node.neutral))
    return text


def flow_texts(flow: Flow) -> Iterator[tuple[Node, Text]]:
    """Every translatable text of a flow with its catalog context."""
    for node in flow.nodes.values():
        if node.text is not None:
            yield node, node_text(flow, node)
            if node.neutral is not None:
                yield node, Text(f"{flow.id}.{node.id}.neutral", node.neutral)
        for choice in node.choices:
            yield node, Text(f"{flow.id}.{node.id}.{choice.id}", choice.label)
        if node.multiple and node.done_label:
            yield node, Text(f"{flow.id}.{node.id}.done", node.done_label)
    start = flow.nodes[flow.start]
    for entry in flow.menu:  # shown in the main menu: its catalog entry is the menu's
        yield start, Text(f"main.menu.{entry.id}", entry.label)


def _targets(node: Node) -> Iterator[str]:
    if node.next:
        yield node.next
    for choice in node.choices:
        if choice.next:
            yield choice.next
    if node.timeout:
        yield node.timeout.next
    if node.skip_to:
        yield node.skip_to
    if node.requires_consent:
        yield node.consent_question


def _resolve(flows: Mapping[str, Flow], flow: Flow, target: str) -> tuple[str, str] | None:
    flow_id, node_id = flow.resolve(target)
    if flow_id in flows and node_id in flows[flow_id].nodes:
        return flow_id, node_id
    return None


def _check_structure(
    flow: Flow,
    node: Node,
    actions: Mapping[str, Any],
    choice_sources: Collection[str] = CORE_CHOICE_SOURCES,
) -> Iterator[str]:
    if node.choices_from is not None and node.choices_from not in choice_sources:
        yield f"unknown choices_from '{node.choices_from}' (known: {sorted(choice_sources)})"
    if node.skip_to and not node.skip_if:
        yield "'skip_to' says where a skipped node goes: give 'skip_if' too"
    if node.waits and not node.text:
        yield "a node that waits for an answer needs a 'text'"
    if node.type == "choice" and not (node.choices or node.choices_from):
        yield "a choice node needs 'choices' or 'choices_from'"
    if node.type == "choice":
        for choice in node.choices:
            if not (choice.next or node.next):
                yield f"choice '{choice.id}' has no target (give it 'next' or give the node one)"
        if node.choices_from and not node.next:
            yield f"choices from '{node.choices_from}' need the node's 'next'"
    if node.skip_if and not node.next:
        yield "a node with 'skip_if' needs 'next' (where it goes when skipped)"
    if node.choices_from == "organisations" and node.save_as != "organisation":
        yield "choices from 'organisations' are saved as 'organisation' (she moves there)"
    if node.type in ("input", "say") and not node.next and not node.listen:
        yield f"a {node.type} node needs 'next'"
    if node.multiple and node.type != "choice":
        yield "'multiple' only works on choice nodes"
    for choice in node.choices:
        if "{" in choice.label:
            yield f"choice '{choice.id}': button labels cannot have placeholders"
    for call in (*node.do, *node.do_after, *(a for c in node.choices for a in c.do)):
        if call.name not in actions:
            yield f"unknown action '{call.name}'"
    for call in (*node.do, *node.do_after, *(a for c in node.choices for a in c.do)):
        if call.name in ("record_consent", "withdraw_consent"):
            purposes = call.args.get("purposes")
            if not isinstance(purposes, list) or not purposes:
                yield f"'{call.name}' needs a list of 'purposes'"
            elif unknown_purposes([str(p) for p in purposes]):
                yield f"unknown purposes {unknown_purposes([str(p) for p in purposes])}"
            elif call.name == "withdraw_consent" and "profile" in purposes:
                yield "withdrawing 'profile' is erasure: use 'forget_person'"
    for choice in node.choices:
        for condition in (choice.if_consent, choice.unless_consent):
            if condition is not None and condition not in PURPOSES:
                yield f"choice '{choice.id}' names unknown purpose '{condition}'"
    if node.requires_consent and node.requires_consent not in PURPOSES:
        yield f"requires_consent names unknown purpose '{node.requires_consent}'"
    if node.save_as and node.save_as.startswith("profile."):
        field = node.save_as.removeprefix("profile.")
        if field not in PROFILE_FIELDS:
            yield f"save_as names unknown profile field '{field}'"


#: WhatsApp quick-reply button titles hold at most 20 characters (Telegram allows more).
MAX_BUTTON_LABEL = 20


def _is_button(text: Text) -> bool:
    """Choice labels and "done" labels (``flow.node.choice``) are shown as buttons."""
    return text.context.count(".") == 2 and not text.context.endswith(".neutral")


def _button_too_long(text: Text, catalogs: Catalogs | None) -> Iterator[str]:
    """A problem for each language in which a button label is too long for WhatsApp."""
    labels = [("de" if catalogs is None else catalogs.languages.master, text.master)]
    if catalogs is not None:
        labels += [
            (code, catalogs.messages[code][(text.context, text.master)])
            for code in catalogs.languages.catalog_codes
            if catalogs.has(code, text)
        ]
    for code, label in labels:
        if len(label) > MAX_BUTTON_LABEL:
            yield (
                f"button label '{text.context}' is {len(label)} characters in {code}; "
                f"WhatsApp allows {MAX_BUTTON_LABEL}: {label!r}"
            )


def validate_flows(
    flows: Mapping[str, Flow],
    catalogs: Catalogs | None,
    actions: Mapping[str, Callable[..., Any]],
    engine_targets: tuple[str, ...] = ENGINE_TARGETS,
    choice_sources: Collection[str] = CORE_CHOICE_SOURCES,
) -> None:
    """Raise :class:`FlowValidationError` listing every problem found, or return quietly."""
    errors: list[FlowError] = []
    reached: set[tuple[str, str]] = set()
    roots: list[tuple[str, str]] = []
    for target in engine_targets:
        flow_id, _, node_id = target.partition(".")
        if flow_id not in flows or node_id not in flows[flow_id].nodes:
            errors.append(FlowError(f"{flow_id}.yaml", node_id, "required by the engine, missing"))
        else:
            roots.append((flow_id, node_id))
    for flow in flows.values():
        roots.append((flow.id, flow.start))
        roots.extend(flow.resolve(e) for e in flow.entry_points)
        for node in flow.nodes.values():
            errors.extend(
                FlowError(flow.source, node.id, p)
                for p in _check_structure(flow, node, actions, choice_sources)
            )
            for target in _targets(node):
                if _resolve(flows, flow, target) is None:
                    errors.append(FlowError(flow.source, node.id, f"unknown node '{target}'"))
    # Reachability: walk from every root through every resolvable target.
    stack = [r for r in roots if r[0] in flows and r[1] in flows[r[0]].nodes]
    while stack:
        flow_id, node_id = stack.pop()
        if (flow_id, node_id) in reached:
            continue
        reached.add((flow_id, node_id))
        flow = flows[flow_id]
        for target in _targets(flow.nodes[node_id]):
            resolved = _resolve(flows, flow, target)
            if resolved and resolved not in reached:
                stack.append(resolved)
    for flow in flows.values():
        for node_id in flow.nodes:
            if (flow.id, node_id) not in reached:
                errors.append(FlowError(flow.source, node_id, "unreachable node"))
    for flow in flows.values():
        for node, text in flow_texts(flow):
            unknown = {p for p in text.placeholders if not p.startswith("v_")} - KNOWN_PLACEHOLDERS
            if unknown:
                errors.append(
                    FlowError(flow.source, node.id, f"unknown placeholders {sorted(unknown)}")
                )
            if text.neutral is not None and not (text.neutral.placeholders < text.placeholders):
                errors.append(
                    FlowError(
                        flow.source,
                        node.id,
                        "'neutral' must leave out a placeholder of 'text' and add none",
                    )
                )
            if _is_button(text):
                errors.extend(
                    FlowError(flow.source, node.id, problem)
                    for problem in _button_too_long(text, catalogs)
                )
            if catalogs is None:
                continue
            missing = [c for c in catalogs.languages.catalog_codes if not catalogs.has(c, text)]
            if missing:
                errors.append(
                    FlowError(
                        flow.source,
                        node.id,
                        f"text '{text.context}' has no translation in {', '.join(missing)}",
                    )
                )
    if errors:
        raise FlowValidationError(errors)


def validate_texts(texts: Iterable[Text], catalogs: Catalogs, source: str) -> None:
    """Every text the engine says outside flows must be in every catalog.

    Raises :class:`FlowValidationError` naming the source module and each missing context.
    """
    errors = []
    texts = list(texts)
    texts += [text.neutral for text in texts if text.neutral is not None]
    for text in texts:
        missing = [c for c in catalogs.languages.catalog_codes if not catalogs.has(c, text)]
        if missing:
            errors.append(
                FlowError(
                    source,
                    None,
                    f"text '{text.context}' has no translation in {', '.join(missing)}",
                )
            )
    if errors:
        raise FlowValidationError(errors)
