"""The staff app's cookies: the session token and the login form's CSRF token."""

from __future__ import annotations

import secrets

from starlette.responses import Response

from bot.staff.sessions import ABSOLUTE
from bot.web.staff.guard import LOGIN_COOKIE, SECURE_LOGIN_COOKIE


def login_cookie_name(secure: bool) -> str:
    return SECURE_LOGIN_COOKIE if secure else LOGIN_COOKIE


def set_session_cookie(response: Response, name: str, token: str, secure: bool) -> None:
    """HttpOnly (no script reads it), SameSite=Lax, Secure on https, for the whole site."""
    response.set_cookie(
        name,
        token,
        max_age=int(ABSOLUTE.total_seconds()),
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, name: str, secure: bool) -> None:
    response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def set_login_cookie(response: Response, name: str, token: str, secure: bool) -> None:
    """The login form's double-submit token: SameSite=Strict, an hour."""
    response.set_cookie(
        name, token, max_age=3600, path="/", secure=secure, httponly=True, samesite="strict"
    )


__all__ = [
    "clear_session_cookie",
    "login_cookie_name",
    "new_login_token",
    "set_login_cookie",
    "set_session_cookie",
]
