"""Texts only the Telegram channel says: its command menu.

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
    "mydata": msg("telegram.command_mydata", "Meine Daten ansehen"),
    "export": msg("telegram.command_export", "Meine Daten als Datei"),
    "stop": msg("telegram.command_stop", "Keine Nachrichten mehr"),
}

ALL_TELEGRAM_TEXTS = tuple(COMMAND_DESCRIPTIONS.values())
