"""What can happen to a conversation (inputs) and what the engine asks the host to do (effects).

Effects are plain data.  The engine never sends or stores anything itself; the host
(``bot.services.inbound``) writes all effects of one turn in one database transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# ---- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextIn:
    """She wrote something."""

    text: str


@dataclass(frozen=True, slots=True)
class ChoiceIn:
    """She pressed a button; ``choice_id`` is the opaque id we put on it."""

    choice_id: str


@dataclass(frozen=True, slots=True)
class StartIn:
    """She opened the chat (``/start``, a deep link with an invite ``code``, a first hello)."""

    code: str | None = None


@dataclass(frozen=True, slots=True)
class MediaIn:
    """She sent something that is not text: ``photo``, ``voice``, ``document``, ``sticker``…"""

    kind: str


@dataclass(frozen=True, slots=True)
class TimeoutIn:
    """A wait's timeout fired; ignored unless she is still at that exact visit of the node."""

    flow: str
    node: str
    visit: int


@dataclass(frozen=True, slots=True)
class TriggerIn:
    """A scheduled start (reminder, check-in): jump to ``target`` with some values."""

    target: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TooFastIn:
    """She wrote faster than anyone reads (the host's flood limit): her message is not read.

    The engine answers once that she is writing very fast and changes nothing else; the host
    drops what she sends for a minute afterwards (``bot.inbound.flood``).
    """


@dataclass(frozen=True, slots=True)
class BackFromTeamIn:
    """The team closed her conversation with a person: tell her she is back with the bot and
    show the menu (no consent to ``messages`` needed: it ends a conversation she started).

    ``tell=False``: only put her back at the menu, without a message — the platform would not
    let the bot write to her now (WhatsApp, a day after her last message, where the notice
    would wait as "needs a template" for staff to look at)."""

    tell: bool = True


Event = TextIn | ChoiceIn | StartIn | MediaIn | TimeoutIn | TriggerIn | TooFastIn | BackFromTeamIn

# ---- effects ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Button:
    """A choice as shown: ``id`` comes back in :class:`ChoiceIn`, ``label`` is translated."""

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Reply:
    """Send her a message (with buttons, if any) in ``language``."""

    text: str
    buttons: tuple[Button, ...] = ()
    language: str = "de"
    rtl: bool = False

    def to_payload(self) -> dict[str, Any]:
        """The channel-neutral outbox payload."""
        return {
            "text": self.text,
            "choices": [{"id": b.id, "label": b.label} for b in self.buttons],
            "language": self.language,
            "rtl": self.rtl,
        }


@dataclass(frozen=True, slots=True)
class UpdateProfile:
    """Store what she told us (only ever after consent, except her language)."""

    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RecordConsent:
    """She agreed; store the purposes with the wording she saw, its language, time and channel.

    ``wording_hash`` fingerprints ``wording`` (the catalog entry of the question in her
    language, see :func:`conversations.consent.wording_hash`); the host stores the text once
    per fingerprint, so the record proves what she was asked.
    """

    purposes: tuple[str, ...]
    wording_hash: str
    wording: str
    language: str


@dataclass(frozen=True, slots=True)
class WithdrawConsent:
    """She took back these purposes (``messages`` when she opts out): note the time."""

    purposes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ForgetPerson:
    """Erase everything about her (consent refused, or ``/delete`` confirmed)."""


@dataclass(frozen=True, slots=True)
class OptOut:
    """Send her nothing more (``STOP``)."""


@dataclass(frozen=True, slots=True)
class OptIn:
    """She is back (``START`` after ``STOP``)."""


@dataclass(frozen=True, slots=True)
class JoinOrganisation:
    """A newcomer said where she lives: she belongs to the organisation ``slug`` from now on.

    Only before she consents (nothing else is stored about her yet); the host moves her row.
    """

    slug: str


@dataclass(frozen=True, slots=True)
class RequestHuman:
    """Put her message into the team's inbox: her open conversation with a person, or a new
    one (which the host opens, and marks her as with the team).

    ``reason`` says why a new conversation opens (``request``, ``media``, ``not_coming``, …);
    ``media_kind`` names what she sent instead of text (``voice``, ``photo``, ``document``);
    ``urgent``: she reported a problem (with her mentor, say): the thread is marked urgent.
    """

    text: str
    language: str
    reason: str = "request"
    media_kind: str | None = None
    urgent: bool = False
    with_team: bool = True
    """``False``: an item for the team without handing her chat over (her "I'm interested"
    in a job offer: she goes on answering the bot; the team's reply connects her)."""


@dataclass(frozen=True, slots=True)
class AnswerChosen:
    """She answered a choice question of a flow: the choice ids she picked (codes from the flow
    file or language codes, never what she typed, never the label she saw).

    Kept by the host as flow results, so that a team can count the answers to a flow's
    questions (the per-flow export of the reports); a node with ``results: false`` (health,
    where she lives) emits nothing.
    """

    flow: str
    node: str
    answers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScheduleTimeout:
    """Resume this wait with :class:`TimeoutIn` at ``due_at`` if she has not answered."""

    flow: str
    node: str
    visit: int
    due_at: datetime


@dataclass(frozen=True, slots=True)
class ShowMyData:
    """Show her everything stored about her, in ``language``.

    Only the host can: most of it (courses, answers, requests, media) is in the database, not
    in the engine's view of her.  The host answers with one or more messages, written before
    the node's own question.
    """

    language: str
    rtl: bool = False


@dataclass(frozen=True, slots=True)
class SendMyDataExport:
    """Send her a file with everything stored about her (made when the message is sent)."""

    language: str
    rtl: bool = False


# ---- invites ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JoinByInvite:
    """Enrol her in what the invite ``code`` she arrived with points to (a course).

    Only ever emitted once she has consented; an unknown or inactive code does nothing.
    """

    code: str


class FeatureEffect:
    """Base of the effects a feature's own actions emit (attendance, feedback, …).

    The engine carries them like any other effect; the host writes each with the writer its
    feature registered for the type.
    """

    __slots__ = ()


Effect = (
    Reply
    | UpdateProfile
    | RecordConsent
    | WithdrawConsent
    | ForgetPerson
    | OptOut
    | OptIn
    | JoinOrganisation
    | RequestHuman
    | AnswerChosen
    | ScheduleTimeout
    | JoinByInvite
    | ShowMyData
    | SendMyDataExport
    | FeatureEffect
)
