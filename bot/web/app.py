"""The ASGI application factory and its lifespan (dispatcher and scheduler run inside it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.channels.simulator.routes import simulator_routes
from bot.features.courses.calendar import calendar_routes
from bot.runtime import Runtime
from bot.web.errors import error_response
from scheduler.due import recover_claimed
from scheduler.runner import build_scheduler

log = logging.getLogger(__name__)


def create_app(runtime: Runtime, background: bool = True) -> Starlette:
    """The web app.  With ``background`` the dispatcher and the scheduler run in its lifespan."""

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def home(_request: Request) -> Response:
        return RedirectResponse("/simulator" if runtime.settings.simulator_enabled else "/healthz")

    routes = [Route("/", home), Route("/healthz", health)]
    if runtime.settings.simulator_enabled:
        routes += simulator_routes(runtime)
    telegram = runtime.telegram
    if telegram is not None and runtime.settings.telegram_effective_mode == "webhook":
        from bot.channels.telegram.webhook import telegram_routes

        routes += telegram_routes(telegram)
    if runtime.whatsapp is not None:  # WhatsApp through Twilio
        from bot.channels.whatsapp.webhook import whatsapp_routes

        routes += whatsapp_routes(runtime)
    routes += calendar_routes(runtime.db, runtime.settings.secret_key, runtime.clock)  # issue 5

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
        polling = None
        if telegram is not None:
            await telegram.start()
            if runtime.settings.telegram_effective_mode == "polling":
                polling = asyncio.create_task(telegram.poll(stop))
        try:
            yield
        finally:
            stop.set()
            scheduler.shutdown(wait=False)
            if polling is not None:
                polling.cancel()  # a long poll would otherwise hold shutdown for its timeout
                with contextlib.suppress(asyncio.CancelledError):
                    await polling
            await dispatcher
            if telegram is not None:
                await telegram.stop()

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(exc.status_code, str(exc.detail))

    async def server_error(_request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal error")

    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
