"""Security headers on every response, and the policy the pages are written for.

The bot serves JSON, TwiML, calendar files and (in development) the simulator page, whose
script and style are files of their own: nothing needs inline code, frames, plugins or other
origins, so the Content-Security-Policy allows none of them, and an injected ``<script>`` or a
page framing ours (clickjacking) gets nowhere.  ``Strict-Transport-Security`` only when the
public URL is https: announcing it over plain http would be ignored, or would lock a test
set-up out.  A header the app set itself is kept.  Images may also be ``data:`` URLs: the staff
app's stylesheet (Pico CSS) draws its select arrows and check marks that way, and an image
runs no code.  Audio and video come from the app itself only (``media-src 'self'``): the
staff inbox plays her voice notes from ``/staff/inbox/media/<entry>``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'; object-src 'none'"
)

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ("cross-origin-opener-policy", "same-origin"),
)

#: Two years, subdomains included: the deployment is https-only once it is public.
STRICT_TRANSPORT_SECURITY = ("strict-transport-security", "max-age=63072000; includeSubDomains")


def security_headers(public_url: str | None) -> list[tuple[bytes, bytes]]:
    """The headers for a bot reachable at ``public_url``."""
    headers = list(SECURITY_HEADERS)
    if (public_url or "").lower().startswith("https://"):
        headers.append(STRICT_TRANSPORT_SECURITY)
    return [(name.encode(), value.encode()) for name, value in headers]


class SecurityHeaders:
    """Adds :func:`security_headers` to every HTTP response start."""

    def __init__(self, app: ASGIApp, public_url: str | None) -> None:
        self.app = app
        self.headers = security_headers(public_url)
        self.names = frozenset(name for name, _ in self.headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = list(message.get("headers", ()))
                kept = {name.lower() for name, _ in own} & self.names
                ours = [h for h in self.headers if h[0] not in kept] if kept else self.headers
                message = {**message, "headers": own + ours}
            await send(message)

        await self.app(scope, receive, send_with_headers)


__all__ = ["CONTENT_SECURITY_POLICY", "SecurityHeaders", "security_headers"]
