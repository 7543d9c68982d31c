"""What she reads of the inbox: the team's replies, as the bot delivers them (German masters;
``make catalogs`` extracts them through the ``msg`` keyword)."""

from __future__ import annotations

from conversations.texts import msg

# TRANSLATORS: a reply a person of the team wrote to her; {org} is the organisation's name,
# {text} the reply exactly as written.
TEAM_REPLY = msg("inbox.team_reply", "💬 {org}:\n{text}")
# TRANSLATORS: a reply of the team, machine-translated into her language ({translation}), with
# the words the team wrote ({original}) below.
TEAM_REPLY_TRANSLATED = msg(
    "inbox.team_reply_translated",
    "💬 {org}:\n{translation}\n\n"
    "🌐 Automatisch übersetzt. So hat es unser Team geschrieben:\n{original}",
)
# TRANSLATORS: the same words as the approved WhatsApp template "team_reply": the team answered
# after she had been silent for a day; the answer follows as soon as she writes anything.
REPLY_WAITING = msg(
    "inbox.reply_waiting",
    "💬 Sie haben eine Antwort von {org}. Schreiben Sie irgendetwas, dann lesen Sie sie.",
)

ALL_TEXTS = (TEAM_REPLY, TEAM_REPLY_TRANSLATED, REPLY_WAITING)
