"""Global commands: words that work in any state and in every language.

Each command has slash forms (``/stop``) and a translatable keyword list.  A message counts as a
command only when the whole message is one keyword, in any supported language, so ``stop`` in
Ukrainian (``стоп``) works even before she has chosen Ukrainian, and a sentence that merely
contains the word is not taken for a command.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversations.i18n import Catalogs
from conversations.matching import fold
from conversations.texts import Text, msg


@dataclass(frozen=True, slots=True)
class Command:
    """A global command: its id, slash names and translatable keywords.

    A feature's command (``Feature.commands``) also names the node it leads to (``target``,
    ``flow.node``): "beenden" ends a mentor's contact from anywhere in the chat.  It works
    once she has signed up and not while she writes to the team.
    """

    id: str
    slashes: tuple[str, ...]
    keywords: Text
    target: str | None = None


# TRANSLATORS: the "command.*" texts are comma-separated lists of words.  A message that is exactly
# one of these words runs the command.  Give the usual words in your language (lower case), and
# keep the German and English words too.
COMMANDS: tuple[Command, ...] = (
    Command("start", ("start",), msg("command.start", "start, anfangen, hallo, hi")),
    Command("menu", ("menu",), msg("command.menu", "menü, menu")),
    Command("help", ("help",), msg("command.help", "hilfe, help")),
    Command("language", ("language", "lang"), msg("command.language", "sprache, language")),
    Command("human", ("human", "person"), msg("command.human", "mensch, person, hilfe bitte")),
    Command("stop", ("stop", "unsubscribe"), msg("command.stop", "stopp, stop, abmelden")),
    Command("privacy", ("privacy",), msg("command.privacy", "datenschutz, privacy")),
    Command("mydata", ("mydata",), msg("command.mydata", "meine daten, my data")),
    Command("delete", ("delete",), msg("command.delete", "löschen, delete")),
    Command("export", ("export",), msg("command.export", "export, exportieren")),
)


class CommandMatcher:
    """Finds the command a message is, across every language's keyword list."""

    def __init__(self, catalogs: Catalogs, extra: tuple[Command, ...] = ()) -> None:
        self._by_word: dict[str, str] = {}
        for command in (*COMMANDS, *extra):
            for slash in command.slashes:
                self._by_word[f"/{slash}"] = command.id
            texts = [command.keywords.master]
            texts += [
                catalogs.translate(lang, command.keywords) for lang in catalogs.languages.languages
            ]
            for text in texts:
                for word in text.split(","):
                    key = fold(word)
                    if key:
                        self._by_word.setdefault(key, command.id)

    def match(self, text: str) -> tuple[str, str | None] | None:
        """``(command id, argument)`` if the message is a command (``/start CODE`` has one)."""
        stripped = text.strip()
        if stripped.startswith("/"):
            head, _, rest = stripped.partition(" ")
            name = head.split("@", 1)[0].lower()  # "/start@TogetherBot" in groups
            command = self._by_word.get(name)
            if command:
                return command, rest.strip() or None
            return None
        command = self._by_word.get(fold(stripped))
        return (command, None) if command else None
