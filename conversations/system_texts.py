"""Texts the engine says by itself, outside any flow node (re-prompts, errors, commands).

Each is a :class:`~conversations.texts.Text`; ``pybabel extract`` finds them through the
``msg`` keyword.  German master texts in plain language.
"""

from __future__ import annotations

from conversations.texts import msg, with_neutral

NOT_UNDERSTOOD = msg(
    "system.not_understood",
    "🤔 Das habe ich nicht verstanden.\n"
    "Bitte tippen Sie auf eine Antwort oder schreiben Sie die Zahl.",
)
OLD_BUTTON = msg(
    "system.old_button",
    "⏪ Dieser Knopf ist von einer älteren Nachricht.\nHier ist die aktuelle Frage:",
)
MULTI_SELECTED = msg(
    "system.multi_selected",
    "✅ Ausgewählt: {selected}\nNoch etwas? Sonst tippen Sie auf „{done}“.",
)
MULTI_NONE = msg(
    "system.multi_none",
    "Noch nichts ausgewählt. Tippen Sie auf eine Antwort oder auf „{done}“.",
)
INPUT_EMPTY = msg("system.input_empty", "✏️ Bitte schreiben Sie eine Antwort.")
INPUT_TOO_LONG = msg(
    "system.input_too_long",
    "✏️ Das ist zu lang. Bitte schreiben Sie höchstens {max} Zeichen.",
)
INPUT_TOO_SHORT = msg(
    "system.input_too_short",
    "✏️ Das ist zu kurz. Bitte schreiben Sie mindestens {min} Zeichen.",
)
INPUT_NEEDS_LETTERS = msg(
    "system.input_needs_letters",
    "✏️ Bitte schreiben Sie Buchstaben, zum Beispiel: Amina.",
)
INPUT_NUMBER = msg("system.input_number", "🔢 Bitte schreiben Sie eine Zahl, zum Beispiel: 3.")
INPUT_NUMBER_RANGE = msg(
    "system.input_number_range", "🔢 Bitte schreiben Sie eine Zahl von {min} bis {max}."
)
INPUT_DATE = msg("system.input_date", "📅 Bitte schreiben Sie ein Datum, zum Beispiel: {example}.")
INPUT_ONE_OF = msg(
    "system.input_one_of", "✏️ Bitte antworten Sie mit einem dieser Wörter: {options}."
)
MEDIA_UNSUPPORTED = msg(
    "system.media_unsupported",
    "📎 Danke! Bilder, Sprachnachrichten und Dateien kann ich noch nicht lesen.\n"
    "Bitte schreiben Sie mir oder tippen Sie auf eine Antwort.",
)
# TRANSLATORS: she sent a voice note, photo, video or document: it went to the team's inbox,
# a person will answer in this chat.
MEDIA_TO_TEAM = msg(
    "system.media_to_team",
    "📎 Danke! Das ist bei unserem Team angekommen.\n"
    "Ein Mensch aus dem Team antwortet Ihnen hier: {office_hours}.\n"
    "🚨 Im Notfall rufen Sie 112 an.",
)
# TRANSLATORS: the team closed her conversation with a person; the menu follows.  Use the same
# word for "person" as in your "command.human" list.
BACK_WITH_BOT = msg(
    "system.back_with_bot",
    "🤖 Das Gespräch mit unserem Team ist zu Ende. Jetzt antwortet Ihnen wieder der Bot.\n"
    "Sie möchten wieder mit einem Menschen sprechen? Schreiben Sie „Mensch“.",
)
# TRANSLATORS: use the same words as in your "command.*" lists
# (menu, language, person, privacy, stop).
HELP = msg(
    "system.help",
    "ℹ️ So können Sie mir schreiben:\n"
    "• „Menü“: das Menü\n"
    "• „Sprache“: Sprache ändern\n"
    "• „Mensch“: mit einem Menschen sprechen\n"
    "• „Datenschutz“: was wir speichern\n"
    "• „Stopp“: keine Nachrichten mehr",
)
# TRANSLATORS: the ".neutral" text is shown instead when she has not told us her name.
WELCOME_BACK = with_neutral(
    msg("system.welcome_back", "👋 Willkommen zurück, {name}!"),
    msg("system.welcome_back.neutral", "👋 Willkommen zurück!"),
)
OPTED_IN = msg("system.opted_in", "👋 Schön, dass Sie wieder da sind!")
OPTED_OUT_HINT = msg(
    "system.opted_out_hint",
    "🔕 Sie haben keine Nachrichten bestellt.\n"
    "Wenn Sie wieder Nachrichten möchten, schreiben Sie „Start“.",
)
FINISH_ONBOARDING_FIRST = msg(
    "system.finish_onboarding_first",
    "Das geht, wenn Sie angemeldet sind. Bitte beantworten Sie zuerst diese Frage:",
)
NOTHING_STORED = msg(
    "system.nothing_stored",
    "🔒 Wir haben noch nichts über Sie gespeichert.\n"
    "Wir speichern erst etwas, wenn Sie einverstanden sind.",
)
STOPPED_NOTHING_STORED = msg(
    "system.stopped_nothing_stored",
    "🔕 In Ordnung. Wir schreiben Ihnen nicht mehr. Wir haben nichts über Sie gespeichert.\n"
    "Wiederkommen: Schreiben Sie „Start“.",
)
HUMAN_BEFORE_CONSENT = msg(
    "system.human_before_consent",
    "🙋 Sie möchten mit einem Menschen sprechen? "
    "Unser Team erreichen Sie hier: {privacy_contact}\n"
    "Wir antworten: {office_hours}.\n🚨 Im Notfall rufen Sie 112 an.",
)
PRIVACY_NOTICE = msg(
    "system.privacy_notice",
    "📄 Datenschutz, kurz erklärt:\n"
    "• Wer: {org}.\n"
    "• Was: Ihr Name, Ihr Ort, Ihre Sprache, Ihre Wünsche und Ihre Antworten.\n"
    "• Wofür: Kurse, Mentorinnen, Arbeit, Treffen.\n"
    "• Nachrichten von uns: nur wenn Sie dazu extra Ja sagen.\n"
    "• Wie lange: Bis Sie löschen. Sonst löschen wir alles 6 Monate nach Ihrer letzten "
    "Nachricht.\n"
    "• Wenn Sie die Anmeldung nicht beenden: Wir löschen alles nach 7 Tagen.\n"
    "• Unsere Nachrichten an Sie: Den Text löschen wir, sobald er verschickt ist. "
    "Den Rest nach 30 Tagen.\n"
    "• Ihre Rechte: Sie können Ihre Daten sehen (/mydata), als Datei bekommen (/export) "
    "und löschen (/delete).\n"
    "• Fragen: {privacy_contact}",
)
# TRANSLATORS: sent once when she sends very many messages within seconds; what she sends in the
# next minute is not read, so she is asked to send it again then.  Use the same emergency line
# as in "system.human_before_consent".
SLOW_DOWN = msg(
    "system.slow_down",
    "⏳ Sie schreiben sehr schnell. Ich lese Ihre nächste Nachricht in einer Minute.\n"
    "Bitte schreiben Sie mir dann noch einmal, was Sie brauchen.\n"
    "🚨 Im Notfall rufen Sie 112 an.",
)
NOT_GIVEN = msg("system.not_given", "—")
LIST_SEPARATOR = msg("system.list_separator", ", ")

ALL_SYSTEM_TEXTS = (
    NOT_UNDERSTOOD,
    OLD_BUTTON,
    MULTI_SELECTED,
    MULTI_NONE,
    INPUT_EMPTY,
    INPUT_TOO_LONG,
    INPUT_TOO_SHORT,
    INPUT_NEEDS_LETTERS,
    INPUT_NUMBER,
    INPUT_NUMBER_RANGE,
    INPUT_DATE,
    INPUT_ONE_OF,
    MEDIA_UNSUPPORTED,
    MEDIA_TO_TEAM,
    BACK_WITH_BOT,
    HELP,
    WELCOME_BACK,
    OPTED_IN,
    OPTED_OUT_HINT,
    FINISH_ONBOARDING_FIRST,
    NOTHING_STORED,
    STOPPED_NOTHING_STORED,
    HUMAN_BEFORE_CONSENT,
    PRIVACY_NOTICE,
    SLOW_DOWN,
    NOT_GIVEN,
    LIST_SEPARATOR,
)
