"""Texts only the Telegram channel says: the command menu and what it says in groups.

German master texts in plain language; translated in ``locales/*/LC_MESSAGES/twc.po``.
"""

from __future__ import annotations

from conversations.texts import msg

# TRANSLATORS: descriptions in Telegram's command menu (next to /start, /help, …); at most
# 256 characters, better under 30.
COMMAND_DESCRIPTIONS = {
    "start": msg("telegram.command_start", "Anfangen oder zurück zum Menü"),
    "help": msg("telegram.command_help", "Hilfe: So können Sie mir schreiben"),
    "language": msg("telegram.command_language", "Sprache ändern"),
    "privacy": msg("telegram.command_privacy", "Datenschutz: Was wir speichern"),
    "stop": msg("telegram.command_stop", "Keine Nachrichten mehr"),
}

# TRANSLATORS: posted once in a Telegram group when someone adds the bot to it.  Everyone in the
# group reads it; {bot} is the link to a private chat with the bot.
GROUP_GREETING = msg(
    "telegram.group_greeting",
    "👋 Hallo zusammen! Hier ist „Together We Can“.\n"
    "In dieser Gruppe schreibe ich nur Nachrichten für alle, zum Beispiel zu Treffen.\n"
    "Persönliche Fragen bitte nur privat an mich: {bot}",
)
# TRANSLATORS: the answer to a command (/start, /help…) written in a group.  {bot} is the link to
# a private chat with the bot.
GROUP_PRIVATE_ONLY = msg(
    "telegram.group_private_only",
    "🔒 Das geht nur im privaten Chat mit mir, nicht in der Gruppe.\nTippen Sie hier: {bot}",
)

ALL_TELEGRAM_TEXTS = (*COMMAND_DESCRIPTIONS.values(), GROUP_GREETING, GROUP_PRIVATE_ONLY)
