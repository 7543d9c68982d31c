"""The staff shell: templates, translations and login-required pages for every feature.

A feature's staff page is a Starlette endpoint wrapped in :meth:`StaffShell.page`, which lets
only a logged-in staff member through (``request.state.staff``, a
:class:`~bot.staff.principal.StaffUser`), and renders with :meth:`StaffShell.render`, which
adds what every template needs: ``staff``, ``csrf_token``, ``_`` and ``ngettext`` in her
language, ``nav``, ``lang`` and the formatting helpers.  Templates are found in
``bot/web/staff/templates`` and in every feature's ``templates/`` folder (one Jinja2
environment, autoescape on).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.db.tables import organisations, staff, staff_memberships
from bot.staff.accounts import StaffAccounts, principal_of
from bot.staff.principal import StaffUser
from bot.staff.sessions import SessionStore, StaffSession, cookie_name
from bot.staff.texts import N_
from bot.web.staff.i18n import LANGUAGE_NAMES, StaffCatalogs, negotiate

if TYPE_CHECKING:
    from bot.features.feature import NavItem
    from bot.runtime import Runtime

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_TIMEZONE = "Europe/Berlin"
LOGIN_PATH = "/staff/login"
PASSWORD_PATH = "/staff/account/password"  # noqa: S105 - a path, not a password

Endpoint = Callable[[Request], Awaitable[Response]]

#: The shell's own links (features add theirs through ``Feature.staff_nav``).
DASHBOARD_NAV: tuple[tuple[str, str, int, bool], ...] = (
    ("/staff/", N_("Übersicht"), 0, False),
    ("/staff/team", N_("Team"), 900, True),
    ("/staff/account", N_("Mein Konto"), 950, False),
)


@dataclass(frozen=True, slots=True)
class NavLink:
    """A navigation link as a template sees it."""

    path: str
    label: str
    current: bool


def safe_next(target: str | None) -> str:
    """Where to go after logging in: only a path under ``/staff`` (or the simulator behind
    the staff login), never another site."""
    if (
        not target
        or not target.startswith(("/staff", "/simulator"))
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return "/staff/"
    return target


class StaffShell:
    """Renders staff pages and guards them (see the module docstring)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        template_dirs: Sequence[Path] = (),
        nav: Sequence[NavItem] = (),
        catalogs: StaffCatalogs | None = None,
    ) -> None:
        self.runtime = runtime
        self.clock = runtime.clock
        self.catalogs = catalogs or StaffCatalogs.load()
        self.sessions = SessionStore(runtime.db, runtime.clock)
        self.accounts = StaffAccounts(runtime.db, runtime.clock, runtime.settings.secret_key)
        self.secure = (runtime.settings.public_url or "").lower().startswith("https://")
        self.cookie = cookie_name(self.secure)
        self.env = Environment(
            loader=ChoiceLoader(
                [
                    FileSystemLoader(str(TEMPLATES)),
                    *(FileSystemLoader(str(d)) for d in template_dirs),
                ]
            ),
            autoescape=select_autoescape(default=True, default_for_string=True),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        own = [(p, label, order, admin) for p, label, order, admin in DASHBOARD_NAV]
        items = own + [(i.path, i.label_msgid, i.order, i.admin) for i in nav]
        self.nav = sorted(items, key=lambda item: item[2])

    # ---- who is asking --------------------------------------------------------------------

    def language(self, request: Request) -> str:
        """Her language when logged in, else the browser's (``?lang=`` wins on public pages)."""
        staff_user: StaffUser | None = getattr(request.state, "staff", None)
        if staff_user is not None:
            return staff_user.language if staff_user.language in LANGUAGE_NAMES else "de"
        known = getattr(request.state, "language", None)  # the second factor's page
        if known in LANGUAGE_NAMES:
            return str(known)
        chosen = request.query_params.get("lang")
        if chosen in LANGUAGE_NAMES:
            return chosen
        return negotiate(request.headers.get("accept-language"))

    def session_of(self, request: Request) -> StaffSession | None:
        """The session the guard found for this request (``None``: not logged in)."""
        found: StaffSession | None = request.scope.get("state", {}).get("staff_session")
        return found

    def gettext(self, request: Request) -> Callable[[str], str]:
        return self.catalogs.gettext(self.language(request))

    # ---- rendering ------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        """The page ``template`` with the shell's context and ``context``."""
        values = self.context(request)
        values.update(context or {})
        html = self.env.get_template(template).render(values)
        return HTMLResponse(html, status_code=status_code, headers={"cache-control": "no-store"})

    def render_fragment(self, request: Request, template: str, context: Mapping[str, Any]) -> str:
        """A template rendered to a string with the shell's context (dashboard panels)."""
        values = self.context(request)
        values.update(context)
        return self.env.get_template(template).render(values)

    def context(self, request: Request) -> dict[str, Any]:
        """What every staff template gets."""
        lang = self.language(request)
        translations = self.catalogs.get(lang)
        staff_user: StaffUser | None = getattr(request.state, "staff", None)
        session = self.session_of(request)
        tz = ZoneInfo(getattr(request.state, "staff_timezone", None) or DEFAULT_TIMEZONE)
        now = self.clock()
        path = request.url.path
        nav = []
        if staff_user is not None:
            for item_path, label, _order, admin in self.nav:
                if admin and not staff_user.is_admin():
                    continue
                current = path == item_path or (
                    item_path != "/staff/" and path.startswith(item_path.rstrip("/") + "/")
                )
                nav.append(NavLink(item_path, translations.gettext(label), current))

        def fmt_datetime(value: datetime | None, format: str = "short") -> str:
            if value is None:
                return "—"
            return format_datetime(value.astimezone(tz), format, tzinfo=tz, locale=lang)

        def fmt_date(value: datetime | None, format: str = "medium") -> str:
            if value is None:
                return "—"
            return format_date(value.astimezone(tz).date(), format, locale=lang)

        def fmt_wait(since: datetime | None) -> str:
            if since is None:
                return "—"
            return format_timedelta(max(now - since, now - now), threshold=1.5, locale=lang)

        csrf = getattr(request.state, "csrf_token", None) or (
            session.csrf_token if session else ""
        )
        return {
            "request": request,
            "staff": staff_user,
            "csrf_token": csrf,
            "_": translations.gettext,
            "gettext": translations.gettext,
            "ngettext": translations.ngettext,
            "lang": lang,
            "languages": LANGUAGE_NAMES,
            "nav": nav,
            "now": now,
            "format_datetime": fmt_datetime,
            "format_date": fmt_date,
            "format_wait": fmt_wait,
        }

    def refused(self, request: Request, status_code: int, message: str) -> HTMLResponse:
        """A translated error page (403 of the CSRF check, 404, …)."""
        return self.render(request, "staff/error.html", {"message": message}, status_code)

    def not_found(self, request: Request) -> HTMLResponse:
        """404 for an object that does not exist or belongs to another organisation (the
        same answer, so a guessed id tells nothing)."""
        _ = self.gettext(request)
        return self.refused(request, 404, _("Nicht gefunden."))

    def csrf_refusal(self, request: Request) -> Response:
        """The 403 of an unsafe request without the session's CSRF token."""
        _ = self.gettext(request)
        return self.refused(
            request,
            403,
            _(
                "Diese Anfrage wurde aus Sicherheitsgründen abgelehnt. Bitte laden Sie die "
                "Seite neu und versuchen Sie es noch einmal."
            ),
        )

    # ---- guarding -------------------------------------------------------------------------

    def page(self, endpoint: Endpoint, *, admin: bool = False) -> Endpoint:
        """``endpoint`` for logged-in staff only (admins of some organisation with ``admin``).

        Not logged in: a GET goes to the login page (and comes back after it), anything else
        gets 401 (htmx: told to load the login page).  A password an admin reset must be
        changed first; a second factor still owed is asked for first.
        """

        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            session = self.session_of(request)
            if session is None or session.second_factor_pending:
                return self.to_login(request)
            found = await asyncio.to_thread(self._load, session.staff_id)
            if found is None:
                await asyncio.to_thread(self.sessions.end_all, session.staff_id)
                return self.to_login(request)
            staff_user, must_change, timezone = found
            request.state.staff = staff_user
            request.state.staff_timezone = timezone
            if must_change and request.url.path != PASSWORD_PATH:
                return RedirectResponse(PASSWORD_PATH, status_code=303)
            if admin and not staff_user.is_admin():
                _ = self.gettext(request)
                return self.refused(
                    request,
                    403,
                    _("Diese Seite ist nur für Administratorinnen und Administratoren."),
                )
            return await endpoint(request)

        return guarded

    def to_login(self, request: Request) -> Response:
        """Send a visitor without a session to the login page."""
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location = f"{LOGIN_PATH}?next={quote(safe_next(target), safe='/')}"
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"hx-redirect": location})
        if request.method in ("GET", "HEAD"):
            return RedirectResponse(location, status_code=303)
        return Response(status_code=401)

    def _load(self, staff_id: int) -> tuple[StaffUser, bool, str] | None:
        with self.runtime.db.connect() as conn:
            staff_user = principal_of(conn, staff_id)
            if staff_user is None:
                return None
            must_change = bool(
                conn.execute(
                    select(staff.c.must_change_password).where(staff.c.id == staff_id)
                ).scalar()
            )
            timezone = conn.execute(
                select(organisations.c.timezone)
                .join(
                    staff_memberships,
                    staff_memberships.c.organisation_id == organisations.c.id,
                )
                .where(staff_memberships.c.staff_id == staff_id)
                .order_by(organisations.c.id)
                .limit(1)
            ).scalar()
        return staff_user, must_change, timezone or DEFAULT_TIMEZONE


__all__ = ["LOGIN_PATH", "NavLink", "StaffShell", "safe_next"]
