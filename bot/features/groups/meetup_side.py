"""Part of the groups feature (see ``bot.features.groups``): meetups in the women's chats.

An organiser proposes (what, where, two or three times); every member is asked in her own
language on her own channel and votes; the organiser sees the counts and confirms (or it is
confirmed at the deadline when enough can come); everyone is told, with a calendar file;
yes / maybe / no; reminders the day before and two hours before to yes and maybe; a moved or
cancelled meetup is told; afterwards one optional "how was it?".
"""

from __future__ import annotations

from bot.features.feature import Feature

PART = Feature(name="groups")

__all__ = ["PART"]
