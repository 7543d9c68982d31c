"""The purposes she can consent to, one by one, and the fingerprint of the words she agreed to.

Consent is recorded per purpose (``consent_records.purpose``): onboarding asks for ``profile``
at the privacy notice and for ``messages`` on its own; the other purposes are asked by the
feature that first needs them (a node with ``requires_consent``, see
``docs/adding-a-feature.md``).  Every purpose has a plain name in every language, so "my data"
and the coordinators' tools can say what she agreed to.

A consent is provable: the wording she saw is the catalog entry of the question in her
language; :func:`wording_hash` fingerprints it, the consent record stores the fingerprint and
the host keeps the text itself once per fingerprint (``consent_wordings``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from conversations.texts import Text, msg


@dataclass(frozen=True, slots=True)
class Purpose:
    """One thing she may agree to, with its name in plain words."""

    id: str
    name: Text


PROFILE = "profile"
MESSAGES = "messages"
MENTORING = "mentoring"
JOB_OFFERS = "job_offers"
CONTACT_SHARING = "contact_sharing"

# TRANSLATORS: the "purpose.*" texts name what she agreed to, in "my data" and in exports.
PURPOSES: dict[str, Purpose] = {
    p.id: p
    for p in (
        Purpose(
            PROFILE,
            msg("purpose.profile", "Wir speichern, was Sie uns sagen, damit Sie mitmachen können"),
        ),
        Purpose(
            MESSAGES,
            msg("purpose.messages", "Nachrichten: Erinnerungen an Kurse und Neuigkeiten"),
        ),
        Purpose(MENTORING, msg("purpose.mentoring", "Eine Mentorin für Sie finden")),
        Purpose(JOB_OFFERS, msg("purpose.job_offers", "Angebote für Arbeit")),
        Purpose(
            CONTACT_SHARING,
            msg(
                "purpose.contact_sharing",
                "Ihren Kontakt an eine Mentorin oder eine Gruppe geben",
            ),
        ),
    )
}

PURPOSE_TEXTS: tuple[Text, ...] = tuple(p.name for p in PURPOSES.values())

#: Length of the stored fingerprint: 16 hex digits of SHA-256 (64 bits) tell wordings apart.
WORDING_HASH_LENGTH = 16


def wording_hash(text: str) -> str:
    """The fingerprint of a wording: SHA-256 of its UTF-8 text, the first 16 hex digits.

    ``text`` is the catalog entry as translated, placeholders unfilled (``{org}`` stays), so
    the fingerprint names the wording, not the person, and anyone can recompute it from the
    catalog of that release.
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:WORDING_HASH_LENGTH]


def unknown_purposes(purposes: tuple[str, ...] | list[str]) -> list[str]:
    """The names in ``purposes`` that are not registered (checked when flows load)."""
    return [p for p in purposes if p not in PURPOSES]
