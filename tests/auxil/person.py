"""One participant on any channel, with one small API, so that a test can run on every channel.

:class:`Person` plays her: she ``say``\\ s a text or ``press``\\ es a button (by its label, or by
its choice id where the channel carries one), and the test reads what her phone shows after the
bot answered: :meth:`Person.last_texts` (the bot's last answer) and :meth:`Person.buttons` (the
labels she can choose from).  Every call returns only when the bot's answer is on her phone.

* ``simulator``: the simulator's JSON API (:class:`tests.auxil.simulator.Simulator`);
* ``telegram``: the bot in webhook mode in-process; her messages and presses are posted to
  ``/webhooks/telegram`` with the secret header, exactly as Telegram posts them; the dispatcher
  sends the answers with the real python-telegram-bot ``Bot`` to the npm stand-in
  (``telegram-test-api``, behind :class:`~tests.auxil.telegram.FixingProxy`), and she reads
  them through the stand-in's client API (:class:`~tests.auxil.telegram.TelegramUser`);
* ``whatsapp``: signed Twilio webhook forms in, the real ``twilio`` client out through
  :class:`~tests.auxil.twilio.TwilioStandIn` to Prism (:class:`~tests.auxil.whatsapp.WhatsAppPhone`).
  A menu of more than three choices is a numbered text there: :meth:`Person.buttons` lists its
  labels and pressing one types its number, as she would.

:func:`on_channel` builds the bot with one channel and its peers and yields a :class:`Line`:
its ``runtime`` (for what is stored) and :meth:`Line.person` to make participants.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.channels.telegram import render as telegram_render
from bot.channels.telegram.webhook import SECRET_HEADER
from bot.channels.whatsapp.render import KEYCAPS
from bot.db.migrate import upgrade
from bot.db.models import ChannelIdentity
from bot.db.models import Person as PersonRow
from bot.demo import load_demo
from bot.identity import lookup_key
from bot.runtime import Runtime, build_runtime
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock, wall_now
from tests.auxil.constants import TEST_SECRET
from tests.auxil.runtimes import make_runtime
from tests.auxil.simulator import Simulator
from tests.auxil.telegram import (
    WEBHOOK_SECRET,
    FixingProxy,
    Received,
    StandIn,
    TelegramUser,
    webhook_settings,
)
from tests.auxil.twilio import Sent, TwilioStandIn
from tests.auxil.whatsapp import QUICK_2, QUICK_3, WhatsAppPhone, shown, whatsapp_runtime

CHANNELS = ("simulator", "telegram", "whatsapp")

_KEYCAP_DIGITS = {cap: str(digit) for digit, cap in enumerate(KEYCAPS)}
_KEYCAP = re.compile("|".join(map(re.escape, KEYCAPS)))
_NUMBERED = re.compile(rf"^((?:{_KEYCAP.pattern})+) (.+)$")


@dataclass
class Seen:
    """One message on her phone: its text and the choices it offers (label, choice id or
    ``None`` where the channel does not show one, how to choose it)."""

    text: str
    choices: list[tuple[str, str | None]] = field(default_factory=list)
    ref: Any = None
    """The channel's own record of the message (Telegram: the stand-in's message)."""

    @property
    def labels(self) -> list[str]:
        return [label for label, _ in self.choices]


class Person:
    """One participant on one channel (see the module docstring)."""

    channel: str

    def __init__(self, runtime: Runtime, address: str) -> None:
        self.runtime = runtime
        self.address = address
        """Her address on the channel, as the bot keys her identity."""
        self.last: list[Seen] = []
        self.transcript: list[str] = []

    # ---- what she does ------------------------------------------------------------------

    def say(self, text: str) -> list[Seen]:
        """She writes ``text`` (``/start`` and other commands included); the bot's answer."""
        self.transcript.append(f"she: {text}")
        return self._seen(self._say(text))

    def press(self, label_or_choice_id: str) -> list[Seen]:
        """She chooses an option of the newest message that offers it; the bot's answer."""
        for message in reversed(self.last):
            for label, choice_id in message.choices:
                if label_or_choice_id in (label, choice_id):
                    self.transcript.append(f"she: [{label}]")
                    return self._seen(self._press(message, label, choice_id))
        raise AssertionError(f"no choice {label_or_choice_id!r} in {self.last}")

    # ---- what she sees ------------------------------------------------------------------

    def last_texts(self) -> list[str]:
        """The texts of the bot's last answer."""
        return [m.text for m in self.last]

    def buttons(self) -> list[str]:
        """The labels of the newest message of the last answer that offers choices."""
        for message in reversed(self.last):
            if message.choices:
                return message.labels
        return []

    # ---- what is stored -----------------------------------------------------------------

    def stored(self) -> dict[str, Any]:
        """Her row in ``people`` (found through her identity on this channel)."""
        identities = ChannelIdentity.__table__
        people = PersonRow.__table__
        key = lookup_key(self.runtime.settings.secret_key, self.channel, self.address)
        with self.runtime.db.connect() as conn:
            row = (
                conn.execute(
                    select(people)
                    .join(identities, identities.c.person_id == people.c.id)
                    .where(identities.c.channel == self.channel, identities.c.lookup_key == key)
                )
                .mappings()
                .one()
            )
        return dict(row)

    # ---- per channel --------------------------------------------------------------------

    def _seen(self, new: list[Seen]) -> list[Seen]:
        if new:
            self.last = new
        for message in new:
            buttons = "  ".join(f"[{label}]" for label in message.labels)
            self.transcript.append(
                f"bot: {message.text}" + (f"\n     {buttons}" if buttons else "")
            )
        return new

    def _say(self, text: str) -> list[Seen]:
        raise NotImplementedError

    def _press(self, message: Seen, label: str, choice_id: str | None) -> list[Seen]:
        raise NotImplementedError


class SimulatorPerson(Person):
    channel = "simulator"

    def __init__(self, runtime: Runtime, client: TestClient, user: str) -> None:
        super().__init__(runtime, user)
        self.sim = Simulator(client, user)

    @staticmethod
    def _convert(replies: list[dict[str, Any]]) -> list[Seen]:
        return [Seen(r["text"], [(c["label"], c["id"]) for c in r["choices"]]) for r in replies]

    def _say(self, text: str) -> list[Seen]:
        return self._convert(self.sim.send(text))

    def _press(self, message: Seen, label: str, choice_id: str | None) -> list[Seen]:
        assert choice_id is not None
        return self._convert(self.sim._post({"user": self.sim.user, "choice": choice_id}))


class TelegramPerson(Person):
    channel = "telegram"

    def __init__(
        self,
        runtime: Runtime,
        client: TestClient,
        proxy: FixingProxy,
        user: TelegramUser,
        updates: Iterator[int],
    ) -> None:
        super().__init__(runtime, str(user.user["id"]))
        self.client = client
        self.proxy = proxy
        self.user = user
        self.updates = updates
        self.delivered = 0

    def _post(self, update: dict[str, Any]) -> list[Seen]:
        response = self.client.post(
            "/webhooks/telegram", json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}
        )
        assert response.status_code == 200, response.text
        return self._deliver()

    def _deliver(self) -> list[Seen]:
        """Let the dispatcher send what is due, then read it on her phone (the stand-in)."""
        portal = self.client.portal
        assert portal is not None, "use the TestClient as a context manager"
        while portal.call(self.runtime.dispatcher.dispatch):
            pass
        to_her = [
            c
            for c in self.proxy.calls_of("sendMessage")
            if str(c.params.get("chat_id")) == self.address and c.status == 200
        ]
        count, self.delivered = len(to_her) - self.delivered, len(to_her)
        return [
            Seen(
                message.text,
                [(b["text"], self._choice_id(b["callback_data"])) for b in message.buttons],
                ref=message,
            )
            for message in (self.user.receive(count) if count else [])
        ]

    @staticmethod
    def _choice_id(data: str) -> str | None:
        """The choice id a button's data stands for, where it is the id itself."""
        prefixes = (telegram_render.HASH_PREFIX, telegram_render.PAGE_PREFIX)
        return None if data.startswith(prefixes) or data == telegram_render.NO_OP else data

    def _message(self) -> dict[str, Any]:
        return {
            "date": int(self.runtime.clock().timestamp()),
            "chat": self.user.chat,
            "from": self.user.user,
        }

    def _say(self, text: str) -> list[Seen]:
        number = next(self.updates)
        message = {"message_id": 500_000 + number, **self._message(), "text": text}
        if text.startswith("/"):
            length = len(text.split(" ", 1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._post({"update_id": number, "message": message})

    def _press(self, message: Seen, label: str, choice_id: str | None) -> list[Seen]:
        received: Received = message.ref
        [data] = [b["callback_data"] for b in received.buttons if b["text"] == label][:1]
        number = next(self.updates)
        shown_message = {
            "message_id": received.message_id,
            **self._message(),
            "text": received.text,
            "reply_markup": {"inline_keyboard": [received.buttons]},
        }
        query = {
            "id": str(number),
            "from": self.user.user,
            "chat_instance": self.address,
            "data": data,
            "message": shown_message,
        }
        return self._post({"update_id": number, "callback_query": query})


class WhatsAppPerson(Person):
    channel = "whatsapp"

    def __init__(self, phone: WhatsAppPhone) -> None:
        super().__init__(phone.runtime, phone.address)
        self.phone = phone

    @staticmethod
    def _convert(sent: list[Sent]) -> list[Seen]:
        seen = []
        for message in sent:
            variables = message.variables
            if message.form.get("ContentSid") in (QUICK_2, QUICK_3):
                keys = sorted(int(k) for k in variables if int(k) > 1 and int(k) % 2 == 0)
                choices: list[tuple[str, str | None]] = [
                    (variables[str(k)], variables[str(k + 1)]) for k in keys
                ]
                seen.append(Seen(variables["1"], choices))
                continue
            text = shown(message)
            numbered = [m for line in text.splitlines() if (m := _NUMBERED.match(line))]
            numbers = {
                m[2]: "".join(_KEYCAP_DIGITS[c] for c in _KEYCAP.findall(m[1])) for m in numbered
            }
            seen.append(Seen(text, [(m[2], None) for m in numbered], ref=numbers))
        return seen

    def _say(self, text: str) -> list[Seen]:
        return self._convert(self.phone.send(text))

    def _press(self, message: Seen, label: str, choice_id: str | None) -> list[Seen]:
        if choice_id is not None:  # a quick-reply button
            return self._convert(self.phone.press(label))
        return self._convert(self.phone.send(message.ref[label]))  # she types its number


@dataclass
class Line:
    """The bot with one channel and its peers; makes participants on it."""

    channel: str
    runtime: Runtime
    client: TestClient
    peers: dict[str, Any] = field(default_factory=dict)
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def person(self, name: str, language: str = "de") -> Person:
        """A new participant, ``name`` (her profile name where the channel has one) whose phone
        is set to ``language``."""
        n = next(self._numbers)
        if self.channel == "simulator":
            return SimulatorPerson(self.runtime, self.client, f"{name.lower()}-{n}")
        if self.channel == "telegram":
            user = TelegramUser(self.peers["stand_in"], 880_000 + n, name, language)
            self.peers["users"].append(user)
            proxy, updates = self.peers["proxy"], self.peers["updates"]
            return TelegramPerson(self.runtime, self.client, proxy, user, updates)
        if self.channel == "whatsapp":
            number = f"+49151{n:08d}"
            return WhatsAppPerson(
                WhatsAppPhone(self.client, self.runtime, self.peers["twilio"], number)
            )
        raise ValueError(self.channel)


@contextlib.contextmanager
def on_channel(
    channel: str,
    database_url: str,
    tmp_path: Path,
    clock: FrozenClock,
    prism_url: str | None = None,
) -> Iterator[Line]:
    """The bot with ``channel`` (``simulator``, ``telegram``, ``whatsapp``) and its peers.

    Telegram needs the npm stand-in (skipped, or failed under CI, without it) and runs on the
    wall clock, as its send limits are measured in real time; WhatsApp needs ``prism_url``.
    """
    with contextlib.ExitStack() as stack:
        peers: dict[str, Any] = {}
        if channel == "simulator":
            runtime = make_runtime(database_url, clock)
        elif channel == "telegram":
            stand_in = stack.enter_context(StandIn(tmp_path))
            proxy = stack.enter_context(FixingProxy(stand_in.url))
            peers.update(stand_in=stand_in, proxy=proxy, users=[], updates=itertools.count(1))
            upgrade(database_url)
            runtime = build_runtime(webhook_settings(database_url, proxy.api_url), clock=wall_now)
            load_demo(runtime.db, TEST_SECRET, runtime.clock())
        elif channel == "whatsapp":
            assert prism_url is not None, "WhatsApp needs Prism (tests.auxil.twilio.Prism)"
            peers["twilio"] = stack.enter_context(TwilioStandIn(prism_url))
            runtime = whatsapp_runtime(database_url, clock, tmp_path, peers["twilio"].url)
        else:
            raise ValueError(f"unknown channel {channel!r}")
        stack.callback(runtime.close)
        client = stack.enter_context(TestClient(create_app(runtime, background=False)))
        telegram = runtime.telegram
        if channel == "telegram" and telegram is not None:
            portal = client.portal
            assert portal is not None
            assert portal.call(telegram.ensure_ready), "getMe through the stand-in failed"

            def stop() -> None:
                portal.call(telegram.stop)
                for user in peers["users"]:
                    user.close()

            stack.callback(stop)
        yield Line(channel, runtime, client, peers)


def onboard(person: Person, language: str = "Deutsch", name: str = "Amina") -> None:
    """Onboarding on any channel, as :func:`tests.auxil.simulator.onboard` on the simulator:
    ``language`` (its label), consent, ``name``, Hoya, the first interest, done, done, yes
    to messages."""
    person.say("/start")
    person.press(language)
    person.press(person.buttons()[0])
    person.say(name)
    person.press("Hoya")
    person.press(person.buttons()[0])
    person.press(person.buttons()[-1])
    person.press(person.buttons()[-1])
    person.press(person.buttons()[0])  # yes to messages
