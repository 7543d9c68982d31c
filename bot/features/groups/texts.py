"""What the bot says in a group chat.  Nothing about a person is ever posted in a group.

German master texts in plain language; translated in ``locales/*/LC_MESSAGES/twc.po`` (the
message ids keep their ``telegram.`` prefix: group chats exist only on Telegram).
"""

from __future__ import annotations

from conversations.texts import msg, with_neutral

# TRANSLATORS: posted once in a Telegram group when someone adds the bot to it.  Everyone in the
# group reads it; {bot} is the link to a private chat with the bot.  The ".neutral" text is
# posted while the link is not known yet.
GROUP_GREETING = with_neutral(
    msg(
        "telegram.group_greeting",
        "👋 Hallo zusammen! Hier ist „Together We Can“.\n"
        "In dieser Gruppe schreibe ich nur Nachrichten für alle, zum Beispiel zu Treffen.\n"
        "Persönliche Fragen bitte nur privat an mich: {bot}",
    ),
    msg(
        "telegram.group_greeting.neutral",
        "👋 Hallo zusammen! Hier ist „Together We Can“.\n"
        "In dieser Gruppe schreibe ich nur Nachrichten für alle, zum Beispiel zu Treffen.\n"
        "Persönliche Fragen bitte nur privat an mich.",
    ),
)
# TRANSLATORS: the answer to a command (/start, /help…) written in a group.  {bot} is the link to
# a private chat with the bot.  The ".neutral" text is posted while the link is not known yet.
GROUP_PRIVATE_ONLY = with_neutral(
    msg(
        "telegram.group_private_only",
        "🔒 Das geht nur im privaten Chat mit mir, nicht in der Gruppe.\nTippen Sie hier: {bot}",
    ),
    msg(
        "telegram.group_private_only.neutral",
        "🔒 Das geht nur im privaten Chat mit mir, nicht in der Gruppe.\n"
        "Bitte schreiben Sie mir privat.",
    ),
)

ALL_GROUP_TEXTS = (GROUP_GREETING, GROUP_PRIVATE_ONLY)
