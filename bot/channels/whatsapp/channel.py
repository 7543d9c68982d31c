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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from bot.channels.base import MAX_MEDIA_BYTES, InboundSink, MediaFile, Reach, SendError
from bot.channels.messages import Outbound, SendResult
from bot.channels.whatsapp import media
from bot.channels.whatsapp.errors import classify
from bot.channels.whatsapp.parse import (
    CHANNEL,
    STATUS_PATH,
)
from bot.channels.whatsapp.render import Part, render
from bot.channels.whatsapp.templates import TemplateBook
from bot.channels.whatsapp.webhook import whatsapp_routes

WINDOW = timedelta(hours=24)

log = logging.getLogger(__name__)


#: Threads for sends to Twilio: more than the dispatcher lets go at once (8), never the cap.
SEND_THREADS = 16

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
    sends_files = True
    """Files that have a URL go as media Twilio fetches (her data export); a file that can
    only be uploaded (a reminder's calendar file) is left out: its link is in the text."""

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
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.api_url = api_url
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
        return whatsapp_routes(self, sink)

    async def start(self, sink: InboundSink) -> None:
        """Nothing to start: Twilio calls the webhooks."""

    async def stop(self) -> None:
        """Nothing to stop (the send threads stay for a restart of the same runtime)."""

    async def fetch_media(self, reference: str, max_bytes: int = MAX_MEDIA_BYTES) -> MediaFile:
        """A file she sent (Twilio's media URL), for the staff inbox (:mod:`.media`)."""
        return await media.fetch(
            reference, self.account_sid, self.auth_token, self.api_url, max_bytes
        )

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
            if part.empty:
                continue
            arguments: dict[str, Any] = {"to": address, "from_": self.sender}
            if part.media_url:
                arguments["media_url"] = [part.media_url]
            elif part.content_sid:
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


__all__ = ["WINDOW", "RedirectingHttpClient", "WhatsAppChannel"]
