"""What the groups' hub says from what is stored: the list of groups, a group's card, what
joining, leaving and answering did.

German master texts in plain language; translated in ``locales/*/LC_MESSAGES/twc.po``.
"""

from __future__ import annotations

from conversations.commands import Command
from conversations.texts import msg

LIST_HEAD = msg(
    "group_chat.list_head",
    "👭 Gruppen: Frauen treffen sich und machen etwas zusammen.\n"
    "Diese Gruppen gibt es in Ihrer Nähe:",
)
MINE_HEAD = msg("group_chat.mine_head", "👭 Ihre Gruppen:")
LINE = msg("group_chat.line", "{number}. {name} ({town})")
MARK_MEMBER = msg("group_chat.mark_member", " – ✅ Sie sind dabei")
MARK_ORGANISER = msg("group_chat.mark_organiser", " – 👑 Sie organisieren")
MARK_PENDING = msg("group_chat.mark_pending", " – ⏳ Sie haben gefragt")
NONE_NEAR = msg("group_chat.none_near", "👭 Im Moment gibt es noch keine Gruppe in Ihrer Nähe.")
NONE_MINE = msg("group_chat.none_mine", "Sie sind im Moment in keiner Gruppe.")
NO_SUCH = msg(
    "group_chat.no_such",
    "Diese Nummer gibt es nicht. Tippen Sie auf „👭 Gruppen“ und wählen Sie noch einmal.",
)
CARD = msg(
    "group_chat.card",
    "👭 {name}\n{description}\n📍 Ort: {town}\n👥 Frauen in der Gruppe: {count}",
)
CARD_CHILDREN = msg("group_chat.card_children", "👶 Kinder sind willkommen.")
CARD_DIRECTIONS = msg("group_chat.card_directions", "🚌 So kommen Sie hin: {directions}")
CARD_APPROVAL = msg(
    "group_chat.card_approval", "Wer mitmachen möchte, fragt. Die Organisatorin sagt Ja oder Nein."
)
JOINED = msg(
    "group_chat.joined",
    "✅ Willkommen in der Gruppe „{name}“! Sie bekommen jetzt die Nachrichten der Gruppe.",
)
ASKED = msg(
    "group_chat.asked",
    "⏳ Wir haben die Organisatorin der Gruppe „{name}“ gefragt. Wir sagen Ihnen Bescheid.",
)
ALREADY = msg("group_chat.already", "Sie sind schon in der Gruppe „{name}“.")
WAITING = msg("group_chat.waiting", "Sie haben schon gefragt. Die Organisatorin antwortet bald.")
CLOSED = msg("group_chat.closed", "Diese Gruppe gibt es leider nicht mehr.")
LEFT = msg(
    "group_chat.left",
    "👋 Sie sind aus der Gruppe „{name}“ ausgetreten. "
    "Sie bekommen keine Nachrichten der Gruppe mehr.",
)
NOT_MEMBER = msg("group_chat.not_member", "Sie sind nicht in dieser Gruppe.")
NOT_ORGANISER = msg("group_chat.not_organiser", "Das können nur Organisatorinnen der Gruppe.")
MEMBERS_HEAD = msg("group_chat.members_head", "Diese Frauen sind in der Gruppe „{name}“:")
MEMBER_LINE = msg("group_chat.member_line", "{number}. {name}")
NO_MEMBERS = msg("group_chat.no_members", "In der Gruppe ist noch keine andere Frau.")
HANDED_ON = msg(
    "group_chat.handed_on",
    "👑 {name} organisiert jetzt die Gruppe „{group}“. Danke für Ihre Arbeit!",
)
NOT_HANDED_ON = msg(
    "group_chat.not_handed_on", "Das hat nicht geklappt. Bitte wählen Sie noch einmal."
)
ACCEPTED = msg("group_chat.request_accepted", "✅ {name} ist jetzt in der Gruppe „{group}“.")
DECLINED = msg(
    "group_chat.request_declined", "In Ordnung. {name} kommt nicht in die Gruppe „{group}“."
)
ANSWERED = msg("group_chat.request_answered", "Diese Anfrage ist schon beantwortet. Danke!")

# TRANSLATORS: a comma-separated list of words; a message that is exactly one of them lets
# her leave a group from anywhere in the chat.  Lower case; keep "austreten".
LEAVE_COMMAND = Command(
    "group_leave",
    ("leave_group",),
    msg("command.group_leave", "austreten, gruppe verlassen"),
    target="groups.leave_which",
)
