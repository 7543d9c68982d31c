"""The only broadcast words the bot writes itself; the announcements come from coordinators.

German master text; translated in ``locales/*/LC_MESSAGES/twc.po``.
"""

from __future__ import annotations

from conversations.texts import msg

#: Fills ``{name}`` for someone who gave no name ("Hallo {name}!" → "Hallo liebe Teilnehmerin!").
NAME_FALLBACK = msg("broadcast.name_fallback", "liebe Teilnehmerin")

ALL_BROADCAST_TEXTS = (NAME_FALLBACK,)
