"""Twilio's Content API: the WhatsApp approval of one content (template), read with the real
``twilio`` library.

``GET https://content.twilio.com/v1/Content/{Sid}/ApprovalRequests`` answers with a
``whatsapp`` object: ``status`` (``approved``, ``pending``, ``rejected``, ``paused``,
``disabled``, ``unsubmitted``, ``received`` …), ``name``, ``category`` and
``rejection_reason``.  The library's resource for it is
``client.content.v1.contents(sid).approval_fetch().fetch()``.  Requests go through the
WhatsApp channel's :class:`~bot.channels.whatsapp.channel.RedirectingHttpClient`, so
``TWC_TWILIO_API_URL`` (a proxy, the tests' Prism) is honoured here exactly as for messages.

Errors are sorted into what staff can act on: a content Twilio does not know (404) is a status
of its own (``unknown``); the network, a timeout or Twilio's 5xx mean "not reachable now";
any other Twilio error (401: wrong credentials) is reported with its code.  Nothing personal
is sent or logged: Content SIDs only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from bot.channels.whatsapp.channel import RedirectingHttpClient

log = logging.getLogger(__name__)

#: Seconds for one request: a page waits for the whole refresh, so keep it short.
TIMEOUT_SECONDS = 8.0
#: What we store when Twilio does not know the SID (404).
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Approval:
    """Twilio's answer about one content's WhatsApp approval."""

    content_sid: str
    status: str
    name: str = ""
    category: str = ""
    rejection_reason: str = ""


class TwilioUnavailableError(Exception):
    """Twilio could not be asked now (network, timeout, 5xx) or refused (``code``: 401 …)."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class ApprovalSource(Protocol):
    """Where approvals come from (Twilio; a stand-in in tests)."""

    def approval(self, content_sid: str) -> Approval:
        """The approval of one content; raises :class:`TwilioUnavailableError`."""
        ...


def _text(value: Any, limit: int) -> str:
    return str(value or "")[:limit]


def approval_from(content_sid: str, whatsapp: dict[str, Any] | None) -> Approval:
    """Twilio's ``whatsapp`` object as an :class:`Approval` (no object: never submitted)."""
    if not whatsapp:
        return Approval(content_sid, "unsubmitted")
    return Approval(
        content_sid,
        _text(whatsapp.get("status"), 32).lower() or UNKNOWN,
        _text(whatsapp.get("name"), 200),
        _text(whatsapp.get("category"), 32),
        _text(whatsapp.get("rejection_reason"), 2000),
    )


class TwilioApprovals:
    """The Content API through the real ``twilio`` client."""

    def __init__(self, account_sid: str, auth_token: str, api_url: str | None = None) -> None:
        self.client = Client(
            account_sid,
            auth_token,
            http_client=RedirectingHttpClient(api_url, timeout=TIMEOUT_SECONDS),
        )

    def approval(self, content_sid: str) -> Approval:
        try:
            fetched = self.client.content.v1.contents(content_sid).approval_fetch().fetch()
        except TwilioRestException as error:
            if error.status == 404:
                return Approval(content_sid, UNKNOWN)
            if error.status >= 500 or error.status == 429:
                raise TwilioUnavailableError(f"twilio answered {error.status}") from None
            log.warning("twilio content api refused: %s %s", error.status, error.code)
            raise TwilioUnavailableError(
                f"twilio refused ({error.status})", int(error.code or error.status)
            ) from None
        except (TwilioException, OSError) as error:
            raise TwilioUnavailableError(type(error).__name__) from None
        except Exception as error:  # requests' ConnectionError, timeouts
            if not type(error).__module__.startswith(("requests", "urllib3")):
                raise
            raise TwilioUnavailableError(type(error).__name__) from None
        return approval_from(content_sid, fetched.whatsapp)


__all__ = [
    "UNKNOWN",
    "Approval",
    "ApprovalSource",
    "TwilioApprovals",
    "TwilioUnavailableError",
    "approval_from",
]
