"""The ASGI application factory and its lifespan (channels, dispatcher and scheduler in it).

The web layer knows no platform: each channel brings its own routes (webhooks, the simulator's
page and API) bound to the inbound service, and each feature its own (calendar files).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.features.registry import FEATURES
from bot.runtime import Runtime
from bot.web.errors import error_response
from bot.web.headers import SecurityHeaders, security_headers
from bot.web.limits import BodyLimit
from bot.web.staff.cookies import login_cookie_name
from bot.web.staff.guard import StaffGuard, StaffOnly
from bot.web.staff.routes import build_staff
from scheduler.due import recover_claimed
from scheduler.runner import build_scheduler

log = logging.getLogger(__name__)


def create_app(runtime: Runtime, background: bool = True) -> Starlette:
    """The web app.  With ``background`` the channels receive, and the dispatcher and the
    scheduler run, in its lifespan."""

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def home(_request: Request) -> Response:
        return RedirectResponse("/simulator" if runtime.settings.simulator_enabled else "/healthz")

    routes: list[Any] = [Route("/", home), Route("/healthz", health)]
    for channel in runtime.channels.values():
        routes += channel.routes(runtime.inbound)
    for feature in FEATURES:
        if feature.routes is not None:
            routes += feature.routes(runtime)
    staff = build_staff(runtime)
    routes += staff.routes

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if not background:
            yield
            return
        stop = asyncio.Event()
        runtime.dispatcher.recover()
        await asyncio.to_thread(recover_claimed, runtime.db)
        dispatcher = asyncio.create_task(
            runtime.dispatcher.run(stop, runtime.settings.dispatch_interval_seconds)
        )
        scheduler = build_scheduler(runtime, runtime.dispatcher.wake)
        scheduler.start()
        for channel in runtime.channels.values():
            await channel.start(runtime.inbound)
        try:
            yield
        finally:
            stop.set()
            scheduler.shutdown(wait=False)
            await dispatcher  # the sends in flight finish first
            for channel in runtime.channels.values():
                await channel.stop()

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(exc.status_code, str(exc.detail))

    async def client_gone(request: Request, _exc: Exception) -> Response:
        # She hung up (or BodyLimit answered 413 in the handler's place): nothing to
        # answer and nothing wrong here, so one quiet line, not a traceback.
        route = getattr(request.scope.get("route"), "path", "?")  # the template: no tokens
        log.info("client went away during %s %s", request.method, route)
        return Response(status_code=499)

    async def server_error(_request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        response = error_response(500, "internal error")
        # Starlette answers an unhandled error outside every middleware: the headers too.
        for name, value in security_headers(runtime.settings.public_url):
            response.headers[name.decode()] = value.decode()
        return response

    settings = runtime.settings
    # Outside development the simulator (when switched on) is for logged-in staff only.
    behind_login = ("/simulator",) if settings.simulator_needs_login else ()
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        # Outermost first: every answer gets the headers, the body limit's 413 included.
        middleware=[
            Middleware(SecurityHeaders, public_url=settings.public_url),
            Middleware(
                BodyLimit,
                max_bytes=settings.max_body_bytes,
                larger={
                    path: max(limit, settings.max_body_bytes)
                    for feature in FEATURES
                    for path, limit in feature.body_limits.items()
                },
            ),
            # Sessions and CSRF under /staff, after the body limit (it buffers forms).
            Middleware(
                StaffGuard,
                sessions=staff.shell.sessions,
                cookie=staff.shell.cookie,
                login_cookie=login_cookie_name(staff.shell.secure),
                refuse=staff.shell.csrf_refusal,
                also=behind_login,
            ),
            Middleware(StaffOnly, paths=behind_login),
        ],
        exception_handlers={
            HTTPException: http_error,
            ClientDisconnect: client_gone,
            Exception: server_error,
        },
    )
