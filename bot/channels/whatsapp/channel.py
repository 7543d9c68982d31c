"""WhatsApp through Twilio: parse webhooks, render messages, send them with the real client.

Inbound
    Twilio posts a form to ``/webhooks/twilio/whatsapp``; :mod:`.webhook` checks its signature
    (:func:`signature_is_valid`) and :func:`parse_form` turns it into one channel-neutral
    :class:`~bot.channels.messages.Inbound`: a button press (``ButtonPayload``) or list choice
    (``ListId``)
    carrying one of our choice ids becomes :class:`ChoiceIn`, media becomes :class:`MediaIn`
    (recorded as :class:`MediaItem`: type and Twilio URL, never downloaded), anything else
    :class:`TextIn`.  ``MessageSid`` is the id that makes a re-delivery a no-op.

Rendering choices (why numbered text first)
    WhatsApp has no free-form buttons: quick-reply buttons exist only as Content API content
    (``twilio/quick-reply``, at most 3 buttons, titles ≤ 20 characters), sent by ``ContentSid``.
    Every menu is therefore rendered as a numbered text menu (``1️⃣ Deutsch``), which works for
    any number of options and which the engine already understands (the number, the keycap
    emoji, Arabic-Indic digits, or the option's words, case- and accent-insensitive).  When a
    message has at most 3 choices *and* a quick-reply content with that many buttons is
    configured (``quick_replies`` in the template file), it is sent as that content instead:
    variable ``1`` is the text, then each button's title and id (``2``, ``3`` for the first
    button, ``4``, ``5`` for the second, …).  Her press comes back as ``ButtonPayload`` = our
    choice id.  Texts over 1 600 characters are split into several messages.

The 24-hour window
    A message goes out as free-form text only if she wrote within the last 24 hours (her
    identity's ``last_inbound_at``).  Otherwise it needs an approved template for its kind and
    her language (or the organisation's default language): see
    :mod:`bot.channels.whatsapp.templates`.  Without one it is held as ``needs_template``.

Errors (Twilio REST and status callbacks) are classed in :func:`classify`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels.base import InboundSink, Reach, SendError
from bot.channels.messages import Inbound, Media, Outbound, SendResult
from bot.channels.whatsapp.templates import TemplateBook
from conversations.events import ChoiceIn, Event, MediaIn, TextIn

CHANNEL = "whatsapp"
WINDOW = timedelta(hours=24)
MAX_TEXT = 1600
MAX_CONTENT_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_MEDIA = 10
INBOUND_PATH = "/webhooks/twilio/whatsapp"
STATUS_PATH = "/webhooks/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
KEYCAPS = ["0️⃣", "1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣"]
#: Our choice ids look like ``flow.node:choice``; other payloads (template buttons) are text.
CHOICE_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+:[^\s]{1,64}$")

log = logging.getLogger(__name__)


#: Threads for sends to Twilio: more than the dispatcher lets go at once (8), never the cap.
SEND_THREADS = 16


class WhatsAppInputError(ValueError):
    """A signed webhook that is not a message we can use (no sender, no id)."""


# ---- inbound ------------------------------------------------------------------------------


MediaItem = Media
"""One file she sent: its kind, MIME type and where Twilio keeps it."""


def signature_is_valid(
    auth_token: str, public_url: str, path: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Whether ``signature`` is Twilio's signature of this form at our *public* URL."""
    if not signature:
        return False
    url = public_url.rstrip("/") + path
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))


def media_kind(content_type: str) -> str:
    """``voice``, ``photo``, ``video``, ``sticker`` or ``document`` for a MIME type."""
    main = content_type.split(";", 1)[0].strip().lower()
    if main == "image/webp":
        return "sticker"
    if main.startswith("image/"):
        return "photo"
    if main.startswith("audio/"):
        return "voice"
    if main.startswith("video/"):
        return "video"
    return "document"


def _kind_of(form: Mapping[str, str]) -> str:
    """The message's type as Twilio names it, for a log line (never its content)."""
    kind = str(form.get("MessageType") or "unknown")
    return kind[:32] if kind.isidentifier() else "unknown"


def _count(value: str | None) -> int:
    try:
        return max(0, min(MAX_MEDIA, int(str(value or "0").strip())))
    except ValueError:
        return 0


def parse_form(form: Mapping[str, str], now: datetime) -> tuple[Inbound, list[MediaItem]]:
    """Turn Twilio's inbound form into an event and the media it carried.

    Raises :class:`WhatsAppInputError` when the form has no usable sender or message id.
    """
    sender = str(form.get("From") or "").strip()
    if not sender.startswith("whatsapp:+"):
        wa_id = str(form.get("WaId") or "").strip().lstrip("+")
        if not wa_id.isdigit():
            raise WhatsAppInputError("no WhatsApp sender (From/WaId)")
        sender = f"whatsapp:+{wa_id}"
    number = sender.removeprefix("whatsapp:+")
    if not number.isdigit() or not 6 <= len(number) <= 15:
        raise WhatsAppInputError("the sender is not a WhatsApp number")
    sid = str(form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
    if not sid or len(sid) > 64 or not sid.isprintable():
        raise WhatsAppInputError("no MessageSid")
    media = []
    for index in range(_count(form.get("NumMedia"))):
        url = str(form.get(f"MediaUrl{index}") or "").strip()
        content_type = str(form.get(f"MediaContentType{index}") or "").strip()[:100]
        if url.startswith("https://") and len(url) <= 2000:
            media.append(MediaItem(media_kind(content_type), content_type, url))
    payload = str(form.get("ButtonPayload") or form.get("ListId") or "").strip()
    body = str(form.get("Body") or "")
    event: Event
    if payload and CHOICE_ID.match(payload):
        event = ChoiceIn(payload)
    elif payload:
        event = TextIn(str(form.get("ButtonText") or form.get("ListTitle") or payload))
    elif media and (not body.strip() or media[0].kind == "document"):
        # A document's Body is its file name, not something she wrote.
        event = MediaIn(media[0].kind)
    elif form.get("Latitude") or form.get("Longitude"):
        event = MediaIn("location")  # a location pin: no text, no media
    elif not body.strip():
        # A contact card, a reaction, a kind WhatsApp adds later: she still gets an answer.
        log.info("whatsapp: an inbound message with nothing we can read (%s)", _kind_of(form))
        event = MediaIn("other")
    else:
        event = TextIn(body[:20_000])
    return Inbound(
        channel=CHANNEL,
        address=sender,
        external_id=sid,
        event=event,
        received_at=now,
        media=tuple(media),
    ), media


# ---- rendering ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Part:
    """One Twilio message: free text (``body``) or content (``content_sid`` + variables)."""

    body: str | None = None
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None


def keycap(number: int) -> str:
    """``12`` → ``1️⃣2️⃣``: what she sees, and what the engine reads back as 12."""
    return "".join(KEYCAPS[int(d)] for d in str(number))


def numbered_menu(choices: tuple[tuple[str, str], ...]) -> str:
    """``1️⃣ Deutsch`` lines, one per choice."""
    return "\n".join(f"{keycap(i)} {label}" for i, (_id, label) in enumerate(choices, start=1))


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at paragraphs, lines or spaces if possible."""
    pieces = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > limit // 2:
                break
        if cut <= 0:
            cut = limit
            if 0xD800 <= ord(rest[cut - 1]) <= 0xDFFF:  # never cut a surrogate pair
                cut -= 1
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def render(message: Outbound, quick_replies: Mapping[int, str] | None = None) -> list[Part]:
    """The Twilio messages for one outbound message (inside the 24-hour window)."""
    choices = message.choices
    sid = (quick_replies or {}).get(len(choices)) if choices else None
    if (
        sid
        and len(choices) <= MAX_BUTTONS
        and len(message.text) <= MAX_CONTENT_BODY
        and all(len(label) <= MAX_BUTTON_TITLE for _id, label in choices)
    ):
        variables = {"1": message.text}
        for index, (choice_id, label) in enumerate(choices):
            variables[str(2 + 2 * index)] = label
            variables[str(3 + 2 * index)] = choice_id
        return [Part(content_sid=sid, content_variables=variables)]
    text = message.text
    if choices:
        text = f"{text}\n\n{numbered_menu(choices)}" if text else numbered_menu(choices)
    return [Part(body=piece) for piece in split_text(text)]


# ---- errors -------------------------------------------------------------------------------

#: Twilio error codes that end a send, with what they mean for her identity.
NOT_ON_WHATSAPP = {63003, 63024}
OPTED_OUT = {21610}
WINDOW_CLOSED = {63016}
TOO_FAST = {63018, 20429}


def classify(status: int | None, code: int | None, text: str = "") -> SendError:
    """A typed, classed error for a Twilio failure (REST answer or status callback)."""
    label = f"twilio {code or status}: {text}"[:300]
    if code in OPTED_OUT:
        return SendError(
            label, retryable=False, identity_status="opted_out", code=code, status="skipped"
        )
    if code in NOT_ON_WHATSAPP:
        return SendError(label, retryable=False, unreachable=True, code=code)
    if code in WINDOW_CLOSED:
        return SendError(
            f"needs template: {label}", retryable=False, status="needs_template", code=code
        )
    if code in TOO_FAST or status == 429:
        return SendError(label, retryable=True, slow_down=True, code=code)
    if status is None or status >= 500:
        return SendError(label, retryable=True, code=code)
    return SendError(label, retryable=False, code=code)


# ---- the Twilio client --------------------------------------------------------------------


class RedirectingHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio is untyped
    """Twilio's own HTTP client, sending every ``*.twilio.com`` call to another base URL.

    ``TWC_TWILIO_API_URL`` (a proxy, a test stand-in): the path and query are kept, only the
    scheme and host change.  Twilio's request logging is silenced: it is not ours to read.
    """

    def __init__(self, base_url: str | None, timeout: float = 15.0) -> None:
        quiet = logging.getLogger("bot.channels.whatsapp.channel.twilio_http")
        quiet.setLevel(logging.WARNING)
        super().__init__(timeout=timeout, logger=quiet)
        self.base_url = base_url.rstrip("/") if base_url else None

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        if self.base_url:
            parts = urlsplit(url)
            if parts.hostname and parts.hostname.endswith("twilio.com"):
                url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().request(method, url, params, data, headers, auth, timeout, allow_redirects)


class WhatsAppChannel:
    """WhatsApp through Twilio: its two webhooks in, Twilio's REST API out."""

    name = CHANNEL
    sends_files = False

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        templates: TemplateBook,
        clock: Callable[[], datetime],
        public_url: str | None = None,
        api_url: str | None = None,
        local_url: str = "http://127.0.0.1:8080",
    ) -> None:
        self.sender = sender
        self.auth_token = auth_token
        self.templates = templates
        self.clock = clock
        self.public_url = public_url.rstrip("/") if public_url else None
        self.local_url = local_url.rstrip("/")
        """Where the webhooks are reached without a public URL (tests, a local try)."""
        self.client = Client(account_sid, auth_token, http_client=RedirectingHttpClient(api_url))
        self._pool = ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="whatsapp-send")

    @property
    def webhook_base(self) -> str:
        """The public base URL Twilio signs its webhook calls against."""
        return self.public_url or self.local_url

    @property
    def status_callback(self) -> str | None:
        """Where Twilio reports delivery (only with a public URL)."""
        return f"{self.public_url}{STATUS_PATH}" if self.public_url else None

    def routes(self, sink: InboundSink) -> list[Any]:
        """Twilio's two webhooks: inbound messages and delivery status callbacks."""
        from bot.channels.whatsapp.webhook import whatsapp_routes

        return whatsapp_routes(self, sink)

    async def start(self, sink: InboundSink) -> None:
        """Nothing to start: Twilio calls the webhooks."""

    async def stop(self) -> None:
        """Nothing to stop (the send threads stay for a restart of the same runtime)."""

    def can_reach(self, reach: Reach) -> bool:
        """WhatsApp's rule for a message the bot starts: inside the 24-hour window anything,
        outside it only an approved template for its kind and language."""
        last = reach.last_inbound_at
        if last is not None and self.clock() - last < WINDOW:
            return True
        found = self.templates.find(reach.kind, reach.language, reach.fallback_language)
        return found is not None

    def inside_window(self, message: Outbound) -> bool:
        """Whether free-form text may go to her now."""
        if message.last_inbound_at is None:
            # No inbound time: only a reply can be that (to someone who just erased herself).
            return message.kind == "reply"
        return self.clock() - message.last_inbound_at < WINDOW

    def parts_for(self, message: Outbound) -> list[Part]:
        """What to send: rendered session messages, or one template outside the window."""
        if self.inside_window(message):
            return render(message, self.templates.quick_replies)
        template = self.templates.find(message.kind, message.language, message.fallback_language)
        if template is None:
            raise SendError(
                f"needs template: no approved template for '{message.kind}' in "
                f"{message.language}"
                + (
                    f" or {message.fallback_language}"
                    if message.fallback_language not in (None, message.language)
                    else ""
                )
                + " and she has not written in 24 hours",
                retryable=False,
                status="needs_template",
            )
        try:
            variables = template.content_variables(message.values)
        except KeyError as missing:
            raise SendError(
                f"needs template: no value for template variable {missing} of "
                f"'{message.kind}' ({template.language})",
                retryable=False,
                status="needs_template",
            ) from None
        return [Part(content_sid=template.content_sid, content_variables=variables)]

    def deliver(self, address: str, message: Outbound) -> SendResult:
        """Send synchronously (Twilio's client is blocking); raise :class:`SendError`."""
        sid = None
        parts = self.parts_for(message)
        # An earlier attempt may have delivered the first parts: send only the rest.
        for index in range(min(message.parts_sent, len(parts)), len(parts)):
            part = parts[index]
            arguments: dict[str, Any] = {"to": address, "from_": self.sender}
            if part.content_sid:
                arguments["content_sid"] = part.content_sid
                arguments["content_variables"] = json.dumps(
                    part.content_variables or {}, ensure_ascii=False
                )
            else:
                arguments["body"] = part.body
            if self.status_callback:
                arguments["status_callback"] = self.status_callback
            try:
                created = self.client.messages.create(**arguments)
            except TwilioRestException as error:
                failure = classify(error.status, error.code, str(error.msg))
            except (TwilioException, OSError) as error:
                failure = SendError(f"twilio: {type(error).__name__}", retryable=True)
            except Exception as error:  # requests' ConnectionError, timeouts
                if not type(error).__module__.startswith(("requests", "urllib3")):
                    raise
                failure = SendError(f"twilio: {type(error).__name__}", retryable=True)
            else:
                sid = created.sid
                log.info("whatsapp message accepted by twilio: %s", sid)
                continue
            failure.parts_sent = index
            raise failure from None
        return SendResult(external_id=sid)

    async def send(self, address: str, message: Outbound) -> SendResult:
        """Deliver one outbox message.

        The twilio client blocks, so each send runs in a thread of the channel's own pool:
        asyncio's shared default pool (six threads on two cores, also used for the database)
        would cap the sends in flight below what the dispatcher lets go at once.
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.deliver, address, message)
