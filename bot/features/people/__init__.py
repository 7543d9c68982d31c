"""People: the staff app's directory of the women an organisation works with, her profile,
and what staff do for her (enrol, export her data, delete her data on request); and the
dashboard panels of what needs a human now besides the inbox.

:mod:`.directory` (list and forgiving search), :mod:`.profile` (one person),
:mod:`.actions` (audited actions), :mod:`.attention` (the panels' lists); every query is scoped
to the staff member's organisations (:mod:`.scope`).
"""

from __future__ import annotations

from bot.features.feature import Feature

FEATURE = Feature(name="people")

__all__ = ["FEATURE"]
