"""Sessions and CSRF for every request under ``/staff`` (an ASGI middleware).

For each request under ``/staff`` (static files aside) the guard finds the staff session of
the cookie once and leaves it in ``request.state.staff_session`` for the pages.  An unsafe
request (POST, PUT, PATCH, DELETE) must carry the session's CSRF token, as the form field
``csrf_token`` or the ``X-CSRF-Token`` header (htmx sends it from ``<body hx-headers>``), or
it is refused with 403 before any page sees it.  The login form has no session yet: it carries
the token of a login cookie set with the form (a double-submit cookie, SameSite=Strict), so a
foreign site can not log a browser into an account of its choosing either.

Routes outside ``/staff`` that sit behind the staff login (the simulator, when it is on
outside development) are listed in ``also``: their session is found the same way, and
:class:`StaffOnly` lets only logged-in staff through (their JSON API needs no token).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable, Sequence
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.staff.sessions import SessionStore

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
LOGIN_COOKIE = "twc_staff_login"
SECURE_LOGIN_COOKIE = "__Host-twc_staff_login"
LOGIN_FORMS = frozenset({"/staff/login"})
PREFIX = "/staff"
STATIC = "/staff/static/"


def read_cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed header: no cookies
                return {}
            return {key: morsel.value for key, morsel in jar.items()}
    return {}


def header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


class StaffGuard:
    """See the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        sessions: SessionStore,
        cookie: str,
        login_cookie: str,
        refuse: Callable[[Request], Response],
        also: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.cookie = cookie
        self.login_cookie = login_cookie
        self.refuse = refuse
        self.also = tuple(also)

    def _covers(self, path: str) -> bool:
        if path.startswith(STATIC):
            return False
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return True
        return any(path == p or path.startswith(p + "/") for p in self.also)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._covers(scope["path"]):
            await self.app(scope, receive, send)
            return
        cookies = read_cookies(scope)
        token = cookies.get(self.cookie)
        session = await asyncio.to_thread(self.sessions.find, token) if token else None
        state: dict[str, Any] = scope.setdefault("state", {})
        state["staff_session"] = session
        state["staff_token"] = token
        path = scope["path"]
        under_staff = path == PREFIX or path.startswith(PREFIX + "/")
        if scope["method"] not in UNSAFE or not under_staff:
            # (``also`` routes get their session only: see :class:`StaffOnly`.)
            await self.app(scope, receive, send)
            return
        if scope["path"] in LOGIN_FORMS:
            expected = cookies.get(self.login_cookie)
        else:
            expected = session.csrf_token if session is not None else None
        supplied = header(scope, b"x-csrf-token")
        if supplied is None:
            supplied, receive = await self._form_token(scope, receive)
        if not expected or not supplied or not hmac.compare_digest(expected, supplied):
            response = self.refuse(Request(scope))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _form_token(self, scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
        """The form's ``csrf_token``; the body is read once and handed on unchanged."""
        content_type = (header(scope, b"content-type") or "").lower()
        if not content_type.startswith(FORMS):
            return None, receive
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None, receive
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replay = _replay(body, receive)
        token: str | None = None
        try:
            form = await Request(scope, _replay(body, receive)).form(max_files=100, max_fields=200)
        except Exception:  # malformed form: no token, refused
            return None, replay
        try:
            value = form.get("csrf_token")
            token = value if isinstance(value, str) else None
        finally:
            await form.close()
        return token, replay


class StaffOnly:
    """Routes outside ``/staff`` for logged-in staff only (the simulator outside development).

    Runs inside :class:`StaffGuard` (which found the session).  Without a complete login a
    GET goes to the login page and comes back; anything else gets 401.  Their JSON API is
    called by their own page with ``Content-Type: application/json``, which a foreign site can
    not send with her cookie (SameSite=Lax, and a cross-site JSON POST needs a CORS
    preflight nobody answers), so no CSRF token is asked of it.
    """

    def __init__(self, app: ASGIApp, paths: Sequence[str]) -> None:
        self.app = app
        self.paths = tuple(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not any(
            path == p or path.startswith(p + "/") for p in self.paths
        ):
            await self.app(scope, receive, send)
            return
        session = scope.get("state", {}).get("staff_session")
        if session is not None and not session.second_factor_pending:
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD") and not path.startswith(
            tuple(p + "/api/" for p in self.paths)
        ):
            query = scope.get("query_string", b"").decode("latin-1")
            target = quote(path + (f"?{query}" if query else ""), safe="/")
            response: Response = RedirectResponse(f"/staff/login?next={target}", 303)
        else:
            response = JSONResponse({"error": "staff login required"}, status_code=401)
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` once, then waits on the real one (disconnects)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


__all__ = ["LOGIN_COOKIE", "SECURE_LOGIN_COOKIE", "StaffGuard", "StaffOnly", "read_cookies"]
