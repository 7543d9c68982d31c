"""Files she sends on WhatsApp: Twilio keeps them; staff open them through us.

Twilio's media URL (``https://api.twilio.com/2010-04-01/Accounts/AC…/Messages/MM…/Media/ME…``)
answers only with the account's HTTP basic auth, and redirects (307) to a short-lived copy on
its content servers.  A coordinator's browser has neither, so the staff app fetches the file
here, with the account SID and auth token, following the redirect (httpx sends the credentials
only to the first, Twilio, host), and streams it on; nothing is stored.  The credentials go
only to a ``*.twilio.com`` https URL (or, with ``TWC_TWILIO_API_URL``, to that base URL in its
place, as every other Twilio call), never to a host a forged reference names.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from bot.channels.base import MediaError, MediaFile

#: Connect, read, write and pool timeouts of one download, in seconds.
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: At most this many redirects (Twilio makes one).
MAX_REDIRECTS = 3


def media_url(reference: str, api_url: str | None) -> str:
    """The URL to GET for a stored Twilio media URL (``MediaError`` if it is not Twilio's)."""
    parts = urlsplit(reference)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not (host == "twilio.com" or host.endswith(".twilio.com")):
        raise MediaError("whatsapp: not a Twilio media URL", gone=True)
    if api_url:
        return api_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
    return reference


async def fetch(
    reference: str, account_sid: str, auth_token: str, api_url: str | None, max_bytes: int
) -> MediaFile:
    """GET the file with basic auth, following Twilio's redirect, at most ``max_bytes``."""
    url = media_url(reference, api_url)
    async with httpx.AsyncClient(
        auth=(account_sid, auth_token),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=TIMEOUT,
    ) as client:
        try:
            async with client.stream("GET", url) as response:
                if response.status_code in (404, 410):
                    raise MediaError(f"whatsapp: HTTP {response.status_code}", gone=True)
                if response.status_code != 200:
                    raise MediaError(f"whatsapp: HTTP {response.status_code}")
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise MediaError("whatsapp: the file is larger than allowed", too_large=True)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise MediaError(
                            "whatsapp: the file is larger than allowed", too_large=True
                        )
                    chunks.append(chunk)
                content_type = response.headers.get("content-type")
        except httpx.HTTPError as error:  # timeouts, refused connections, too many redirects
            raise MediaError(f"whatsapp: {type(error).__name__}") from None
    return MediaFile(content_type[:100] if content_type else None, b"".join(chunks))


__all__ = ["fetch", "media_url"]
