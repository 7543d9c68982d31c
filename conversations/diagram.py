"""Mermaid state diagrams of flows, for coordinators and reviewers (``twc flows draw``)."""

from __future__ import annotations

from conversations.spec import Flow


def _state(flow: Flow, target: str) -> str:
    flow_id, node_id = flow.resolve(target)
    return node_id if flow_id == flow.id else f"{flow_id}__{node_id}"


def _label(text: str) -> str:
    return text.replace(":", " ").replace('"', "'").replace("\n", " ").strip()


def mermaid(flow: Flow) -> str:
    """A ``stateDiagram-v2`` of the flow: nodes, choices as labelled edges, flow exits."""
    lines = ["stateDiagram-v2", f"    [*] --> {flow.start}"]
    external: set[str] = set()
    for node in flow.nodes.values():
        first_line = (node.text or node.type).splitlines()[0]
        lines.append(f'    state "{_label(node.id)}: {_label(first_line)[:40]}" as {node.id}')
    for node in flow.nodes.values():
        for choice in node.choices:
            target = choice.next or node.next
            if target:
                lines.append(f"    {node.id} --> {_state(flow, target)}: {_label(choice.label)}")
        if node.next and (node.choices_from or node.multiple or node.type in ("say", "input")):
            label = f"choice from {node.choices_from}" if node.choices_from else node.type
            lines.append(f"    {node.id} --> {_state(flow, node.next)}: {label}")
        if node.timeout:
            lines.append(f"    {node.id} --> {_state(flow, node.timeout.next)}: timeout")
        if node.type == "end":
            lines.append(f"    {node.id} --> [*]")
        for target in (node.next, *(c.next for c in node.choices)):
            if target and "." in target and not target.startswith(f"{flow.id}."):
                external.add(target)
    for target in sorted(external):
        lines.append(f'    state "{target}" as {_state(flow, target)}')
    return "\n".join(lines)
