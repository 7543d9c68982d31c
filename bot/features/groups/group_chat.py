"""Her groups in the chat: the list of groups near her, a group's card, joining, leaving,
handing the organiser role on, and an organiser's answer to a request.

The engine holds no database, so the flow keeps only which list she saw (``g_list``: ``near``
or ``mine``) and the number she typed (``g_pick``); a reply source reads the same list again
in the turn's own transaction, acts, and says what it did.  What she sees ("welcome", "you
left") is what is stored.  Other women are named by first name only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from bot.db.tables import group_members, people
from bot.features.groups import group_texts as t
from bot.features.groups import groups as service
from bot.features.groups import membership as m
from bot.settings import Settings
from bot.turns.effects import HostReply
from conversations import Turn
from conversations.events import FeatureEffect, Reply
from conversations.flow_engine import FlowEngine
from conversations.i18n import native_digits
from conversations.languages import Language
from conversations.texts import Text

if TYPE_CHECKING:
    from bot.turns.writer import Target

#: Working-data keys: the list she saw, the group's number in it, the woman's number.
LIST_KEY, PICK_KEY, TO_KEY = "g_list", "g_pick", "g_to"
NEAR, MINE = "near", "mine"


@dataclass(frozen=True, slots=True)
class GroupEffect(FeatureEffect):
    """Something about the group numbered ``pick`` in the list ``listed`` she saw."""

    language: str
    action: str
    listed: str = NEAR
    pick: int = 0
    to: int = 0


@dataclass(frozen=True, slots=True)
class AnswerRequest(FeatureEffect):
    """An organiser's answer to a request to join (``group_members`` row ``member_id``)."""

    language: str
    member_id: int
    accept: bool


def _data(turn: Turn) -> dict[str, Any]:
    return turn.conversation.data if turn.conversation else {}


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _effect(action: str) -> Any:
    def run(turn: Turn, args: Mapping[str, Any], _value: Any) -> None:
        data = _data(turn)
        if action == "list":
            data[LIST_KEY] = str(args.get("list") or NEAR)
        turn.effects.append(
            GroupEffect(
                turn.language.code,
                action,
                str(data.get(LIST_KEY) or NEAR),
                _number(data.get(PICK_KEY)),
                _number(data.get(TO_KEY)),
            )
        )

    run.__doc__ = f"The groups' hub: {action} (the host reads and writes)."
    return run


def _answer(accept: bool) -> Any:
    def run(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
        member = _number(_data(turn).get("v_member_id"))
        turn.effects.append(AnswerRequest(turn.language.code, member, accept))

    run.__doc__ = "An organiser answers a request to join."
    return run


class Words:
    """Renders the hub's texts in one language (her reply's)."""

    def __init__(self, engine: FlowEngine, code: str, default: str) -> None:
        table = engine.languages
        found = table.get(code) or table.get(table.master)
        assert found is not None
        self.language: Language = found
        self.catalogs = engine.catalogs
        self.default = default

    def say(self, text: Text, **values: object) -> str:
        """``text`` in her language with ``values`` filled (numbers in her digits)."""
        filled = {
            k: native_digits(str(v), self.language) if isinstance(v, int) else v
            for k, v in values.items()
        }
        return self.catalogs.fill(
            self.language, self.catalogs.translate(self.language, text), filled
        )

    def name(self, row: Any) -> str:
        """A group's name in her language."""
        return m.group_name(row, self.language.code, self.default)

    def text(self, texts: Any) -> str:
        """A per-language text of the group in her language."""
        return m.in_language(texts or {}, self.language.code, self.default)


class GroupReplies:
    """Answers the hub's effects: reads the lists, joins, leaves, hands on, answers."""

    handles: tuple[type, ...] = (GroupEffect, AnswerRequest)

    def __init__(self, engine: FlowEngine, _settings: Settings) -> None:
        self.engine = engine

    def replies(
        self, conn: Connection, effect: Any, target: Target, now: datetime
    ) -> Sequence[HostReply]:
        words = Words(self.engine, effect.language, target.organisation.info.default_language)
        if isinstance(effect, AnswerRequest):
            text = self.answer(conn, effect, target.person_id, words, now)
        else:
            text = self.act(conn, effect, target.person_id, words, now)
        return [HostReply(Reply(text, (), words.language.code, words.language.rtl))]

    @staticmethod
    def listed(conn: Connection, listed: str, person_id: int) -> list[Any]:
        """The list she saw, read again (same order)."""
        if listed == MINE:
            return service.hers(conn, person_id)
        return service.near_her(conn, person_id)

    def act(
        self, conn: Connection, effect: GroupEffect, person_id: int, words: Words, now: datetime
    ) -> str:
        rows = self.listed(conn, effect.listed, person_id)
        if effect.action == "list":
            return self.show_list(conn, rows, effect.listed, person_id, words)
        if not 1 <= effect.pick <= len(rows):
            return words.say(t.NO_SUCH)
        row = rows[effect.pick - 1]
        name = words.name(row)
        if effect.action == "show":
            return self.card(conn, row, person_id, words)
        if effect.action == "join":
            joined = service.join(conn, row.id, person_id, now)
            said = {
                "joined": t.JOINED,
                "asked": t.ASKED,
                "already": t.ALREADY,
                "waiting": t.WAITING,
            }.get(joined.outcome, t.CLOSED)
            return words.say(said, name=name)
        if effect.action == "leave":
            left = service.leave(conn, row.id, person_id, now)
            return words.say(t.LEFT, name=name) if left else words.say(t.NOT_MEMBER)
        if not m.is_organiser(conn, row.id, person_id):
            return words.say(t.NOT_ORGANISER)
        others = self.others(conn, row.id, person_id)
        if effect.action == "members":
            if not others:
                return words.say(t.NO_MEMBERS)
            lines = [
                words.say(t.MEMBER_LINE, number=i, name=service.first_name(o.display_name))
                for i, o in enumerate(others, start=1)
            ]
            return "\n".join([words.say(t.MEMBERS_HEAD, name=name), *lines])
        if not 1 <= effect.to <= len(others):
            return words.say(t.NOT_HANDED_ON)
        chosen = others[effect.to - 1]
        if not service.hand_on(conn, row.id, person_id, int(chosen.person_id), now):
            return words.say(t.NOT_HANDED_ON)
        return words.say(t.HANDED_ON, name=service.first_name(chosen.display_name), group=name)

    @staticmethod
    def others(conn: Connection, group_id: int, person_id: int) -> list[Any]:
        """The group's other active members, oldest first, with their names."""
        return list(
            conn.execute(
                select(group_members.c.person_id, people.c.display_name)
                .join(people, people.c.id == group_members.c.person_id)
                .where(
                    group_members.c.group_id == group_id,
                    group_members.c.status == m.ACTIVE,
                    group_members.c.person_id != person_id,
                )
                .order_by(group_members.c.joined_at, group_members.c.id)
            )
        )

    def show_list(
        self, conn: Connection, rows: list[Any], listed: str, person_id: int, words: Words
    ) -> str:
        if not rows:
            return words.say(t.NONE_MINE if listed == MINE else t.NONE_NEAR)
        mine = service.memberships(conn, person_id)
        lines = [words.say(t.MINE_HEAD if listed == MINE else t.LIST_HEAD)]
        for number, row in enumerate(rows, start=1):
            line = words.say(t.LINE, number=number, name=words.name(row), town=row.town or "–")
            lines.append(line + self.mark(mine.get(int(row.id)), words))
        return "\n".join(lines)

    @staticmethod
    def mark(member: Any, words: Words) -> str:
        if member is None:
            return ""
        if member.status == m.PENDING:
            return words.say(t.MARK_PENDING)
        if member.status != m.ACTIVE:
            return ""
        return words.say(t.MARK_ORGANISER if member.role == m.ORGANISER else t.MARK_MEMBER)

    def card(self, conn: Connection, row: Any, person_id: int, words: Words) -> str:
        lines = [
            words.say(
                t.CARD,
                name=words.name(row),
                description=words.text(row.description) or "–",
                town=row.town or "–",
                count=service.member_count(conn, row.id),
            )
        ]
        if row.children_welcome:
            lines.append(words.say(t.CARD_CHILDREN))
        if directions := words.text(row.directions):
            lines.append(words.say(t.CARD_DIRECTIONS, directions=directions))
        member = service.memberships(conn, person_id).get(int(row.id))
        if mark := self.mark(member, words):
            lines.append(mark.removeprefix(" – "))
        elif row.approval:
            lines.append(words.say(t.CARD_APPROVAL))
        return "\n".join(lines)

    @staticmethod
    def answer(
        conn: Connection, effect: AnswerRequest, person_id: int, words: Words, now: datetime
    ) -> str:
        row = service.answer_request(conn, effect.member_id, person_id, effect.accept, now)
        if row is None:
            return words.say(t.ANSWERED)
        name = conn.execute(
            select(people.c.display_name).where(people.c.id == row.person_id)
        ).scalar()
        group = words.name(service.group(conn, row.group_id))
        said = t.ACCEPTED if effect.accept else t.DECLINED
        return words.say(said, name=service.first_name(name), group=group)


def picked_group_id(conn: Connection, person_id: int, data: Mapping[str, Any]) -> int | None:
    """The id of the group she picked on her groups hub (``g_list``, ``g_pick`` in her working
    data), read again in the caller's transaction; ``None`` when there is none or the number no
    longer names a group.  For a host that needs the group behind "📅 Treffen vorschlagen"
    (the engine keeps no ids: see the module's docstring)."""
    rows = GroupReplies.listed(conn, str(data.get(LIST_KEY) or NEAR), person_id)
    pick = _number(data.get(PICK_KEY))
    return int(rows[pick - 1].id) if 1 <= pick <= len(rows) else None


def make_replies(engine: FlowEngine, settings: Settings) -> GroupReplies:
    """The reply source factory the part declares."""
    return GroupReplies(engine, settings)


ACTIONS = {
    "group_list": _effect("list"),
    "group_show": _effect("show"),
    "group_join": _effect("join"),
    "group_leave": _effect("leave"),
    "group_members": _effect("members"),
    "group_hand_on": _effect("hand_on"),
    "group_accept": _answer(True),
    "group_decline": _answer(False),
}
