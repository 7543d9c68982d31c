"""Staff texts of the inbox outside a page (notifications), in the staff member's language.

The staff app's texts are the gettext domain ``staff``: German msgids, catalogs
``locales/<lang>/LC_MESSAGES/staff.po`` for en, it, pt, el.  Pages translate through the web
shell; a notification (an email, a message to the staff Telegram group) is written by a job
with no page, so it reads the same catalogs here (``.po`` read directly, like the bot's own
catalogs: no compile step that could go stale).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parents[3] / "locales"
#: The languages of the staff app (German is the msgids themselves).
STAFF_LANGUAGES = ("de", "en", "it", "pt", "el")


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark ``message`` for extraction into the ``staff`` catalogs; translated when used."""
    return message


@cache
def _catalog(language: str) -> dict[str, str]:
    path = LOCALES / language / "LC_MESSAGES" / "staff.po"
    if language == "de" or not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.string, str) and m.string and not m.fuzzy
    }


def staff_text(language: str | None, message: str) -> str:
    """``message`` (a German msgid) in ``language``; German if there is no translation."""
    code = language if language in STAFF_LANGUAGES else "de"
    return _catalog(code).get(message, message)


def staff_language(*candidates: str | None) -> str:
    """The first of ``candidates`` the staff app speaks, else German."""
    for code in candidates:
        if code in STAFF_LANGUAGES:
            return code
    return "de"


__all__ = ["N_", "STAFF_LANGUAGES", "staff_language", "staff_text"]
