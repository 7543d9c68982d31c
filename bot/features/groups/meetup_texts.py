"""What the meetup part says from what is stored (counts, thanks, confirmations).

German master texts in plain language; translated in ``locales/*/LC_MESSAGES/twc.po``.
"""

from __future__ import annotations

from conversations.commands import Command
from conversations.texts import msg

PLACES = msg("meetup.places", "Die Gruppe trifft sich oft hier:\n{places}")
PROPOSED = msg(
    "meetup.proposed",
    "✅ Danke! Wir fragen jetzt {count} Frauen der Gruppe.\n"
    "Schreiben Sie „Treffen“, dann sehen Sie, wie viele kommen können.",
)
NOT_ALLOWED = msg(
    "meetup.not_allowed", "Sie können in dieser Gruppe leider kein Treffen vorschlagen."
)
VOTED = msg("meetup.voted", "✅ Danke! Wir sagen Ihnen, wann das Treffen ist.")
VOTED_NONE = msg("meetup.voted_none", "👌 Danke. Schade, dass keine Zeit passt.")
CLOSED = msg("meetup.closed", "Für dieses Treffen kann man nicht mehr abstimmen.")
COUNTS = msg(
    "meetup.counts",
    "📊 {title}\nSo viele Frauen können kommen:\n{lines}\nAbstimmen bis: {deadline}",
)
CONFIRMED = msg(
    "meetup.confirmed_ok",
    "✅ Das Treffen ist bestätigt: {when}.\nWir sagen es allen in der Gruppe.",
)
CHILDREN = msg("meetup.children", "👶 Kinder sind willkommen.")
DIRECTIONS = msg("meetup.directions", "🚌 So kommen Sie hin: {directions}")
RSVP = {
    "yes": msg("meetup.rsvp_yes", "✅ Schön! Wir erinnern Sie vorher."),
    "maybe": msg("meetup.rsvp_maybe", "👌 Danke! Wir erinnern Sie vorher."),
    "no": msg("meetup.rsvp_no", "👌 Danke für Ihre Antwort. Vielleicht beim nächsten Mal!"),
}

MOVED = msg(
    "meetup.moved_ok",
    "✅ Das Treffen ist verschoben: {when}.\nWir sagen es {count} Frauen, die geantwortet haben.",
)
CANCELLED = msg(
    "meetup.cancelled_ok",
    "✅ Das Treffen ist abgesagt. Wir sagen es {count} Frauen, die geantwortet haben.",
)
MOVE_FIRST = msg(
    "meetup.move_first",
    "Es gibt noch keine feste Zeit. "
    "Bitte bestätigen Sie zuerst eine Zeit, dann sagen wir es allen.",
)
# The ``change`` of the WhatsApp template ``meetup_changed`` (one line, after the group and
# the meetup's title): what happened to the meetup.
CHANGE_MOVED = msg("meetup.change_moved", "verschoben auf {when}")
CHANGE_CANCELLED = msg("meetup.change_cancelled", "fällt aus (war am {when})")
RATED = msg("meetup.rated", "💛 Danke für Ihre Antwort!")

# TRANSLATORS: a comma-separated list of words; a message that is exactly one of them opens
# an organiser's meetups (how many can come, confirm a time).  Lower case; keep "treffen".
MEETUPS_COMMAND = Command(
    "meetups",
    ("meetups",),
    msg("command.meetups", "treffen, meetup"),
    target="meetup.hub",
)
