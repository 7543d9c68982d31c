"""Builds the running bot from settings and the feature registry.

Keeping construction in one place means the web app, the command line, the benchmarks and the
tests all run exactly the same wiring: database, flows (core and every feature's), the turn
service with every feature's effect writers, the channels, the outbox dispatcher and the one
inbound service every channel hands its events to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.channels.base import Channel, Reach
from bot.channels.messages import DeliveryReport, Reachability
from bot.channels.simulator.channel import SimulatorChannel
from bot.channels.simulator.parse import shown_text
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.templates import TemplateBook
from bot.clock import process_clock
from bot.db.connect import make_engine
from bot.db.simulator_screen import SimulatorScreen
from bot.db.types import configure_cipher
from bot.erasure import Eraser
from bot.features import registry
from bot.inbound.flood import FloodGuard
from bot.inbound.reachability import apply_reachability
from bot.inbound.service import InboundService, NoticeHandler
from bot.outbox.delivery import apply_report
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.ratelimit import Limits, RateLimiter
from bot.outbox.sent import SentChoices
from bot.settings import Settings
from bot.turns.service import TurnService
from conversations.events import TextIn
from conversations.flow_engine import FlowEngine
from conversations.i18n import Catalogs
from conversations.languages import default_languages
from conversations.loader import read_flows
from conversations.matching import clean_text

if TYPE_CHECKING:
    from bot.channels.telegram.channel import TelegramChannel

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock (aware UTC).  Tests pass a controllable one instead."""
    return datetime.now(UTC)


@cache
def load_flow_engine() -> FlowEngine:
    """Read, validate and build every flow (core and features') once per process."""
    catalogs = Catalogs.load(default_languages())
    return FlowEngine(
        read_flows(registry.flow_files()),
        catalogs,
        registry.actions(),
        registry.choice_sources(),
        registry.commands(),
    )


@dataclass
class Runtime:
    """Everything a running bot needs, built from :class:`Settings`."""

    settings: Settings
    db: Engine
    flow_engine: FlowEngine
    turns: TurnService
    dispatcher: Dispatcher
    inbound: InboundService
    screen: SimulatorScreen
    simulator: SimulatorChannel
    clock: Clock
    channels: dict[str, Channel] = field(default_factory=dict)
    """The channels that are on (the simulator only where it is enabled)."""
    telegram: TelegramChannel | None = None
    whatsapp: WhatsAppChannel | None = None

    def reach_rules(self) -> dict[str, Callable[[Reach], bool]]:
        """What each channel lets the bot start now (WhatsApp's 24-hour window)."""
        return {name: channel.can_reach for name, channel in self.channels.items()}

    def close(self) -> None:
        """Release database connections."""
        self.turns.close()
        self.db.dispose()


def build_runtime(
    settings: Settings,
    clock: Clock | None = None,
    db: Engine | None = None,
    simulator_screens: bool = True,
) -> Runtime:
    """Wire the bot.  Does not migrate or start anything.  Without ``clock`` the process clock
    (``bot.clock.process_clock``: real, or pinned by ``TWC_CLOCK_START``).

    ``simulator_screens``: the simulator keeps its screens in each turn's own transaction: her
    message and the bot's replies (its "platform" is this database, so that is exactly once and
    needs no dispatcher).  Off, the simulator is a channel like any other: replies wait in the
    outbox for the dispatcher (its tests) and nothing is written besides the turn (the
    in-process benchmark of the channel-neutral path).
    """
    clock = clock or process_clock(settings)
    configure_cipher(settings.secret_key, settings.previous_secrets)
    db = db or make_engine(settings.database_url)
    flow_engine = load_flow_engine()
    screen = SimulatorScreen(db, clock, shown_text)
    simulator = SimulatorChannel(screen, clock)
    channels: dict[str, Channel] = {}
    limits: dict[str, RateLimiter] = {}
    if settings.simulator_enabled:
        channels[simulator.name] = simulator
    telegram = build_telegram(settings, clock, db, flow_engine)
    if telegram is not None:
        channels[telegram.name] = telegram
        limits[telegram.name] = RateLimiter(
            Limits(
                per_second=settings.telegram_rate,
                chat_interval=settings.telegram_chat_interval,
                group_per_minute=settings.telegram_group_per_minute,
            ),
            clock,
        )
    whatsapp = build_whatsapp(settings, clock)
    if whatsapp is not None:
        channels[whatsapp.name] = whatsapp
        # Twilio's rate is per sender, not per chat: only the total counts.
        limits[whatsapp.name] = RateLimiter(
            Limits(per_second=settings.twilio_rate, chat_interval=0.0),
            clock,
            is_group=lambda _address: False,
        )
    turns = TurnService(
        db,
        flow_engine,
        settings.secret_key,
        settings.default_organisation,
        clock,
        effect_writers=registry.effect_writers(),
        organisation_for_code=_code_lookup(),
        role_for_code=_role_lookup(),
        transcripts={simulator.name: screen.write_inbound} if simulator_screens else {},
        shown_at_once={simulator.name: screen.show_replies} if simulator_screens else {},
        eraser=Eraser([screen.forget], registry.erase_hooks()),
        reply_sources=[make(flow_engine, settings) for make in registry.reply_sources()],
    )
    dispatcher = Dispatcher(db, channels, clock, limits=limits)
    inbound = InboundService(
        turns,
        wake=dispatcher.wake,
        # What she sends (a voice note, a photo) is kept with her inbox message, in the
        # turn's own transaction (bot.turns.inbox), not afterwards.
        flood=FloodGuard(
            settings.flood_burst,
            settings.flood_refill_seconds,
            clock,
            urgent=lambda message: asks_for_a_person(flow_engine, message.event),
        ),
        # The simulator is a developer's tool (its tests and demos click fast), not a platform
        # that bills or that strangers can reach in production.
        limited_channels=frozenset(channels) - {simulator.name},
    )
    runtime = Runtime(
        settings,
        db,
        flow_engine,
        turns,
        dispatcher,
        inbound,
        screen,
        simulator,
        clock,
        channels,
        telegram,
        whatsapp,
    )
    inbound.notice_handlers.update(_notice_handlers(runtime))
    dispatcher.attachments.update(
        {kind: make(runtime) for f in registry.FEATURES for kind, make in f.attachments.items()}
    )
    if telegram is not None:
        telegram.sink = inbound
    return runtime


def asks_for_a_person(flow_engine: FlowEngine, event: object) -> bool:
    """Whether she wrote the "talk to a person" command (in any language)."""
    if not isinstance(event, TextIn) or not isinstance(event.text, str):
        return False
    command = flow_engine.commands.match(clean_text(event.text))
    return command is not None and command[0] == "human"


def _code_lookup() -> Callable[..., str | None] | None:
    """The one feature that knows start codes (invite codes), if any."""
    lookups = [f.organisation_for_code for f in registry.FEATURES if f.organisation_for_code]
    return lookups[0] if lookups else None


def _role_lookup() -> Callable[..., str | None] | None:
    """The one feature that knows which role a start code gives (invite codes), if any."""
    lookups = [f.role_for_code for f in registry.FEATURES if f.role_for_code]
    return lookups[0] if lookups else None


def _notice_handlers(runtime: Runtime) -> Mapping[type, NoticeHandler]:
    """Core notices (reachability, delivery reports) and every feature's."""
    db, settings, clock = runtime.db, runtime.settings, runtime.clock

    def reachability(notice: Reachability) -> bool:
        return apply_reachability(db, settings.secret_key, notice)

    def delivery(report: DeliveryReport) -> bool:
        outcome = apply_report(db, report, clock())
        limiter = runtime.dispatcher.limits.get(report.channel)
        if outcome.slow_down and limiter is not None:
            limiter.block(outcome.retry_in or 1.0)
        return outcome.retry_in is not None  # a retry was scheduled: the dispatcher has work

    handlers: dict[type, NoticeHandler] = {Reachability: reachability, DeliveryReport: delivery}
    for feature in registry.FEATURES:
        if feature.notice_handlers is not None:
            handlers.update(feature.notice_handlers(runtime))
    return handlers


def build_telegram(
    settings: Settings, clock: Clock, db: Engine, flow_engine: FlowEngine
) -> TelegramChannel | None:
    """The Telegram channel if a token is set (its command menu translated here)."""
    if not settings.telegram_enabled:
        return None
    from bot.channels.telegram.channel import TelegramChannel, command_menu
    from bot.channels.telegram.texts import COMMAND_DESCRIPTIONS

    table = flow_engine.languages
    catalogs = flow_engine.catalogs

    def translate(code: str | None, text: object) -> str:
        language = table.get(code) if code else table.get(table.master)
        assert language is not None
        return catalogs.translate(language, text)  # type: ignore[arg-type]

    menu = command_menu([lang.code for lang in table.languages], translate, COMMAND_DESCRIPTIONS)
    return TelegramChannel(settings, clock, SentChoices(db), menu)


def build_whatsapp(settings: Settings, clock: Clock) -> WhatsAppChannel | None:
    """The WhatsApp channel if it is configured (templates read and checked here)."""
    if not settings.whatsapp_enabled:
        return None
    assert settings.twilio_account_sid
    assert settings.twilio_auth_token
    assert settings.twilio_whatsapp_from
    return WhatsAppChannel(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_whatsapp_from,
        TemplateBook.load(settings.twilio_templates),
        clock,
        public_url=settings.public_url,
        api_url=settings.twilio_api_url,
        local_url=f"http://{settings.host}:{settings.port}",
    )


__all__ = ["Runtime", "build_runtime", "load_flow_engine", "utc_now"]
