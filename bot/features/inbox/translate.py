"""Machine translation for the inbox, through a LibreTranslate server (``TWC_TRANSLATE_URL``).

Staff read her messages in their own language beside the original, and may send a reply
translated into hers.  Only LibreTranslate's ``POST /translate`` is used (``q``, ``source``,
``target``, ``format`` → ``translatedText``).  A server that is slow or down costs a few
seconds at most (timeouts, three tries) and never a page: :class:`TranslationError` is shown as
"could not translate".  Without a server nothing is translated, and the inbox says so.

What is sent there is her message: run the server yourself (or choose one the organisation's
data protection officer accepts).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from tenacity import (
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

log = logging.getLogger(__name__)

#: Seconds to connect and to wait for an answer (a long message takes a while).
TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class TranslationError(RuntimeError):
    """The server could not translate (down, refused, or an answer we cannot read)."""


class _RetryableError(TranslationError):
    """A failure worth another try (network, 5xx, 429)."""


class Translator:
    """A LibreTranslate client (thread-safe; one per process)."""

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/") + "/translate"
        self.api_key = api_key
        self.client = httpx.Client(timeout=TIMEOUT, transport=transport)

    def translate(self, text: str, target: str, source: str = "auto") -> str:
        """``text`` in ``target`` (``source`` ``auto``: the server detects it)."""
        if not text.strip() or source == target:
            return text
        try:
            return self._translate(text, target, source)
        except _RetryableError as error:
            raise TranslationError(str(error)) from None

    @retry(
        retry=retry_if_exception_type(_RetryableError),
        stop=stop_after_attempt(3),
        wait=wait_exponential(multiplier=0.2, max=2),
        reraise=True,
    )
    def _translate(self, text: str, target: str, source: str) -> str:
        body: dict[str, Any] = {"q": text, "source": source, "target": target, "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        try:
            response = self.client.post(self.url, json=body)
        except httpx.HTTPError as error:
            raise _RetryableError(
                f"translation server unreachable: {type(error).__name__}"
            ) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise _RetryableError(f"translation server answered {response.status_code}")
        if response.status_code != 200:
            raise TranslationError(f"translation server refused: {response.status_code}")
        try:
            translated = response.json()["translatedText"]
        except (ValueError, KeyError, TypeError):
            raise TranslationError("translation server sent an answer without a text") from None
        if not isinstance(translated, str):
            raise TranslationError("translation server sent an answer without a text")
        return translated

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()


__all__ = ["TranslationError", "Translator"]
