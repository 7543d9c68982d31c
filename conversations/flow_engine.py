"""The flow engine: one event in, the new conversation state and a list of effects out.

Pure: no database, no network, no clock (``Context.now`` is given).  ``FlowEngine.handle`` walks
the
graph from the current node until it reaches a node that waits for her (a choice or an input) or
the end, collecting effects on the way.  Global commands are checked first, in every language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date, parse_date

from conversations import system_texts as st
from conversations.actions import ACTIONS, PENDING_INVITE, Action, invite_code, to_team
from conversations.commands import COMMANDS, Command, CommandMatcher
from conversations.consent import MESSAGES, PURPOSE_TEXTS
from conversations.events import (
    AnswerChosen,
    BackFromTeamIn,
    Button,
    ChoiceIn,
    Effect,
    Event,
    ForgetPerson,
    JoinByInvite,
    JoinOrganisation,
    MediaIn,
    Reply,
    ScheduleTimeout,
    StartIn,
    TextIn,
    TimeoutIn,
    TooFastIn,
    TriggerIn,
    UpdateProfile,
)
from conversations.i18n import Catalogs, format_day, native_digits, neutral_or
from conversations.languages import Language, LanguageTable
from conversations.matching import (
    clean_text,
    fold,
    has_letters,
    read_decimal,
    read_number,
    read_numbers,
)
from conversations.model import Context, Conversation, OrganisationInfo, Profile
from conversations.opening_hours import format_hours, format_opening
from conversations.spec import CORE_CHOICE_SOURCES, MAX_STEPS_PER_TURN, ActionCall, Flow, Node
from conversations.texts import Text, placeholders_of
from conversations.validate import ENGINE_TARGETS, node_text, validate_flows, validate_texts

ONBOARDING = "onboarding"
MAIN_MENU = "main.menu"
#: What she can still do after "Stopp": stop, see the privacy notice, see, export and delete
#: her data (her rights do not depend on getting messages).
OPTED_OUT_COMMANDS = frozenset({"stop", "delete", "privacy", "mydata", "export"})
#: Where her answers count after "Stopp": her data, and the question whether to delete it.
OPTED_OUT_NODES = frozenset({("main", "my_data"), ("main", "confirm_delete")})
#: Where "Start" leads after she opted out: the question about messages, asked again (her
#: "no" to messages otherwise stands until she asks for them in "my data"; a greeting is no
#: reason to ask again).
ASK_MESSAGES_AGAIN = "main.ask_messages"
#: Where she writes her question to the team: her text there is the question itself (the
#: flow thanks her), also while a conversation with the team is open.
TALK_TO_PERSON = ("main", "talk_to_person")
#: What still reaches the bot while she talks with the team: her rights, her language, the
#: menu.  A greeting ("Hallo") or "help" is meant for the person she writes to.
TEAM_COMMANDS = frozenset({"stop", "delete", "mydata", "export", "privacy", "language", "menu"})
#: What she may send the team besides text (a sticker, a location or a poll is not a message
#: a person needs to read).
TEAM_MEDIA = frozenset({"voice", "audio", "photo", "video", "document"})
DONE_OPTION = "done"
#: Where the organisation she chose is kept in the conversation (``save_as: organisation``).
CHOSEN_ORGANISATION = "organisation"
#: Where the country she chose is kept (``save_as: country``).
CHOSEN_COUNTRY = "country"


@dataclass(frozen=True, slots=True)
class Option:
    """A choice as offered at one node: static from the file, or built (languages, towns)."""

    id: str
    label: str
    value: Any
    next: str | None = None
    do: tuple[ActionCall, ...] = ()
    keys: tuple[str, ...] = ()
    if_consent: str | None = None
    unless_consent: str | None = None


ChoiceSource = Callable[["Turn", Node], list[Option]]
"""A feature's built choices (``choices_from: <name>``): the options offered at a node now,
from what the turn knows (her profile, the conversation's working data)."""


@dataclass(slots=True)
class Result:
    """What one event did: the state to store (``None``: nothing to keep) and the effects."""

    conversation: Conversation | None
    profile: Profile
    effects: list[Effect]

    @property
    def replies(self) -> list[Reply]:
        """Only the messages to send, in order."""
        return [e for e in self.effects if isinstance(e, Reply)]


class FlowEngine:
    """Runs validated flows.  Build one at start-up and share it: it holds no per-person state."""

    def __init__(
        self,
        flows: Mapping[str, Flow],
        catalogs: Catalogs,
        actions: Mapping[str, Action] | None = None,
        choice_sources: Mapping[str, ChoiceSource] | None = None,
        commands: Sequence[Command] = (),
    ) -> None:
        self.flows = dict(flows)
        self.catalogs = catalogs
        self.languages: LanguageTable = catalogs.languages
        self.actions = dict(actions if actions is not None else ACTIONS)
        self.choice_sources = dict(choice_sources or {})
        clash = set(self.choice_sources) & set(CORE_CHOICE_SOURCES)
        if clash:
            raise ValueError(f"choice sources {sorted(clash)} are the engine's own")

        validate_texts(st.ALL_SYSTEM_TEXTS, catalogs, "conversations/system_texts.py")
        validate_texts([c.keywords for c in COMMANDS], catalogs, "conversations/commands.py")
        validate_texts(PURPOSE_TEXTS, catalogs, "conversations/consent.py")
        validate_texts([c.keywords for c in commands], catalogs, "a feature's commands")
        self.feature_commands = tuple(commands)
        """The features' commands (``Feature.commands``), as given."""
        self.command_targets: dict[str, str] = {}
        """A feature's command → the node it leads to."""
        for command in commands:
            flow_id, _, node_id = (command.target or "").partition(".")
            flow = self.flows.get(flow_id)
            if flow is None or node_id not in flow.nodes:
                raise ValueError(f"command {command.id!r} leads to unknown {command.target!r}")
            if command.id in {c.id for c in COMMANDS} or command.id in self.command_targets:
                raise ValueError(f"command {command.id!r} is defined twice")
            self.command_targets[command.id] = command.target or ""
        self.commands = CommandMatcher(catalogs, tuple(commands))
        validate_flows(
            self.flows,
            catalogs,
            self.actions,
            engine_targets=(*ENGINE_TARGETS, *self.command_targets.values()),
            choice_sources=(*CORE_CHOICE_SOURCES, *self.choice_sources),
        )
        self._texts: dict[tuple[str, str, str], Text] = {}
        self._labels_for_field = self._index_profile_labels()
        self._options: dict[tuple[str, str, str], list[Option]] = {}
        self._uniform: dict[str, bool] = {}

    # ---- public -------------------------------------------------------------------------

    def handle(self, conversation: Conversation | None, event: Event, context: Context) -> Result:
        """Apply one event to one person's conversation."""
        turn = Turn(self, context, conversation.copy() if conversation else None)
        turn.run(event)
        return Result(None if turn.forgotten else turn.conversation, turn.profile, turn.effects)

    def node(self, flow_id: str, node_id: str) -> Node:
        """The node, or ``KeyError`` (stored states are checked against the loaded flows)."""
        return self.flows[flow_id].nodes[node_id]

    def text(self, flow_id: str, node_id: str, part: str, master: str) -> Text:
        """The catalog entry for a flow text; ``part`` is ``text``, ``done`` or a choice id."""
        key = (flow_id, node_id, part)
        text = self._texts.get(key)
        if text is None:
            if part == "text":
                text = node_text(self.flows[flow_id], self.flows[flow_id].nodes[node_id])
            else:
                text = Text(f"{flow_id}.{node_id}.{part}", master)
            self._texts[key] = text
        return text

    def is_uniform_trigger(self, target: str) -> bool:
        """Whether a trigger to ``target`` says the same to everyone who reads one language.

        True when the node waits for a choice from the flow file, runs no action, sets no
        timeout, and its text and labels use only the trigger's own values (``{v_…}``) in
        every language: then the message depends on nothing about her but her language, and
        the scheduler may run the engine once per language for a whole batch
        (``bot.turns.uniform``).
        """
        known = self._uniform.get(target)
        if known is not None:
            return known
        flow_id, node_id = target.split(".", 1)
        flow = self.flows.get(flow_id)
        node = flow.nodes.get(node_id) if flow else None
        uniform = (
            node is not None
            and node.type == "choice"
            and node.waits
            and node.text is not None
            and not node.do
            and not node.multiple
            and node.requires_consent is None
            and node.timeout is None
            and node.choices_from is None
            and not any(c.if_consent or c.unless_consent for c in node.choices)
        )
        if uniform:
            assert node is not None
            assert node.text is not None
            texts = [self.text(flow_id, node_id, "text", node.text)]
            texts += [self.text(flow_id, node_id, c.id, c.label) for c in node.choices]
            uniform = all(
                name.startswith("v_")
                for language in self.languages.languages
                for text in texts
                for name in placeholders_of(self.catalogs.translate(language, text))
            )
        self._uniform[target] = uniform
        return uniform

    def _index_profile_labels(self) -> dict[str, tuple[str, Node]]:
        """Which node asks for which profile field, so stored ids can be shown as labels."""
        index: dict[str, tuple[str, Node]] = {}
        for flow in self.flows.values():
            for node in flow.nodes.values():
                if node.save_as and node.save_as.startswith("profile.") and node.choices:
                    index.setdefault(node.save_as.removeprefix("profile."), (flow.id, node))
        return index

    def static_options(self, flow_id: str, node: Node, language: Language) -> list[Option]:
        """A node's choices from the flow file, translated; cached per node and language."""
        key = (flow_id, node.id, language.code)
        options = self._options.get(key)
        if options is None:
            options = []
            for choice in node.choices:
                text = self.text(flow_id, node.id, choice.id, choice.label)
                label = self.catalogs.translate(language, text)
                keys = (fold(choice.label), fold(label))
                options.append(
                    Option(
                        choice.id,
                        label,
                        choice.id,
                        choice.next,
                        choice.do,
                        keys,
                        choice.if_consent,
                        choice.unless_consent,
                    )
                )
            self._options[key] = options
        return options

    def field_label(self, language: Language, field_name: str, value: str) -> str:
        """A stored choice id (``childcare``) as the label she saw (``👶 Kinderbetreuung``)."""
        found = self._labels_for_field.get(field_name)
        if found:
            flow_id, node = found
            for choice in node.choices:
                if choice.id == value:
                    text = self.text(flow_id, node.id, choice.id, choice.label)
                    return self.catalogs.translate(language, text)
        return value


@dataclass(slots=True)
class Turn:
    """The work of one event: a scratch copy of the state plus the effects collected so far."""

    engine: FlowEngine
    context: Context
    conversation: Conversation | None
    profile: Profile = field(init=False)
    effects: list[Effect] = field(default_factory=list)
    forgotten: bool = False
    steps: int = 0
    _language: Language | None = None
    _language_for: str | None = None
    _organisation: OrganisationInfo | None = None

    def __post_init__(self) -> None:
        self.profile = self.context.profile.copy()

    # ---- her organisation ---------------------------------------------------------------

    @property
    def organisation(self) -> OrganisationInfo:
        """Her organisation: the one she chose in this turn, else the host's."""
        return self._organisation or self.context.organisation

    def region_options(self) -> tuple[OrganisationInfo, ...]:
        """The organisations she may still choose between where she lives: none once she
        chose, came with an invite code (it names hers) or consented, or when there is only
        one."""
        data = self.conversation.data if self.conversation else {}
        organisations = self.context.organisations
        if (
            len(organisations) < 2
            or self.profile.consented
            or CHOSEN_ORGANISATION in data
            or PENDING_INVITE in data
        ):
            return ()
        return organisations

    def join(self, organisation: OrganisationInfo) -> None:
        """She lives where ``organisation`` works: she belongs to it from now on."""
        self._organisation = organisation
        if self.conversation is not None:
            self.conversation.data[CHOSEN_ORGANISATION] = organisation.slug
        self.effects.append(JoinOrganisation(organisation.slug))

    def skipped(self, node: Node) -> bool:
        """Whether ``node`` is passed over now (``skip_if``, or a question about where she
        lives with nothing to choose)."""
        if node.skip_if == "language_offered":
            return self.organisation.offers(self.language.code)
        if node.skip_if == "mentor":
            return self.profile.role == "mentor"
        if node.skip_if == "participant":
            return self.profile.role != "mentor"
        if node.skip_if is not None and node.skip_if.startswith("empty:"):
            data = self.conversation.data if self.conversation else {}
            return not data.get(node.skip_if.removeprefix("empty:"))
        if node.choices_from in ("countries", "organisations"):
            return len(self.options(node)) < 2
        return False

    # ---- language and texts ---------------------------------------------------------------

    @property
    def language(self) -> Language:
        """Her language, else the platform's hint, else the organisation's, else the master."""
        if self._language is not None and self._language_for == self.profile.language:
            return self._language
        table = self.engine.languages
        self._language = (
            table.get(self.profile.language)
            or table.get(self.context.language_hint)
            or table.get(self.organisation.default_language)
            or table.get(table.master)
        )
        self._language_for = self.profile.language
        return self._language  # type: ignore[return-value]

    def value(self, name: str) -> object:
        """One placeholder value; computed only when a text asks for it."""
        org, profile, language = self.organisation, self.profile, self.language
        catalogs = self.engine.catalogs
        if name == "name":
            return profile.display_name or ""
        if name == "org":
            return org.name
        if name == "language_name":
            return language.name
        none = catalogs.translate(language, st.NOT_GIVEN)
        if name == "privacy_contact":
            return org.privacy_contact or none
        if name == "office_hours":
            if org.opening_hours:
                return native_digits(
                    format_hours(org.opening_hours, language.babel_locale), language
                )
            return org.office_hours or none
        if name == "next_opening":
            # Empty while the office is open or has no hours: the text's neutral variant
            # (without "we read it from …") is shown then.
            hours, now = org.opening_hours, self.context.now
            if not hours or hours.is_open(org.timezone, now):
                return ""
            opening = hours.next_opening(org.timezone, now)
            if opening is None:
                return ""
            return native_digits(format_opening(opening, language.babel_locale), language)
        if name == "town":
            return (
                profile.town and self.engine.field_label(language, "town", profile.town)
            ) or none
        if name in ("interests", "attend_help"):
            separator = catalogs.translate(language, st.LIST_SEPARATOR)
            items = getattr(profile, name)
            return (
                separator.join(self.engine.field_label(language, name, i) for i in items) or none
            )
        if name == "consent_date":
            if profile.consent_given_at is None:
                return none
            return format_day(profile.consent_given_at, language, org.timezone)
        if self.conversation and name in self.conversation.data:
            return self.conversation.data[name]
        return ""

    def render(self, text: Text, extra: Mapping[str, object] | None = None) -> str:
        """The text in her language with its placeholders filled (``Catalogs.render``)."""
        catalogs = self.engine.catalogs
        translated = catalogs.translate(self.language, text)
        if "{" not in translated:
            return translated
        values = dict(extra or {})
        for name in text.placeholders | placeholders_of(translated):
            if name not in values:
                values[name] = self.value(name)
        chosen = neutral_or(text, values)
        if chosen is not text:  # a value the text needs is empty: its neutral variant
            translated = catalogs.translate(self.language, chosen)
        return catalogs.fill(self.language, translated, values)

    def say(self, text: Text, buttons: tuple[Button, ...] = (), **extra: object) -> None:
        """Queue a message in her language."""
        language = self.language
        self.effects.append(Reply(self.render(text, extra), buttons, language.code, language.rtl))

    # ---- the turn -------------------------------------------------------------------------

    def run(self, event: Event) -> None:
        """Dispatch one event."""
        if isinstance(event, TooFastIn):  # her message was not read: say so, change nothing
            self.say(st.SLOW_DOWN)
        elif isinstance(event, BackFromTeamIn):
            self.back_from_team(event.tell)
        elif isinstance(event, TextIn):
            text = clean_text(event.text)
            command = self.engine.commands.match(text) if text else None
            if command and self.with_team() and command[0] not in TEAM_COMMANDS:
                command = None  # meant for the person she writes to
            if command and command[0] in self.engine.command_targets and self.offered(text):
                command = None  # the question she is at offers this answer: it comes first
            if command:
                self.command(*command)
            elif self.with_team() and text:
                to_team(self, text)  # a person reads it; the bot says nothing
            elif self.profile.status == "opted_out" and not self.confirming_deletion():
                self.say(st.OPTED_OUT_HINT)
            elif self.conversation is None:
                self.restart()
            else:
                self.answer_text(text)
        elif isinstance(event, StartIn):
            self.command("start", event.code)
        elif (
            self.profile.status == "opted_out"
            and not isinstance(event, TimeoutIn | TriggerIn)
            and not self.confirming_deletion()
        ):
            self.say(st.OPTED_OUT_HINT)
        elif isinstance(event, ChoiceIn):
            if self.conversation is None:
                self.restart()
            else:
                self.answer_choice(event.choice_id)
        elif isinstance(event, MediaIn):
            if self.signed_up() and event.kind in TEAM_MEDIA:
                with_team = self.profile.with_team_since is not None
                to_team(self, "", "media", event.kind)
                if not with_team:  # while she talks with the team, the bot stays silent
                    self.say(st.MEDIA_TO_TEAM)
            else:
                self.say(st.MEDIA_UNSUPPORTED)
                self.repeat_current()
        elif isinstance(event, TimeoutIn):
            self.timeout(event)
        elif (
            isinstance(event, TriggerIn)
            and self.profile.status != "opted_out"
            and self.profile.consented
            and MESSAGES in self.profile.consents  # the bot writes first: only with consent
        ):
            if self.conversation is None:
                flow, node = MAIN_MENU.split(".")
                self.conversation = Conversation(flow, node)
            self.conversation.data.update({f"v_{k}": v for k, v in event.values.items()})
            self.goto(event.target)

    def offered(self, text: str) -> bool:
        """Whether the question she is at offers ``text`` as one of its answers (a button
        "🔚 Beenden" in a relayed chat is that chat's own, before a feature's command)."""
        node = self.current_node()
        if node is None or not node.waits:
            return False
        key = fold(text)
        return any(key and key in (fold(o.label), *o.keys) for o in self.options(node))

    def with_team(self) -> bool:
        """Whether her text goes to the team: a conversation with a person is open and she is
        not answering the question "what would you like to ask the team" (its flow thanks her)."""
        conversation = self.conversation
        return (
            self.profile.with_team_since is not None
            and self.signed_up()
            and (conversation is None or (conversation.flow, conversation.node) != TALK_TO_PERSON)
        )

    def signed_up(self) -> bool:
        """She consented and finished onboarding: what she sends may go to the team (before
        that her answers belong to the questions of onboarding)."""
        conversation = self.conversation
        return self.profile.consented and (conversation is None or conversation.flow != ONBOARDING)

    def back_from_team(self, tell: bool = True) -> None:
        """The team closed her conversation with a person: say so, then the menu (or, when
        she cannot be written to now, park her at the menu without a word)."""
        self.profile.with_team_since = None
        if not self.profile.consented:
            return
        if not tell:
            flow, node = MAIN_MENU.split(".")
            visit = self.conversation.visit + 1 if self.conversation else 1
            data = self.conversation.data if self.conversation else {}
            self.conversation = Conversation(flow, node, visit, data)
            return
        self.say(st.BACK_WITH_BOT)
        self.goto(MAIN_MENU)

    def confirming_deletion(self) -> bool:
        """She is looking at her data or asked to delete everything: her answer counts even
        after she opted out (her rights do not depend on getting messages)."""
        conversation = self.conversation
        return (
            conversation is not None and (conversation.flow, conversation.node) in OPTED_OUT_NODES
        )

    def current_node(self) -> Node | None:
        """The node she is at, or ``None`` if her stored state names a node that is gone."""
        if self.conversation is None:
            return None
        try:
            return self.engine.node(self.conversation.flow, self.conversation.node)
        except KeyError:
            return None

    def repeat_current(self) -> None:
        """Ask the current question again (after help, a media message, an old button)."""
        node = self.current_node()
        if node is None:
            self.restart()
        elif node.waits:
            self.prompt(node)

    def restart(self) -> None:
        """Begin again where it makes sense: the menu if she is signed up, else onboarding."""
        if self.profile.consented:
            self.goto(MAIN_MENU)
        else:
            self.goto(f"{ONBOARDING}.{self.engine.flows[ONBOARDING].start}")

    # ---- global commands ------------------------------------------------------------------

    def command(self, name: str, argument: str | None) -> None:
        """Run a global command; most jump to a node, some only talk."""
        consented = self.profile.consented
        if name == "start":
            if self.profile.status == "opted_out":
                self.run_action(ActionCall("opt_in"), None)
                self.say(st.OPTED_IN)
                # Messages resume only once she says yes to them again; someone who never
                # agreed to the privacy notice (a platform's opt-out) starts from its beginning.
                self.goto(ASK_MESSAGES_AGAIN if consented else f"{ONBOARDING}.choose_language")
            elif consented:
                self.say(st.WELCOME_BACK)
                self.goto(MAIN_MENU)
            else:
                self.goto(f"{ONBOARDING}.{self.engine.flows[ONBOARDING].start}")
            code = invite_code(argument)
            if code:  # an invite code: join now, or keep it until she consents
                if consented:
                    self.effects.append(JoinByInvite(code))
                elif self.conversation is not None:
                    self.conversation.data[PENDING_INVITE] = code
            return
        if self.profile.status == "opted_out" and name not in OPTED_OUT_COMMANDS:
            self.say(st.OPTED_OUT_HINT)
            return
        feature_target = self.engine.command_targets.get(name)
        if feature_target is not None:
            if consented and self.signed_up():
                self.goto(feature_target)
            else:
                self.say(st.FINISH_ONBOARDING_FIRST if not consented else st.NOT_UNDERSTOOD)
                self.repeat_current()
            return
        if name == "stop":
            if consented:
                self.goto("main.stopped")
            else:
                self.effects.append(ForgetPerson())
                self.forgotten = True
                self.say(st.STOPPED_NOTHING_STORED)
            return
        if name == "privacy":
            self.say(st.PRIVACY_NOTICE)
            self.repeat_current()
            return
        if name == "help":
            self.say(st.HELP)
            self.repeat_current()
            return
        if name == "language":
            self.goto("main.change_language" if consented else f"{ONBOARDING}.choose_language")
            return
        if not consented:
            messages = {
                "human": st.HUMAN_BEFORE_CONSENT,
                "mydata": st.NOTHING_STORED,
                "export": st.NOTHING_STORED,
                "delete": st.NOTHING_STORED,
                "menu": st.FINISH_ONBOARDING_FIRST,
            }
            self.say(messages[name])
            self.repeat_current()
            return
        targets = {
            "menu": MAIN_MENU,
            "human": "main.talk_to_person",
            "mydata": "main.my_data",
            "export": "main.export",
            "delete": "main.confirm_delete",
        }
        self.goto(targets[name])

    # ---- moving through the graph ---------------------------------------------------------

    def goto(self, target: str) -> None:
        """Enter ``target`` (``flow.node``) and keep going until a node waits or the flow ends."""
        flow_id, node_id = target.split(".", 1)
        while not self.forgotten:
            self.steps += 1
            if self.steps > MAX_STEPS_PER_TURN:
                raise RuntimeError(f"flow loop: more than {MAX_STEPS_PER_TURN} steps at {target}")
            node = self.engine.node(flow_id, node_id)
            if node.requires_consent and node.requires_consent not in self.profile.consents:
                # Not agreed yet: ask first; the question's "yes" leads back here.
                flow_id, node_id = self.engine.flows[flow_id].resolve(node.consent_question)
                continue
            visit = (self.conversation.visit + 1) if self.conversation else 1
            data = self.conversation.data if self.conversation else {}
            self.conversation = Conversation(flow_id, node_id, visit, data)
            if self.skipped(node):
                assert node.next is not None  # validated: a skippable node has a 'next'
                single = self.options(node) if node.choices_from == "organisations" else []
                if len(single) == 1:  # one organisation in the country she chose: hers
                    self.save(node, single[0].value)
                flow_id, node_id = self.engine.flows[flow_id].resolve(node.skip_to or node.next)
                continue
            for call in node.do:
                self.run_action(call, None)
            if self.forgotten and node.text:
                self.say(self.engine.text(flow_id, node_id, "text", node.text))
                return
            if node.waits:
                self.prompt(node)
                if node.timeout:
                    due = self.context.now + timedelta(seconds=node.timeout.seconds)
                    self.effects.append(ScheduleTimeout(flow_id, node_id, visit, due))
                return
            if node.text:
                self.say(self.engine.text(flow_id, node_id, "text", node.text))
            if node.type == "end" or node.next is None:
                # The flow is over: park her at the menu without asking anything, so her next
                # message is read as a menu answer (or re-prompted with the menu).
                menu_flow, menu_node = MAIN_MENU.split(".")
                self.conversation = Conversation(menu_flow, menu_node, visit, data)
                return
            flow_id, node_id = self.engine.flows[flow_id].resolve(node.next)

    def follow(self, node: Node, explicit: str | None) -> None:
        """Leave ``node`` by ``explicit`` (a choice's own target) or the node's ``next``."""
        assert self.conversation is not None
        target = explicit or node.next
        if target is None:  # validation guarantees a target; stay put if a test flow has none
            return
        flow_id, node_id = self.engine.flows[self.conversation.flow].resolve(target)
        self.goto(f"{flow_id}.{node_id}")

    def run_action(self, call: ActionCall, value: Any) -> None:
        """Call a registered action (validated to exist at load)."""
        self.engine.actions[call.name](self, call.args, value)

    def timeout(self, event: TimeoutIn) -> None:
        """A wait ran out: move on only if she is still at that very visit of the node."""
        conversation = self.conversation
        if conversation is None or (conversation.flow, conversation.node, conversation.visit) != (
            event.flow,
            event.node,
            event.visit,
        ):
            return
        node = self.current_node()
        if node and node.timeout and self.profile.status != "opted_out":
            self.follow(node, node.timeout.next)

    # ---- asking ---------------------------------------------------------------------------

    def options(self, node: Node) -> list[Option]:
        """The answers offered at ``node`` right now."""
        assert self.conversation is not None
        flow_id = self.conversation.flow
        options: list[Option] = []
        if node.choices_from == "languages":
            for lang in self.offered_languages():
                options.append(Option(lang.code, lang.name, lang.code, keys=(lang.code,)))
        elif node.choices_from == "towns":
            for index, town in enumerate(self.organisation.towns):
                options.append(Option(f"t{index}", town, town))
        elif node.choices_from == "countries":
            options.extend(self.country_options())
        elif node.choices_from == "organisations":
            country = self.conversation.data.get(CHOSEN_COUNTRY)
            for org in self.region_options():
                if country is None or org.country == country:
                    label = org.district or org.name
                    options.append(Option(org.slug, label, org.slug, keys=(fold(org.name),)))
        elif node.choices_from is not None:
            options.extend(self.engine.choice_sources[node.choices_from](self, node))
        consents = self.profile.consents
        options.extend(
            option
            for option in self.engine.static_options(flow_id, node, self.language)
            if (option.if_consent is None or option.if_consent in consents)
            and (option.unless_consent is None or option.unless_consent not in consents)
        )
        return options

    def offered_languages(self) -> tuple[Language, ...]:
        """The language menu: what her organisation offers; while she has still to say where
        she lives, what any of the organisations offers."""
        menu = self.engine.languages.menu
        choices = self.region_options() or (self.organisation,)
        if any(not org.languages for org in choices):
            return menu
        offered = {code for org in choices for code in org.languages}
        return tuple(lang for lang in menu if lang.code in offered) or menu

    def country_options(self) -> list[Option]:
        """The countries of the organisations she may choose, named in her language."""
        codes = sorted({org.country for org in self.region_options() if org.country})
        territories = self.language.babel_locale.territories
        return [
            Option(
                code.lower(),
                f"{_flag(code)} {territories.get(code, code)}",
                code,
                keys=(code.lower(), fold(territories.get(code, code))),
            )
            for code in codes
        ]

    def done_option(self, node: Node) -> Option:
        """The "finished" answer of a multiple-choice node."""
        assert self.conversation is not None
        master = node.done_label or "➡️"
        text = self.engine.text(self.conversation.flow, node.id, "done", master)
        label = self.engine.catalogs.translate(self.language, text)
        return Option(DONE_OPTION, label, None, keys=(fold(master),))

    def buttons(self, node: Node) -> tuple[Button, ...]:
        """The options as buttons; a multiple choice marks what is already selected."""
        assert self.conversation is not None
        prefix = f"{self.conversation.flow}.{node.id}:"
        if node.type == "input":
            return tuple(Button(prefix + o.id, o.label) for o in self.options(node))
        selected = set(self.selection(node)) if node.multiple else set()
        buttons = [
            Button(prefix + o.id, f"✅ {o.label}" if o.id in selected else o.label)
            for o in self.options(node)
        ]
        if node.multiple:
            done = self.done_option(node)
            buttons.append(Button(prefix + done.id, done.label))
        return tuple(buttons)

    def prompt(self, node: Node) -> None:
        """Ask the node's question with its buttons."""
        assert self.conversation is not None
        assert node.text is not None
        self.say(
            self.engine.text(self.conversation.flow, node.id, "text", node.text),
            self.buttons(node),
        )

    def reprompt(self, node: Node, reason: Text, **values: object) -> None:
        """Say briefly what was wrong and offer the same answers again."""
        self.say(reason, self.buttons(node), **values)

    # ---- answering ------------------------------------------------------------------------

    def answer_choice(self, choice_id: str) -> None:
        """She pressed a button."""
        node = self.current_node()
        if node is None:
            self.restart()
            return
        assert self.conversation is not None
        prefix = f"{self.conversation.flow}.{node.id}:"
        if not choice_id.startswith(prefix) or not node.waits:
            self.say(st.OLD_BUTTON)
            self.repeat_current()
            return
        wanted = choice_id.removeprefix(prefix)
        if node.multiple and wanted == DONE_OPTION:
            self.finish_multiple(node)
            return
        for option in self.options(node):
            if option.id == wanted:
                self.choose(node, [option])
                return
        self.say(st.OLD_BUTTON)
        self.repeat_current()

    def answer_text(self, text: str) -> None:
        """She wrote something while a node waits."""
        node = self.current_node()
        if node is None:
            self.restart()
            return
        if not node.waits:
            self.repeat_current()
            return
        if node.type == "input":
            self.answer_input(node, text)
            return
        options = self.options(node)
        if node.multiple:
            done = self.done_option(node)
            picked = self.match_several(text, [*options, done])
            if picked and any(o.id == DONE_OPTION for o in picked):
                self.choose(node, [o for o in picked if o.id != DONE_OPTION], silent=True)
                self.finish_multiple(node)
                return
        else:
            one = self.match_one(text, options)
            picked = [one] if one else []
        if picked:
            self.choose(node, picked)
        else:
            self.reprompt(node, st.NOT_UNDERSTOOD)

    def match_one(self, text: str, options: list[Option]) -> Option | None:
        """The option she means by ``text``: its number, its words, or its value."""
        number = read_number(text)
        if number is not None:
            return options[number - 1] if 1 <= number <= len(options) else None
        key = fold(text)
        if not key:
            return None
        for option in options:
            if key in option.keys or key == fold(option.label) or key == fold(str(option.value)):
                return option
        for lang in self.engine.languages.languages:  # "Українська" on an English menu, too
            for option in options:
                if option.value == lang.code and key in (fold(lang.name), lang.code):
                    return option
        return None

    def match_several(self, text: str, options: list[Option]) -> list[Option]:
        """Options named in a list such as ``1, 3`` or ``Kurs, Arbeit``; empty if one fails."""
        numbers = read_numbers(text)
        if numbers is not None:
            if all(1 <= n <= len(options) for n in numbers):
                return [options[n - 1] for n in numbers]
            return []
        one = self.match_one(text, options)
        if one:
            return [one]
        parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
        if len(parts) < 2:
            return []
        found = [self.match_one(part, options) for part in parts]
        return [o for o in found if o] if all(found) else []

    def choose(self, node: Node, picked: list[Option], silent: bool = False) -> None:
        """Apply the picked option(s): toggle on a multiple choice, else save and move on."""
        assert self.conversation is not None
        if node.multiple:
            selection = self.selection(node)
            for option in picked:
                if option.id in selection:
                    selection.remove(option.id)
                else:
                    selection.append(option.id)
            self.conversation.data[self.selection_key(node)] = selection
            if not silent:
                self.confirm_selection(node)
            return
        option = picked[0]
        self.save(node, option.value)
        self.keep_answer(node, (option.id,))
        for call in option.do:
            self.run_action(call, option.value)
            if self.forgotten:
                return
        self.follow(node, option.next)

    def keep_answer(self, node: Node, answers: tuple[str, ...]) -> None:
        """Her answer to a choice question, as choice ids, for the flow results."""
        assert self.conversation is not None
        if node.type == "choice" and node.results:
            self.effects.append(AnswerChosen(self.conversation.flow, node.id, answers))

    def selection_key(self, node: Node) -> str:
        """Where the ticked options of a multiple-choice node are kept meanwhile."""
        assert self.conversation is not None
        return f"sel.{self.conversation.flow}.{node.id}"

    def selection(self, node: Node) -> list[str]:
        """The options ticked so far."""
        assert self.conversation is not None
        return list(self.conversation.data.get(self.selection_key(node), []))

    def confirm_selection(self, node: Node) -> None:
        """Show what is ticked and how to finish."""
        chosen = [o.label for o in self.options(node) if o.id in self.selection(node)]
        done = self.done_option(node).label
        if chosen:
            separator = self.engine.catalogs.translate(self.language, st.LIST_SEPARATOR)
            self.reprompt(node, st.MULTI_SELECTED, selected=separator.join(chosen), done=done)
        else:
            self.reprompt(node, st.MULTI_NONE, done=done)

    def finish_multiple(self, node: Node) -> None:
        """She pressed "done": save the ticked options and move on."""
        assert self.conversation is not None
        selection = self.selection(node)
        self.conversation.data.pop(self.selection_key(node), None)
        self.save(node, selection)
        self.keep_answer(node, tuple(selection))
        self.follow(node, None)

    def answer_input(self, node: Node, text: str) -> None:
        """Validate free text, then save it and move on, or say what we need instead."""
        for option in self.options(node):
            if fold(text) and fold(text) in (fold(option.label), *option.keys):
                self.choose(node, [option])
                return
        value, problem = self.check(node, text)
        if problem is not None:
            reason, values = problem
            self.reprompt(node, reason, **values)
            return
        self.save(node, value)
        for call in node.do_after:
            self.run_action(call, value)
        if node.listen:  # she stays and goes on writing; nothing is asked again
            return
        self.follow(node, None)

    def check(self, node: Node, text: str) -> tuple[Any, tuple[Text, dict[str, object]] | None]:
        """The validated value, or ``(None, (why, placeholder values))``."""
        rule = node.validate
        if not text:
            return None, (st.INPUT_EMPTY, {})
        if rule is None:
            return text, None
        if rule.type == "text":
            if len(text) > rule.max_length:
                return None, (st.INPUT_TOO_LONG, {"max": rule.max_length})
            if len(text) < rule.min_length:
                return None, (st.INPUT_TOO_SHORT, {"min": rule.min_length})
            if rule.letters and not has_letters(text):
                return None, (st.INPUT_NEEDS_LETTERS, {})
            return " ".join(text.split()) if rule.letters else text, None
        if rule.type == "number":
            number = read_decimal(text)
            if number is None:
                return None, (st.INPUT_NUMBER, {})
            low, high = rule.minimum, rule.maximum
            if (low is not None and number < low) or (high is not None and number > high):
                return None, (st.INPUT_NUMBER_RANGE, {"min": low, "max": high})
            return (int(number) if number.is_integer() else number), None
        if rule.type == "date":
            parsed = self.parse_day(text)
            if parsed is None:
                example = format_date(
                    date(2026, 12, 24), "short", locale=self.language.babel_locale
                )
                return None, (st.INPUT_DATE, {"example": example})
            return parsed.isoformat(), None
        folded = {fold(o): o for o in rule.options}
        if fold(text) in folded:
            return folded[fold(text)], None
        return None, (st.INPUT_ONE_OF, {"options": ", ".join(rule.options)})

    def parse_day(self, text: str) -> date | None:
        """A date in ISO form or the way her locale writes it."""
        digits = "".join(
            str(d) if (d := unicodedata.digit(c, None)) is not None else c for c in text.strip()
        )
        try:
            return date.fromisoformat(digits)
        except ValueError:
            pass
        for locale in (self.language.babel_locale, "de_DE"):
            try:
                return parse_date(digits, locale=locale)
            except (ValueError, IndexError):
                continue
        return None

    def save(self, node: Node, value: Any) -> None:
        """Store an answer where the node says: her profile or the flow's working data."""
        assert self.conversation is not None
        if not node.save_as:
            return
        if node.save_as == CHOSEN_ORGANISATION:
            for organisation in self.region_options():
                if organisation.slug == value:
                    self.join(organisation)
        elif node.save_as.startswith("profile."):
            name = node.save_as.removeprefix("profile.")
            setattr(self.profile, name, value)
            self.effects.append(UpdateProfile({name: value}))
        else:
            self.conversation.data[node.save_as] = value


def _flag(country: str) -> str:
    """The flag emoji of an ISO 3166 code (two regional indicator letters)."""
    if len(country) != 2 or not country.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in country.upper())
