"""The consent wordings as the shipped catalogs hold them, and their fingerprints: tests
recompute what a consent record must say from the files, not with the code under test."""

from __future__ import annotations

import hashlib

from babel.messages.pofile import read_po

from conversations.loader import FLOWS_DIR, read_flow_file

LOCALES = FLOWS_DIR.parent.parent / "locales"


def catalog_entry(language: str, context: str) -> str:
    """A flow question as the shipped catalog of ``language`` holds it (German: the flow)."""
    if language == "de":
        flow_id, node_id = context.split(".")
        text = read_flow_file(FLOWS_DIR / f"{flow_id}.yaml").nodes[node_id].text
        assert text is not None
        return text
    with (LOCALES / language / "LC_MESSAGES" / "twc.po").open("rb") as po:
        found = [m.string for m in read_po(po) if m.context == context]
    assert len(found) == 1 and isinstance(found[0], str), context
    return found[0]


def sha16(text: str) -> str:
    """The first 16 hex digits of the SHA-256 of ``text``: a consent's wording version."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def wording_versions(language: str) -> tuple[str, str]:
    """The versions of the privacy notice and the messages question in ``language``."""
    return (
        sha16(catalog_entry(language, "onboarding.privacy_notice")),
        sha16(catalog_entry(language, "onboarding.ask_messages")),
    )
