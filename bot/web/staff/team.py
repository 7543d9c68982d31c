"""The admins' team pages: the staff of my organisations, add a member, reset a password or a
second factor, deactivate.  Every action is in ``audit_log`` (by :mod:`bot.staff.accounts`).

An admin sees and changes only staff with a membership in an organisation she administers;
anyone else is a 404, like an id that does not exist.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.db.tables import organisations
from bot.staff.accounts import LANGUAGES, AccountError, StaffRow
from bot.staff.passwords import generate_password
from bot.staff.principal import ROLES, StaffUser
from bot.staff.totp import SecondFactor
from bot.web.staff.i18n import LANGUAGE_NAMES
from bot.web.staff.shell import StaffShell

MAX_FIELD = 254


def routes(shell: StaffShell, second_factor: SecondFactor) -> list[BaseRoute]:
    """``/staff/team`` and its actions (admins only)."""
    accounts = shell.accounts

    def organisation_names(ids: frozenset[int]) -> dict[int, str]:
        if not ids:
            return {}
        with shell.runtime.db.connect() as conn:
            return {
                row.id: row.name
                for row in conn.execute(
                    select(organisations.c.id, organisations.c.name)
                    .where(organisations.c.id.in_(ids))
                    .order_by(organisations.c.name)
                )
            }

    def member(request: Request) -> StaffRow | None:
        """The staff member of the URL, if she is in one of my organisations."""
        me: StaffUser = request.state.staff
        try:
            wanted = int(request.path_params["staff_id"])
        except (KeyError, ValueError):
            return None
        for row in accounts.listing(me.admin_organisation_ids):
            if row.id == wanted:
                return row
        return None

    def team_page(request: Request, extra: dict[str, Any] | None = None) -> Response:
        me: StaffUser = request.state.staff
        context: dict[str, Any] = {
            "members": accounts.listing(me.admin_organisation_ids),
            "organisations": organisation_names(me.admin_organisation_ids),
            "roles": ROLES,
            "language_names": LANGUAGE_NAMES,
            "staff_languages": LANGUAGES,
            "one_time": None,
            "error": None,
            "form": {},
        }
        context.update(extra or {})
        status = int(context.pop("status_code", 200))
        return shell.render(request, "staff/team.html", context, status)

    async def show(request: Request) -> Response:
        return await asyncio.to_thread(team_page, request)

    async def add(request: Request) -> Response:
        _ = shell.gettext(request)
        me: StaffUser = request.state.staff
        form = await request.form()
        values = {
            key: str(form.get(key) or "").strip()[:MAX_FIELD]
            for key in ("email", "name", "language", "role", "organisation")
        }
        try:
            organisation_id = int(values["organisation"])
        except ValueError:
            organisation_id = 0
        if not me.is_admin(organisation_id):
            return await asyncio.to_thread(
                team_page,
                request,
                {
                    "error": _("Bitte wählen Sie eine Organisation."),
                    "form": values,
                    "status_code": 400,
                },
            )
        existing = await asyncio.to_thread(accounts.id_of, values["email"])
        try:
            if existing is not None:
                await asyncio.to_thread(
                    accounts.set_role, existing, organisation_id, values["role"], me.actor
                )
                one_time = None
            else:
                one_time = generate_password()
                await asyncio.to_thread(
                    lambda: accounts.create(
                        values["email"],
                        one_time,
                        organisation_id=organisation_id,
                        role=values["role"],
                        actor=me.actor,
                        display_name=values["name"],
                        language=values["language"] or "de",
                        must_change_password=True,
                    )
                )
        except AccountError as error:
            return await asyncio.to_thread(
                team_page,
                request,
                {"error": _(error.message), "form": values, "status_code": 400},
            )
        notice = (
            {"email": values["email"].lower(), "password": one_time}
            if one_time
            else {"email": values["email"].lower(), "password": None}
        )
        return await asyncio.to_thread(team_page, request, {"one_time": notice})

    async def reset_password(request: Request) -> Response:
        me: StaffUser = request.state.staff
        target = await asyncio.to_thread(member, request)
        if target is None:
            return shell.not_found(request)
        one_time = await asyncio.to_thread(accounts.reset_password, target.id, me.actor)
        await asyncio.to_thread(shell.sessions.end_all, target.id)
        return await asyncio.to_thread(
            team_page, request, {"one_time": {"email": target.email, "password": one_time}}
        )

    async def reset_second_factor(request: Request) -> Response:
        me: StaffUser = request.state.staff
        target = await asyncio.to_thread(member, request)
        if target is None:
            return shell.not_found(request)
        await asyncio.to_thread(second_factor.reset, target.id, me.actor)
        return RedirectResponse("/staff/team", status_code=303)

    async def set_active(request: Request) -> Response:
        _ = shell.gettext(request)
        me: StaffUser = request.state.staff
        target = await asyncio.to_thread(member, request)
        if target is None:
            return shell.not_found(request)
        form = await request.form()
        active = form.get("active") == "1"
        if target.id == me.id and not active:
            return await asyncio.to_thread(
                team_page,
                request,
                {
                    "error": _("Sie können Ihr eigenes Konto nicht deaktivieren."),
                    "status_code": 400,
                },
            )
        await asyncio.to_thread(accounts.set_active, target.id, active, me.actor)
        if not active:
            await asyncio.to_thread(shell.sessions.end_all, target.id)
        return RedirectResponse("/staff/team", status_code=303)

    return [
        Route("/staff/team", shell.page(show, admin=True), methods=["GET"]),
        Route("/staff/team", shell.page(add, admin=True), methods=["POST"]),
        Route(
            "/staff/team/{staff_id:int}/reset-password",
            shell.page(reset_password, admin=True),
            methods=["POST"],
        ),
        Route(
            "/staff/team/{staff_id:int}/reset-second-factor",
            shell.page(reset_second_factor, admin=True),
            methods=["POST"],
        ),
        Route(
            "/staff/team/{staff_id:int}/active",
            shell.page(set_active, admin=True),
            methods=["POST"],
        ),
    ]


__all__ = ["routes"]
