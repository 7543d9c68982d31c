"""Her own account: language, password change, second factor (TOTP) set-up and removal."""

from __future__ import annotations

import asyncio

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.staff import passwords
from bot.staff.accounts import AccountError
from bot.staff.principal import StaffUser
from bot.staff.totp import SecondFactor, qr_svg
from bot.web.staff.shell import StaffShell

MAX_FIELD = 1024


def routes(shell: StaffShell, second_factor: SecondFactor) -> list[BaseRoute]:
    """``/staff/account`` and its forms."""

    def account_page(request: Request, message: str | None = None) -> Response:
        staff_user: StaffUser = request.state.staff
        enabled = second_factor.enabled(staff_user.id)
        return shell.render(
            request,
            "staff/account.html",
            {"second_factor": enabled, "message": message},
        )

    async def show(request: Request) -> Response:
        _ = shell.gettext(request)
        done = request.query_params.get("done")
        messages = {
            "password": _("Ihr Passwort ist geändert."),
            "language": _("Die Sprache ist geändert."),
            "second-factor-on": _("Die Zwei-Faktor-Anmeldung ist eingeschaltet."),
            "second-factor-off": _("Die Zwei-Faktor-Anmeldung ist ausgeschaltet."),
        }
        return await asyncio.to_thread(account_page, request, messages.get(done or ""))

    async def language(request: Request) -> Response:
        staff_user: StaffUser = request.state.staff
        form = await request.form()
        chosen = str(form.get("language") or "")
        try:
            await asyncio.to_thread(shell.accounts.set_language, staff_user.id, chosen)
        except AccountError as error:
            return shell.refused(request, 400, shell.gettext(request)(error.message))
        return RedirectResponse("/staff/account?done=language", status_code=303)

    def password_page(
        request: Request, error: str | None = None, status_code: int = 200
    ) -> Response:
        forced = shell.accounts.must_change_password(request.state.staff.id)
        return shell.render(
            request,
            "staff/password.html",
            {"error": error, "forced": forced, "min_length": passwords.MIN_LENGTH},
            status_code,
        )

    async def password_get(request: Request) -> Response:
        return await asyncio.to_thread(password_page, request)

    async def password_post(request: Request) -> Response:
        _ = shell.gettext(request)
        staff_user: StaffUser = request.state.staff
        form = await request.form()
        current = str(form.get("current") or "")[:MAX_FIELD]
        new = str(form.get("new") or "")[:MAX_FIELD]
        repeated = str(form.get("repeat") or "")[:MAX_FIELD]
        if new != repeated:
            return await asyncio.to_thread(
                password_page, request, _("Die beiden neuen Passwörter sind verschieden."), 400
            )
        try:
            await asyncio.to_thread(shell.accounts.change_password, staff_user.id, current, new)
        except AccountError as error:
            return await asyncio.to_thread(password_page, request, _(error.message), 400)
        session = shell.session_of(request)
        await asyncio.to_thread(
            shell.sessions.end_all, staff_user.id, session.id if session else None
        )
        return RedirectResponse("/staff/account?done=password", status_code=303)

    def setup_page(request: Request, error: str | None = None, status_code: int = 200) -> Response:
        staff_user: StaffUser = request.state.staff
        secret = second_factor.pending_secret(staff_user.id) or second_factor.start(staff_user.id)
        uri = second_factor.uri(secret, staff_user.email)
        return shell.render(
            request,
            "staff/second_factor.html",
            {
                "qr": Markup(qr_svg(uri)),  # noqa: S704 - segno's own SVG, no user input
                "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
                "error": error,
            },
            status_code,
        )

    async def setup_get(request: Request) -> Response:
        if await asyncio.to_thread(second_factor.enabled, request.state.staff.id):
            return RedirectResponse("/staff/account", status_code=303)
        return await asyncio.to_thread(setup_page, request)

    async def setup_post(request: Request) -> Response:
        _ = shell.gettext(request)
        staff_user: StaffUser = request.state.staff
        form = await request.form()
        code = str(form.get("code") or "")[:32]
        if not await asyncio.to_thread(second_factor.confirm, staff_user.id, code):
            return await asyncio.to_thread(
                setup_page,
                request,
                _("Der Code stimmt nicht. Bitte geben Sie den aktuellen Code aus Ihrer App ein."),
                400,
            )
        return RedirectResponse("/staff/account?done=second-factor-on", status_code=303)

    async def remove(request: Request) -> Response:
        _ = shell.gettext(request)
        staff_user: StaffUser = request.state.staff
        form = await request.form()
        password = str(form.get("password") or "")[:MAX_FIELD]
        if not await asyncio.to_thread(shell.accounts.password_matches, staff_user.id, password):
            response = await asyncio.to_thread(
                account_page, request, _("Das Passwort stimmt nicht.")
            )
            response.status_code = 400
            return response
        await asyncio.to_thread(second_factor.reset, staff_user.id, staff_user.actor)
        return RedirectResponse("/staff/account?done=second-factor-off", status_code=303)

    return [
        Route("/staff/account", shell.page(show), methods=["GET"]),
        Route("/staff/account/language", shell.page(language), methods=["POST"]),
        Route("/staff/account/password", shell.page(password_get), methods=["GET"]),
        Route("/staff/account/password", shell.page(password_post), methods=["POST"]),
        Route("/staff/account/second-factor", shell.page(setup_get), methods=["GET"]),
        Route("/staff/account/second-factor", shell.page(setup_post), methods=["POST"]),
        Route("/staff/account/second-factor/off", shell.page(remove), methods=["POST"]),
    ]


__all__ = ["routes"]
