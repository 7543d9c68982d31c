"""A Babel extractor for flow files, so flow texts land in the same catalog as Python texts.

Registered as ``twc_flows`` (pyproject entry point) and used by ``locales/babel.cfg``.  Each text
becomes a ``pgettext`` message whose context says where it is used (``onboarding.ask_name``,
``onboarding.ask_interests.course``), which is what translators see in their PO editor.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

from conversations.loader import parse_flow
from conversations.validate import flow_texts


def extract_flow(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """Yield ``(line, "pgettext", (context, text), comments)`` for every text in a flow file."""
    source = getattr(fileobj, "name", "<flow>")
    content = fileobj.read().decode("utf-8")
    flow = parse_flow(yaml.safe_load(content), str(source))
    lines = content.splitlines()
    for node, text in flow_texts(flow):
        lineno = next((i + 1 for i, line in enumerate(lines) if line.strip() == f"{node.id}:"), 1)
        comments = [f"Flow '{flow.id}', node '{node.id}'. Plain language, short sentences."]
        if text.placeholders:
            comments.append("Keep the {placeholders} exactly as they are.")
        if text.context.endswith(".neutral"):
            comments.append(
                "The same text without a placeholder that may be empty, "
                "shown instead of it then. It must read naturally on its own."
            )
        elif text.context.count(".") == 2:
            comments.append("A button label: keep it short (at most 20 characters).")
        yield lineno, "pgettext", (text.context, text.master), comments
