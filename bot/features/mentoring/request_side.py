"""Part of the mentoring feature (see ``bot.features.mentoring``): a participant asks for a
mentor in the chat (``flows/mentee.yaml``: the "🤝 Mentorin" menu entry, an honest
explanation, her ``mentoring`` consent, topics, language), sees how her request stands, and
withdraws it.
"""

from __future__ import annotations

from bot.features.feature import Feature
from bot.features.mentoring import request_chat

PART = Feature(
    name="mentoring",
    actions=request_chat.ACTIONS,
    reply_sources=(request_chat.make_replies,),
)
