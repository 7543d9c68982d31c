"""A WhatsApp user's phone for tests: signed webhooks in, what the bot sent through Twilio out."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import yaml
from starlette.testclient import TestClient

from bot.channels.whatsapp.parse import INBOUND_PATH, STATUS_PATH
from bot.db.migrate import upgrade
from bot.demo import load_demo
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.twilio import Sent, TwilioStandIn, sign

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-test-auth-token-0123456789"
SENDER = "whatsapp:+4950219990000"
PUBLIC_URL = "https://bot.example.org"
SECRET = TEST_SECRET

#: Content SIDs of the test template file (any HX + 32 hex passes Twilio's pattern).
QUICK_2 = "HX" + "2" * 32
QUICK_3 = "HX" + "3" * 32
REMINDER = {"de": "HX" + "d" * 32, "ar": "HX" + "a" * 32, "uk": "HX" + "c" * 32}
REMINDER_VARIABLES = ["name", "course", "date", "time", "place"]
#: The inbox's "you have a reply from {org}" template (``team_reply``).
TEAM_REPLY = {"de": "HX" + "e" * 32, "ar": "HX" + "f" * 32}

_sids = itertools.count(1)

#: How long she takes to read a reply and answer, on a frozen clock (``WhatsAppPhone``): quicker
#: than anyone reads, and still never a flood (``TWC_FLOOD_REFILL_SECONDS`` is 2 by default).
ANSWER_SECONDS = 2.0


def write_templates(path: Path) -> Path:
    """The test template file: quick replies for 2 and 3 buttons, a course reminder in 3 languages."""
    path.write_text(
        yaml.safe_dump(
            {
                "quick_replies": {2: QUICK_2, 3: QUICK_3},
                "templates": {
                    "course_reminder": {
                        lang: {"content_sid": sid, "variables": REMINDER_VARIABLES}
                        for lang, sid in REMINDER.items()
                    },
                    "team_reply": {
                        lang: {"content_sid": sid, "variables": ["org"]}
                        for lang, sid in TEAM_REPLY.items()
                    },
                },
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return path


def whatsapp_runtime(
    database_url: str, clock: FrozenClock, tmp_path: Path, api_url: str | None
) -> Runtime:
    """A migrated runtime with demo data and the WhatsApp channel pointed at ``api_url``."""
    settings = Settings(
        database_url=database_url,
        environment="test",
        secret_key=SECRET,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=SENDER,
        public_url=PUBLIC_URL,
        twilio_api_url=api_url or "http://127.0.0.1:9",
        twilio_templates=write_templates(tmp_path / "whatsapp_templates.yaml"),
    )
    upgrade(database_url)
    runtime = build_runtime(settings, clock=clock)
    load_demo(runtime.db, SECRET, clock())
    return runtime


def post_signed(
    client: TestClient, path: str, params: dict[str, str], token: str = AUTH_TOKEN
) -> Any:
    """POST a form signed exactly as Twilio signs it (public URL + path, all fields)."""
    signature = sign(token, PUBLIC_URL + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def inbound_form(number: str, body: str = "", **extra: str) -> dict[str, str]:
    """The fields Twilio posts for a WhatsApp message from ``number`` (``+49…``)."""
    form = {
        "SmsMessageSid": "",
        "NumMedia": "0",
        "ProfileName": "Test",
        "MessageType": "text",
        "WaId": number.lstrip("+"),
        "Body": body,
        "To": SENDER,
        "NumSegments": "1",
        "MessageSid": f"SM{next(_sids):032x}",
        "AccountSid": ACCOUNT_SID,
        "From": f"whatsapp:{number}",
        "ApiVersion": "2010-04-01",
    }
    form["SmsMessageSid"] = form["MessageSid"]
    form.update(extra)
    return form


def shown(sent: Sent) -> str:
    """A sent message as her phone shows it (quick-reply buttons in brackets)."""
    if "Body" in sent.form:
        return sent.form["Body"]
    variables = sent.variables
    if sent.form.get("ContentSid") in (QUICK_2, QUICK_3):
        titles = [variables[k] for k in sorted(variables, key=int) if int(k) % 2 == 0]
        return variables["1"] + "\n" + "  ".join(f"[{t}]" for t in titles)
    return f"(template {sent.form.get('ContentSid')}: {variables})"


class WhatsAppPhone:
    """One WhatsApp user: writes and presses through signed webhooks, reads the stand-in."""

    def __init__(
        self, client: TestClient, runtime: Runtime, stand_in: TwilioStandIn, number: str
    ) -> None:
        self.client = client
        self.runtime = runtime
        self.stand_in = stand_in
        self.number = number
        self.seen = 0
        self.last: list[Sent] = []
        self.transcript: list[str] = []

    @property
    def address(self) -> str:
        return f"whatsapp:{self.number}"

    def deliver(self) -> list[Sent]:
        """Let the dispatcher send what is due; return the new messages to her."""
        while asyncio.run(self.runtime.dispatcher.dispatch()):
            pass
        messages = [s for s in self.stand_in.to(self.address) if s.status == 201]
        new, self.seen = messages[self.seen :], len(messages)
        if new:
            self.last = new
        for sent in new:
            self.transcript.append("bot: " + shown(sent).replace("\n", "\n     "))
        return new

    def post(self, form: dict[str, str], shown_as: str) -> list[Sent]:
        clock = self.runtime.clock
        if isinstance(clock, FrozenClock):  # she reads the last reply before she answers
            clock.advance(seconds=ANSWER_SECONDS)
        response = post_signed(self.client, INBOUND_PATH, form)
        assert response.status_code == 200, response.text
        assert response.text.startswith("<?xml") and "<Response></Response>" in response.text
        self.transcript.append(f"she: {shown_as}")
        return self.deliver()

    def send(self, text: str) -> list[Sent]:
        """She types ``text``."""
        return self.post(inbound_form(self.number, text), text)

    def press(self, title: str) -> list[Sent]:
        """She taps the quick-reply button ``title`` of the last message that had buttons."""
        for sent in reversed(self.last):
            variables = sent.variables
            for key, value in variables.items():
                if int(key) % 2 == 0 and int(key) > 1 and value == title:
                    payload = variables[str(int(key) + 1)]
                    form = inbound_form(
                        self.number, title, ButtonPayload=payload, ButtonText=title
                    )
                    form["MessageType"] = "button"
                    return self.post(form, f"[{title}]")
        raise AssertionError(f"no quick-reply button {title!r} in {[shown(s) for s in self.last]}")

    def text(self) -> str:
        return "\n".join(shown(s) for s in self.last)


def status_callback(client: TestClient, sid: str, status: str, code: int | None = None) -> Any:
    """Twilio's signed status callback for message ``sid``."""
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": ACCOUNT_SID,
        "From": SENDER,
        "ApiVersion": "2010-04-01",
    }
    if code is not None:
        params["ErrorCode"] = str(code)
    return post_signed(client, STATUS_PATH, params)
