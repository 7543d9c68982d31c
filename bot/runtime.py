"""Builds the running bot from settings: database, flows, catalogs, services, adapters.

Keeping construction in one place means the web app, the command line, the benchmark and the
tests all run exactly the same wiring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.channels.base import ChannelAdapter
from bot.channels.simulator import SimulatorAdapter
from bot.channels.whatsapp import WhatsAppAdapter
from bot.channels.whatsapp_templates import TemplateBook
from bot.clock import process_clock
from bot.db.engine import make_engine
from bot.db.types import configure_cipher
from bot.services.conversations import ConversationService
from bot.services.dispatcher import Dispatcher
from bot.services.pipeline import InboundPipeline
from bot.services.ratelimit import Limits, RateLimiter
from bot.settings import Settings
from conversations.engine import Engine as FlowEngine
from conversations.i18n import Catalogs
from conversations.languages import default_languages
from conversations.loader import read_flows

if TYPE_CHECKING:
    from bot.channels.telegram.adapter import TelegramAdapter

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock (aware UTC).  Tests pass a controllable one instead."""
    return datetime.now(UTC)


@cache
def load_flow_engine() -> FlowEngine:
    """Read, validate and build the flows and catalogs once per process."""
    catalogs = Catalogs.load(default_languages())
    return FlowEngine(read_flows(), catalogs)


@dataclass
class Runtime:
    """Everything a running bot needs, built from :class:`Settings`."""

    settings: Settings
    db: Engine
    flow_engine: FlowEngine
    conversations: ConversationService
    dispatcher: Dispatcher
    simulator: SimulatorAdapter
    pipeline: InboundPipeline
    clock: Clock
    adapters: dict[str, ChannelAdapter] = field(default_factory=dict)
    telegram: TelegramAdapter | None = None
    whatsapp: WhatsAppAdapter | None = None

    def close(self) -> None:
        """Release database connections."""
        self.conversations.close()
        self.db.dispose()


def build_runtime(
    settings: Settings, clock: Clock | None = None, db: Engine | None = None
) -> Runtime:
    """Wire the bot.  Does not migrate or start anything.  Without ``clock`` the process clock
    (``bot.clock.process_clock``: real, or pinned by ``TWC_CLOCK_START``)."""
    clock = clock or process_clock(settings)
    configure_cipher(settings.secret_key)
    db = db or make_engine(settings.database_url)
    flow_engine = load_flow_engine()
    simulator = SimulatorAdapter(db, clock)
    adapters: dict[str, ChannelAdapter] = {}
    if settings.simulator_enabled:
        adapters[simulator.name] = simulator
    conversations = ConversationService(
        db, flow_engine, settings.secret_key, settings.default_organisation, clock
    )
    telegram = None
    limits: dict[str, RateLimiter] = {}
    if settings.telegram_enabled:
        from bot.channels.telegram.adapter import TelegramAdapter

        telegram = TelegramAdapter(settings, db, flow_engine, clock)
        adapters[telegram.name] = telegram
        limits[telegram.name] = RateLimiter(
            Limits(
                per_second=settings.telegram_rate,
                chat_interval=settings.telegram_chat_interval,
                group_per_minute=settings.telegram_group_per_minute,
            ),
            clock,
        )
    # ---- WhatsApp through Twilio (on when TWC_TWILIO_* are set) ----
    whatsapp = build_whatsapp(settings, clock)
    if whatsapp is not None:
        adapters[whatsapp.name] = whatsapp
        # Twilio's rate is per sender, not per chat: only the total counts.
        limits[whatsapp.name] = RateLimiter(
            Limits(per_second=settings.twilio_rate, chat_interval=0.0),
            clock,
            is_group=lambda _address: False,
        )
    dispatcher = Dispatcher(db, adapters, clock, limits=limits)
    pipeline = InboundPipeline(conversations)
    if telegram is not None:
        telegram.attach(pipeline.submit, dispatcher.wake)
    return Runtime(
        settings,
        db,
        flow_engine,
        conversations,
        dispatcher,
        simulator,
        pipeline,
        clock,
        adapters,
        telegram,
        whatsapp,
    )


def build_whatsapp(settings: Settings, clock: Clock) -> WhatsAppAdapter | None:
    """The WhatsApp adapter if the channel is configured (templates read and checked here)."""
    if not settings.whatsapp_enabled:
        return None
    assert settings.twilio_account_sid
    assert settings.twilio_auth_token
    assert settings.twilio_whatsapp_from
    return WhatsAppAdapter(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_whatsapp_from,
        TemplateBook.load(settings.twilio_templates),
        clock,
        public_url=settings.public_url,
        api_url=settings.twilio_api_url,
    )
