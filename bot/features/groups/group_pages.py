"""``/staff/groups``: the organisation's groups, each group's page, a form to start or change
one, and linking a Telegram group the bot is in.

* ``GET /staff/groups``: the groups with their organisers (first names), member counts, the
  next meetup, and those with no meetup for two months marked (so staff can help);
* ``GET``/``POST /staff/groups/new`` and ``/staff/groups/<id>/edit``: the form;
* ``GET /staff/groups/<id>``: the group, its organisers, members and requests (counts);
* ``POST /staff/groups/<id>/telegram``, ``…/close``.

Every POST answers with a redirect and a notice.  Another organisation's ids are answered
like ids nobody has: 404.  Women appear by first name only, organisers only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.db.tables import group_members, groups, meetups, organisations, people, telegram_groups
from bot.features.groups import groups as service
from bot.features.groups import membership as m
from bot.features.groups.group_admin import GroupAdmin, GroupError
from bot.web.staff.i18n import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

PATH = "/staff/groups"
MAX_ID = 2**31 - 1
QUIET_DAYS = 61
"""A group with no meetup for this long is marked on the list (about two months)."""

NOTICES = {
    "created": N_("Die Gruppe ist gespeichert."),
    "saved": N_("Die Änderungen sind gespeichert."),
    "closed": N_("Die Gruppe ist geschlossen."),
    "linked": N_("Die Telegram-Gruppe ist verknüpft."),
    "unlinked": N_("Die Telegram-Gruppe ist nicht mehr verknüpft."),
}
NAME_REQUIRED = N_("Bitte einen Namen in der Hauptsprache der Organisation eingeben.")
TOWN_REQUIRED = N_("Bitte den Ort eingeben.")
FORM_INVALID = N_("Bitte prüfen Sie die markierten Felder. Es wurde nichts gespeichert.")


def _id(value: Any) -> int | None:
    text = str(value or "").strip()
    if not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class GroupPages:
    """The endpoints; each wrapped in ``shell.page`` (login required)."""

    def __init__(self, runtime: Runtime, shell: StaffShell) -> None:
        self.shell = shell
        self.runtime = runtime

    def routes(self) -> list[BaseRoute]:
        page = self.shell.page
        one = f"{PATH}/{{group_id:int}}"
        return [
            Route(PATH, page(self.show), methods=["GET"]),
            Route(f"{PATH}/new", page(self.new), methods=["GET"]),
            Route(f"{PATH}/new", page(self.save), methods=["POST"]),
            Route(one, page(self.group), methods=["GET"]),
            Route(f"{one}/edit", page(self.edit_form), methods=["GET"]),
            Route(f"{one}/edit", page(self.save), methods=["POST"]),
            Route(f"{one}/telegram", page(self.telegram), methods=["POST"]),
            Route(f"{one}/close", page(self.close), methods=["POST"]),
        ]

    @staticmethod
    def staff(request: Request) -> StaffUser:
        found: StaffUser = request.state.staff
        return found

    def admin(self, request: Request) -> GroupAdmin:
        return GroupAdmin(self.runtime.db, self.runtime.clock, f"staff:{self.staff(request).id}")

    def _notice(self, request: Request) -> str | None:
        notice = NOTICES.get(request.query_params.get("notice", ""))
        return self.shell.gettext(request)(notice) if notice else None

    # ---- the list -----------------------------------------------------------------------

    def _summary(self, conn: Connection, row: Any, now: datetime) -> dict[str, Any]:
        default = self._default_language(conn, row.organisation_id)
        names = conn.execute(
            select(people.c.display_name).where(people.c.id.in_(m.organisers(conn, row.id)))
        ).scalars()
        upcoming = conn.execute(
            select(func.min(meetups.c.starts_at)).where(
                meetups.c.group_id == row.id,
                meetups.c.status == "confirmed",
                meetups.c.starts_at >= now,
            )
        ).scalar()
        latest = conn.execute(
            select(func.max(func.coalesce(meetups.c.starts_at, meetups.c.created_at))).where(
                meetups.c.group_id == row.id, meetups.c.status != "cancelled"
            )
        ).scalar()
        since = now - timedelta(days=QUIET_DAYS)
        quiet = row.status == "active" and (
            (latest is None and row.created_at <= since)
            or (latest is not None and latest <= since)
        )
        pending = conn.execute(
            select(func.count())
            .select_from(group_members)
            .where(group_members.c.group_id == row.id, group_members.c.status == m.PENDING)
        ).scalar_one()
        return {
            "row": row,
            "name": m.group_name(row, default, default),
            "organisers": sorted(service.first_name(n) for n in names),
            "members": service.member_count(conn, row.id),
            "pending": int(pending),
            "next_meetup": upcoming,
            "quiet": quiet,
        }

    @staticmethod
    def _default_language(conn: Connection, organisation_id: int) -> str:
        return str(
            conn.execute(
                select(organisations.c.default_language).where(
                    organisations.c.id == organisation_id
                )
            ).scalar()
            or "de"
        )

    async def show(self, request: Request) -> Response:
        staff = self.staff(request)
        now = self.runtime.clock()

        def read() -> list[dict[str, Any]]:
            with self.runtime.db.connect() as conn:
                rows = conn.execute(
                    select(groups)
                    .where(groups.c.organisation_id.in_(staff.organisation_ids))
                    .order_by(groups.c.status, groups.c.id)
                )
                return [self._summary(conn, row, now) for row in rows]

        found = await run_in_threadpool(read)
        context = {
            "active": [g for g in found if g["row"].status == "active"],
            "closed": [g for g in found if g["row"].status != "active"],
            "notice": self._notice(request),
        }
        return self.shell.render(request, "groups/list.html", context)

    # ---- one group ----------------------------------------------------------------------

    def _row(self, conn: Connection, staff: StaffUser, group_id: int | None) -> Any:
        row = service.group(conn, group_id or 0)
        if row is None or row.organisation_id not in staff.organisation_ids:
            return None
        return row

    async def group(self, request: Request, error: str | None = None) -> Response:
        staff = self.staff(request)
        group_id = _id(request.path_params.get("group_id"))
        now = self.runtime.clock()

        def read() -> tuple[dict[str, Any] | None, list[Any]]:
            with self.runtime.db.connect() as conn:
                row = self._row(conn, staff, group_id)
                if row is None:
                    return None, []
                chats = list(
                    conn.execute(
                        select(telegram_groups.c.chat_id, telegram_groups.c.title)
                        .where(
                            telegram_groups.c.status == "member",
                            (telegram_groups.c.organisation_id == row.organisation_id)
                            | telegram_groups.c.organisation_id.is_(None),
                        )
                        .order_by(telegram_groups.c.title)
                    )
                )
                summary = self._summary(conn, row, now)
                summary["linked"] = conn.execute(
                    select(telegram_groups.c.chat_id).where(
                        telegram_groups.c.id == row.telegram_group_id
                    )
                ).scalar()
                return summary, chats

        summary, chats = await run_in_threadpool(read)
        if summary is None:
            return self.shell.not_found(request)
        context = {
            "g": summary,
            "chats": chats,
            "notice": self._notice(request),
            "error": error,
        }
        return self.shell.render(request, "groups/group.html", context, 409 if error else 200)

    # ---- the form -----------------------------------------------------------------------

    def _form_context(
        self, staff: StaffUser, row: Any, form: dict[str, Any], errors: dict[str, str]
    ) -> dict[str, Any]:
        with self.runtime.db.connect() as conn:
            organisation_id = row.organisation_id if row else min(staff.organisation_ids)
            default = self._default_language(conn, organisation_id)
        return {
            "group_id": row.id if row else None,
            "default_language": default,
            "form": form,
            "errors": errors,
        }

    async def new(self, request: Request) -> Response:
        staff = self.staff(request)
        if not staff.organisation_ids:
            return self.shell.not_found(request)
        context = await run_in_threadpool(self._form_context, staff, None, {}, {})
        return self.shell.render(request, "groups/form.html", context)

    async def edit_form(self, request: Request) -> Response:
        staff = self.staff(request)
        group_id = _id(request.path_params.get("group_id"))

        def read() -> dict[str, Any] | None:
            with self.runtime.db.connect() as conn:
                row = self._row(conn, staff, group_id)
            if row is None:
                return None
            default = self._form_context(staff, row, {}, {})["default_language"]
            form = {
                "name": (row.name or {}).get(default, ""),
                "description": (row.description or {}).get(default, ""),
                "directions": (row.directions or {}).get(default, ""),
                "town": row.town,
                "approval": row.approval,
                "children_welcome": row.children_welcome,
                "places": ", ".join(row.usual_places or []),
            }
            return self._form_context(staff, row, form, {})

        context = await run_in_threadpool(read)
        if context is None:
            return self.shell.not_found(request)
        return self.shell.render(request, "groups/form.html", context)

    async def save(self, request: Request) -> Response:
        staff = self.staff(request)
        group_id = _id(request.path_params.get("group_id"))
        data = await request.form()
        form: dict[str, Any] = {
            key: str(data.get(key, "")).strip()[:1000]
            for key in ("name", "description", "directions", "town", "places")
        }
        form["name"] = str(form["name"])[:80]
        form["approval"] = data.get("approval") == "on"
        form["children_welcome"] = data.get("children_welcome") == "on"
        _ = self.shell.gettext(request)

        def act() -> tuple[int | None, dict[str, Any] | None]:
            with self.runtime.db.connect() as conn:
                row = self._row(conn, staff, group_id) if group_id else None
            if group_id and row is None:
                return None, None
            context = self._form_context(staff, row, form, {})
            default = context["default_language"]
            errors = {}
            if not form["name"]:
                errors["name"] = _(NAME_REQUIRED)
            if not form["town"]:
                errors["town"] = _(TOWN_REQUIRED)
            if errors:
                return None, {**context, "errors": errors, "alert": _(FORM_INVALID)}
            values: dict[str, Any] = {
                "names": {**(dict(row.name or {}) if row else {}), default: form["name"]},
                "town": form["town"],
                "descriptions": {
                    **(dict(row.description or {}) if row else {}),
                    default: form["description"],
                },
                "directions": {
                    **(dict(row.directions or {}) if row else {}),
                    default: form["directions"],
                },
                "approval": form["approval"],
                "children_welcome": form["children_welcome"],
                "places": [p for p in str(form["places"]).split(",") if p.strip()],
            }
            if row is None:
                new_id, _code = self.admin(request).create(min(staff.organisation_ids), **values)
                return new_id, None
            self.admin(request).edit(row.id, **values)
            return row.id, None

        try:
            saved, invalid = await run_in_threadpool(act)
        except GroupError:
            return self.shell.not_found(request)
        if invalid is not None:
            return self.shell.render(request, "groups/form.html", invalid, 400)
        if saved is None:
            return self.shell.not_found(request)
        notice = "saved" if group_id else "created"
        return RedirectResponse(f"{PATH}/{saved}?notice={notice}", status_code=303)

    # ---- Telegram, closing --------------------------------------------------------------

    async def telegram(self, request: Request) -> Response:
        staff = self.staff(request)
        group_id = _id(request.path_params.get("group_id"))
        chat = str((await request.form()).get("chat", "")).strip()[:32] or None

        def act() -> bool:
            with self.runtime.db.connect() as conn:
                if self._row(conn, staff, group_id) is None:
                    return False
            self.admin(request).link_telegram(int(group_id or 0), chat)
            return True

        try:
            done = await run_in_threadpool(act)
        except GroupError:
            return await self.group(request, "telegram")
        if not done:
            return self.shell.not_found(request)
        notice = "linked" if chat else "unlinked"
        return RedirectResponse(f"{PATH}/{group_id}?notice={notice}", status_code=303)

    async def close(self, request: Request) -> Response:
        staff = self.staff(request)
        group_id = _id(request.path_params.get("group_id"))

        def act() -> bool:
            with self.runtime.db.connect() as conn:
                if self._row(conn, staff, group_id) is None:
                    return False
            self.admin(request).close(int(group_id or 0))
            return True

        if not await run_in_threadpool(act):
            return self.shell.not_found(request)
        return RedirectResponse(f"{PATH}/{group_id}?notice=closed", status_code=303)


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The groups' pages (``Feature.staff_pages``)."""
    return GroupPages(runtime, shell).routes()


__all__ = ["PATH", "GroupPages", "staff_pages"]
