"""Nudges: messages the bot starts at a due time, stored as rows and fired by the scheduler.

:mod:`.kinds` is the contract a feature implements for its kinds; :mod:`.quiet_hours` and
:mod:`.daily_cap` are the rules every kind the bot starts on its own obeys.
"""

from bot.nudges.kinds import Built, ClaimedNudge, NudgeEnv, NudgeKind

__all__ = ["Built", "ClaimedNudge", "NudgeEnv", "NudgeKind"]
