"""Part of the groups feature (see ``bot.features.groups``): the groups themselves.

Groups of participants run by their own organisers: created by staff (``twc groups``) or by
an organiser in the chat; "groups near me" from the menu; joining (open, or approved by an
organiser in her chat), leaving with one word ("austreten"), handing the organiser role on.
The contract the other parts read is :mod:`.membership`; the changes are in :mod:`.groups`;
the chat's reply source in :mod:`.group_chat`; the nudge kinds in :mod:`.group_nudges`.
"""

from __future__ import annotations

from bot.features.feature import Feature, NavItem
from bot.features.groups import group_chat, group_cli
from bot.features.groups.group_nudges import NEWS_KIND, REQUEST_KIND
from bot.features.groups.group_pages import PATH, staff_pages
from bot.features.groups.group_texts import LEAVE_COMMAND
from bot.web.staff.i18n import N_

PART = Feature(
    name="groups",
    actions=group_chat.ACTIONS,
    reply_sources=(group_chat.make_replies,),
    nudge_kinds=(REQUEST_KIND, NEWS_KIND),
    commands=(LEAVE_COMMAND,),
    cli=group_cli.register,
    staff_pages=staff_pages,
    staff_nav=(NavItem(PATH, N_("Gruppen"), order=57),),
)

__all__ = ["PART"]
