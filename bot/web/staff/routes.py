"""The shell's own pages: log in (with the second factor), log out, the dashboard, static files.

The account page (password, language, second factor) is in :mod:`.account`, the admins' team
pages in :mod:`.team`; :func:`build_staff` puts them together with every feature's pages.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote
from zoneinfo import ZoneInfo

from babel.dates import format_time
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.features import registry
from bot.features.feature import Panel
from bot.staff.accounts import LoginResult
from bot.staff.texts import N_
from bot.staff.totp import SecondFactor
from bot.web.staff import account, team
from bot.web.staff.cookies import (
    clear_session_cookie,
    login_cookie_name,
    new_login_token,
    set_login_cookie,
    set_session_cookie,
)
from bot.web.staff.guard import read_cookies
from bot.web.staff.shell import DEFAULT_TIMEZONE, StaffShell, safe_next

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
MAX_FIELD = 1024
WRONG = N_("E-Mail-Adresse oder Passwort stimmt nicht.")
LOCKED = N_(
    "Zu viele fehlgeschlagene Anmeldungen. Aus Sicherheitsgründen ist die Anmeldung bis "
    "%(time)s Uhr gesperrt. Bitte versuchen Sie es danach noch einmal."
)
WRONG_CODE = N_("Der Code stimmt nicht. Bitte geben Sie den aktuellen Code aus Ihrer App ein.")


@dataclass(frozen=True)
class StaffWeb:
    """The staff app: its shell and every route under ``/staff``."""

    shell: StaffShell
    routes: list[BaseRoute]


def client_address(request: Request) -> str | None:
    """The address the request came from (the proxy's, behind one; never stored as such)."""
    return request.client.host if request.client else None


def build_staff(runtime: Runtime) -> StaffWeb:
    """The shell with every feature's templates and links, and all staff routes."""
    shell = StaffShell(
        runtime, template_dirs=registry.staff_template_dirs(), nav=registry.staff_nav()
    )
    second_factor = SecondFactor(runtime.db, runtime.clock)
    login_cookie = login_cookie_name(shell.secure)

    def login_page(
        request: Request,
        *,
        error: str | None = None,
        email: str = "",
        status_code: int = 200,
    ) -> Response:
        token = read_cookies(request.scope).get(login_cookie) or new_login_token()
        request.state.csrf_token = token
        response = shell.render(
            request,
            "staff/login.html",
            {
                "error": error,
                "email": email,
                "next": safe_next(request.query_params.get("next")),
            },
            status_code,
        )
        set_login_cookie(response, login_cookie, token, shell.secure)
        return response

    async def login_get(request: Request) -> Response:
        session = shell.session_of(request)
        if session is not None and not session.second_factor_pending:
            return RedirectResponse(safe_next(request.query_params.get("next")), 303)
        return login_page(request)

    async def login_post(request: Request) -> Response:
        _ = shell.gettext(request)
        form = await request.form()
        email = str(form.get("email") or "")[:MAX_FIELD]
        password = str(form.get("password") or "")[:MAX_FIELD]
        target = safe_next(str(form.get("next") or request.query_params.get("next") or ""))
        if not email.strip() or not password:
            return login_page(
                request,
                error=_("Bitte geben Sie E-Mail-Adresse und Passwort ein."),
                email=email,
                status_code=400,
            )
        result: LoginResult = await asyncio.to_thread(
            shell.accounts.login, email, password, client_address(request)
        )
        if result.status == "locked":
            assert result.retry_at is not None
            tz = ZoneInfo(DEFAULT_TIMEZONE)
            when = format_time(
                result.retry_at.astimezone(tz), "short", tzinfo=tz, locale=shell.language(request)
            )
            return login_page(
                request, error=_(LOCKED) % {"time": when}, email=email, status_code=429
            )
        if result.status != "ok" or result.staff_id is None:
            return login_page(request, error=_(WRONG), email=email, status_code=400)
        previous = read_cookies(request.scope).get(shell.cookie)
        made = await asyncio.to_thread(
            shell.sessions.create,
            result.staff_id,
            second_factor_pending=result.second_factor,
            replacing=previous,
        )
        if result.second_factor:
            location = f"/staff/login/code?next={quote(target, safe='/')}"
        else:
            location = target
        response = RedirectResponse(location, status_code=303)
        set_session_cookie(response, shell.cookie, made.token, shell.secure)
        response.delete_cookie(login_cookie, path="/", secure=shell.secure, httponly=True)
        return response

    async def her_language(request: Request, staff_id: int) -> None:
        """The code page speaks her language: the password told us who she is."""
        found = await asyncio.to_thread(shell.accounts.principal, staff_id)
        if found is not None:
            request.state.language = found.language

    def code_page(request: Request, error: str | None = None, status_code: int = 200) -> Response:
        return shell.render(
            request,
            "staff/login_code.html",
            {"error": error, "next": safe_next(request.query_params.get("next"))},
            status_code,
        )

    async def code_get(request: Request) -> Response:
        session = shell.session_of(request)
        if session is None:
            return RedirectResponse("/staff/login", 303)
        if not session.second_factor_pending:
            return RedirectResponse("/staff/", 303)
        await her_language(request, session.staff_id)
        return code_page(request)

    async def code_post(request: Request) -> Response:
        session = shell.session_of(request)
        if session is None or not session.second_factor_pending:
            return RedirectResponse("/staff/login", 303)
        await her_language(request, session.staff_id)
        _ = shell.gettext(request)
        form = await request.form()
        code = str(form.get("code") or "")[:32]
        target = safe_next(str(form.get("next") or ""))
        ok = await asyncio.to_thread(second_factor.check, session.staff_id, code)
        if not ok:
            result = await asyncio.to_thread(
                shell.accounts.second_factor_failed, session.staff_id, client_address(request)
            )
            if result.status == "locked":
                token = request.scope["state"].get("staff_token")
                await asyncio.to_thread(shell.sessions.end, token)
                response = login_page(request, error=_(WRONG_CODE), status_code=429)
                clear_session_cookie(response, shell.cookie, shell.secure)
                return response
            return code_page(request, _(WRONG_CODE), 400)
        await asyncio.to_thread(shell.accounts.second_factor_passed, session.staff_id)
        made = await asyncio.to_thread(
            shell.sessions.create,
            session.staff_id,
            replacing=request.scope["state"].get("staff_token"),
        )
        response = RedirectResponse(target, status_code=303)
        set_session_cookie(response, shell.cookie, made.token, shell.secure)
        return response

    async def logout(request: Request) -> Response:
        token = request.scope["state"].get("staff_token")
        await asyncio.to_thread(shell.sessions.end, token)
        response = RedirectResponse("/staff/login", status_code=303)
        clear_session_cookie(response, shell.cookie, shell.secure)
        return response

    panel_makers = registry.dashboard_panels()

    async def dashboard(request: Request) -> Response:
        staff_user = request.state.staff

        def make_panels() -> list[Panel]:
            made = [make(runtime, staff_user) for make in panel_makers]
            return sorted((p for p in made if p is not None), key=lambda p: p.order)

        panels = await asyncio.to_thread(make_panels)
        _ = shell.gettext(request)
        rendered = [
            {
                "title": _(panel.title_msgid),
                # An autoescaped template of ours: its output is already safe HTML.
                "html": Markup(shell.render_fragment(request, panel.template, panel.context)),  # noqa: S704
            }
            for panel in panels
        ]
        return shell.render(request, "staff/dashboard.html", {"panels": rendered})

    async def home(_request: Request) -> Response:
        return RedirectResponse("/staff/", status_code=307)

    routes: list[BaseRoute] = [
        Route("/staff", home, methods=["GET"]),
        Route("/staff/", shell.page(dashboard), methods=["GET"]),
        Route("/staff/login", login_get, methods=["GET"]),
        Route("/staff/login", login_post, methods=["POST"]),
        Route("/staff/login/code", code_get, methods=["GET"]),
        Route("/staff/login/code", code_post, methods=["POST"]),
        Route("/staff/logout", logout, methods=["POST"]),
        Mount("/staff/static", app=StaticFiles(directory=STATIC), name="staff-static"),
        *account.routes(shell, second_factor),
        *team.routes(shell, second_factor),
        *registry.staff_routes(runtime, shell),
    ]
    return StaffWeb(shell, routes)


__all__ = ["StaffWeb", "build_staff", "client_address"]
