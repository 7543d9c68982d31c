"""The word that ends her contact with a mentor (or mentee) from anywhere in the chat.

"Beenden" in the relayed chat is that chat's own button; anywhere else (the menu, a question
about something else) this command asks whom she ends the contact with
(``intro.end_which``), then asks to confirm, and the other woman is told kindly.
"""

from __future__ import annotations

from conversations.commands import Command
from conversations.texts import msg

# TRANSLATORS: a comma-separated list of words; a message that is exactly one of them ends
# her contact with a mentor (or mentee) from anywhere in the chat.  Lower case; keep "beenden".
END_CONTACT = Command(
    "end_contact",
    ("end_contact",),
    msg("command.end_contact", "beenden, kontakt beenden"),
    target="intro.end_which",
)
