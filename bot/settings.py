"""Settings read from ``TWC_*`` environment variables (and an optional ``.env`` file).

Settings are plain data: engines, clients and other resources are built from them elsewhere
(``bot.db.connect``), so a test can make a ``Settings`` object and hand it around freely.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.crypto.strength import weak_secret_reason

#: The secret used when none is configured.  Fine on a laptop, refused in production.
DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"  # noqa: S105

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the bot can be configured with.  Each field is ``TWC_<FIELD NAME>``."""

    model_config = SettingsConfigDict(env_prefix="TWC_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    """``TWC_ENVIRONMENT``.  Outside ``development`` a real secret key is required."""

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'twc.sqlite3'}"
    """``TWC_DATABASE_URL``: SQLAlchemy URL. SQLite (embedded default) or PostgreSQL
    (``postgresql+psycopg://user@host/db``)."""

    host: str = "127.0.0.1"
    """``TWC_HOST``: address the web server listens on."""

    port: int = Field(default=8080, ge=1, le=65535)
    """``TWC_PORT``: port the web server listens on."""

    secret_key: str = DEVELOPMENT_SECRET
    """``TWC_SECRET_KEY``: keys the pseudonymous lookup keys (HMAC) and encrypts personal
    fields at rest (through HKDF subkeys, :mod:`bot.crypto`).  Keep it outside the database;
    losing it makes stored names unreadable."""

    previous_secret_keys: str = ""
    """``TWC_PREVIOUS_SECRET_KEYS``: older secrets, separated by commas or spaces, still read
    while ``twc keys rotate`` moves every value to ``TWC_SECRET_KEY``; never written."""

    default_organisation: str = "vnb-nienburg"
    """``TWC_DEFAULT_ORGANISATION``: slug of the organisation a person joins when she arrives
    without an invite code (the simulator, a plain "hello")."""

    simulator_enabled: bool = Field(default=None, validate_default=True)
    """``TWC_SIMULATOR_ENABLED``: serve the chat simulator at ``/simulator``.  On by default in
    ``development`` only; anyone who reaches it can read and act as every simulator user, so
    elsewhere, when switched on, its page and API need a logged-in staff session."""

    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    """``TWC_MAX_BODY_BYTES``: the largest request body any route accepts (413 beyond it),
    enforced before anything parses it.  Telegram updates and Twilio forms are a few KiB."""

    header_timeout_seconds: float = Field(default=10.0, gt=0)
    """``TWC_HEADER_TIMEOUT_SECONDS``: a connection whose request line and headers are not
    complete this long after it opened (or after the first byte of its next request) gets
    408 and is closed."""

    body_timeout_seconds: float = Field(default=10.0, gt=0)
    """``TWC_BODY_TIMEOUT_SECONDS``: a request body not complete this long after its headers
    gets 408 and the connection is closed."""

    dispatch_interval_seconds: float = Field(default=0.5, gt=0)
    """``TWC_DISPATCH_INTERVAL_SECONDS``: how often the outbox dispatcher looks for work."""

    log_level: str = "INFO"
    """``TWC_LOG_LEVEL``: Python log level."""

    clock_start: AwareDatetime | None = None
    """``TWC_CLOCK_START``: an ISO 8601 moment with its offset (``2026-12-07T00:10:00+01:00``):
    the process's clock starts there and advances with real time (``bot.clock``).  Development
    and test only: tests run real processes at a pinned time of day."""

    public_url: str | None = None
    """``TWC_PUBLIC_URL``: the bot's public HTTPS base URL (``https://bot.example.org``);
    webhooks are registered under it, and Twilio signatures are checked against it (never
    against the internal request URL)."""

    # ---- flood protection (bot/inbound/flood.py) ------------------------------------------

    flood_burst: int = Field(default=10, ge=0)
    """``TWC_FLOOD_BURST``: messages one person may send at once before she is asked to slow
    down (Telegram and WhatsApp; 0 turns flood protection off)."""

    flood_refill_seconds: float = Field(default=2.0, gt=0)
    """``TWC_FLOOD_REFILL_SECONDS``: after the burst, one message per this many seconds on
    average (2: 30 a minute, more than anyone types)."""

    # ---- Telegram -------------------------------------------------------------------------

    telegram_token: str | None = None
    """``TWC_TELEGRAM_TOKEN``: the token from BotFather; setting it turns the Telegram channel
    on."""

    telegram_api_url: str = "https://api.telegram.org/bot{token}"
    """``TWC_TELEGRAM_API_URL``: Bot API base URL; ``{token}`` is replaced by the token (a
    self-hosted Bot API server, or a test stand-in)."""

    telegram_mode: Literal["polling", "webhook"] | None = None
    """``TWC_TELEGRAM_MODE``: ``polling`` or ``webhook``; default ``webhook`` when
    ``TWC_PUBLIC_URL`` is set, else ``polling``."""

    telegram_webhook_secret: str | None = None
    """``TWC_TELEGRAM_WEBHOOK_SECRET``: the ``X-Telegram-Bot-Api-Secret-Token`` Telegram must
    send with every webhook call (1–256 characters ``A-Z a-z 0-9 _ -``)."""

    telegram_poll_timeout: int = Field(default=25, ge=0, le=50)
    """``TWC_TELEGRAM_POLL_TIMEOUT``: long-polling timeout of ``getUpdates`` in seconds (0 for
    servers that never long-poll)."""

    telegram_poll_interval: float = Field(default=0.0, ge=0)
    """``TWC_TELEGRAM_POLL_INTERVAL``: pause between two ``getUpdates`` calls, in seconds."""

    telegram_rate: float = Field(default=30.0, gt=0)
    """``TWC_TELEGRAM_RATE``: messages per second to Telegram in total."""

    telegram_chat_interval: float = Field(default=1.0, ge=0)
    """``TWC_TELEGRAM_CHAT_INTERVAL``: seconds between two messages to the same chat."""

    telegram_group_per_minute: float = Field(default=20.0, gt=0)
    """``TWC_TELEGRAM_GROUP_PER_MINUTE``: messages per minute to one group."""

    @property
    def telegram_enabled(self) -> bool:
        """Whether the Telegram channel is on."""
        return bool(self.telegram_token)

    @property
    def telegram_effective_mode(self) -> str:
        """``polling`` or ``webhook``, with the default filled in."""
        return self.telegram_mode or ("webhook" if self.public_url else "polling")

    @property
    def telegram_webhook_url(self) -> str:
        """Where Telegram posts updates in webhook mode."""
        return f"{(self.public_url or '').rstrip('/')}/webhooks/telegram"

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> Settings:
        if self.telegram_enabled and self.telegram_effective_mode == "webhook":
            if not self.public_url:
                raise ValueError("TWC_TELEGRAM_MODE=webhook needs TWC_PUBLIC_URL")
            secret = self.telegram_webhook_secret or ""
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
                raise ValueError(
                    "TWC_TELEGRAM_MODE=webhook needs TWC_TELEGRAM_WEBHOOK_SECRET: 1-256 "
                    "characters A-Z, a-z, 0-9, _ and - (Telegram's rule)"
                )
        return self

    # ---- WhatsApp through Twilio (the channel is on when the three TWC_TWILIO_* ids are set) --

    twilio_account_sid: str | None = None
    """``TWC_TWILIO_ACCOUNT_SID``: the Twilio account (``AC…``)."""

    twilio_auth_token: str | None = None
    """``TWC_TWILIO_AUTH_TOKEN``: authenticates REST calls and signs every webhook."""

    twilio_whatsapp_from: str | None = None
    """``TWC_TWILIO_WHATSAPP_FROM``: the WhatsApp sender, e.g. ``whatsapp:+4951…``."""

    twilio_api_url: str | None = None
    """``TWC_TWILIO_API_URL``: send every Twilio REST call to this base URL instead (a proxy, a
    test stand-in)."""

    twilio_templates: Path = PROJECT_ROOT / "config" / "whatsapp_templates.yaml"
    """``TWC_TWILIO_TEMPLATES``: message kind → language → approved Content SID and variables."""

    twilio_rate: float = Field(default=80.0, gt=0)
    """``TWC_TWILIO_RATE``: WhatsApp messages per second the dispatcher sends at most."""

    # ---- the inbox: staff notifications and translation -----------------------------------

    smtp_host: str | None = None
    """``TWC_SMTP_HOST``: mail server for staff notifications (new inbox requests); unset: no
    email is sent."""
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    """``TWC_SMTP_PORT``."""
    smtp_user: str | None = None
    """``TWC_SMTP_USER``: login at the mail server, if it needs one."""
    smtp_password: str | None = None
    """``TWC_SMTP_PASSWORD``."""
    smtp_from: str = "together-we-can@localhost"
    """``TWC_SMTP_FROM``: the sender of notifications."""
    smtp_starttls: bool = True
    """``TWC_SMTP_STARTTLS``: upgrade the connection with STARTTLS before logging in."""
    translate_url: str | None = None
    """``TWC_TRANSLATE_URL``: a LibreTranslate server (``https://translate.example.org``):
    staff see her messages translated and may send replies translated; unset: nothing is
    translated (and the inbox says so)."""
    translate_api_key: str | None = None
    """``TWC_TRANSLATE_API_KEY``: the LibreTranslate API key, if the server needs one."""
    ba_jobsearch_url: str = "https://rest.arbeitsagentur.de/jobboerse/jobsuche-service"
    """``TWC_BA_JOBSEARCH_URL``: the Bundesagentur für Arbeit's job search (its public REST
    interface), read by the job-offer import of organisations that turned it on."""

    @property
    def link_base(self) -> str:
        """``TWC_PUBLIC_URL``, or this server's own address (links in messages, e.g. "add to
        calendar")."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def previous_secrets(self) -> tuple[str, ...]:
        """``TWC_PREVIOUS_SECRET_KEYS`` as a list."""
        return tuple(s for s in re.split(r"[\s,]+", self.previous_secret_keys) if s)

    @model_validator(mode="after")
    def _require_a_real_secret_outside_development(self) -> Settings:
        if self.environment == "development":
            return self
        weak = (
            "it is the development default"
            if self.secret_key == DEVELOPMENT_SECRET
            else weak_secret_reason(self.secret_key)
        )
        if weak:
            raise ValueError(
                f"TWC_SECRET_KEY is too weak when TWC_ENVIRONMENT={self.environment}: {weak} "
                "(generate one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        return self

    @field_validator("simulator_enabled", mode="before")
    @classmethod
    def _simulator_on_by_default_in_development_only(
        cls, value: object, info: ValidationInfo
    ) -> object:
        if value is None:
            return info.data.get("environment", "development") == "development"
        return value

    @property
    def simulator_needs_login(self) -> bool:
        """Outside development the simulator (when switched on) is for logged-in staff only:
        it shows and acts as every simulator user."""
        return self.simulator_enabled and self.environment != "development"

    @model_validator(mode="after")
    def _pinned_clock_only_outside_production(self) -> Settings:
        if self.clock_start is not None and self.environment not in ("development", "test"):
            raise ValueError(
                f"TWC_CLOCK_START is for development and tests only; unset it when "
                f"TWC_ENVIRONMENT={self.environment} (the bot must run on the real clock)"
            )
        return self

    @property
    def whatsapp_enabled(self) -> bool:
        """Whether the WhatsApp channel is configured (account, token and sender)."""
        return bool(
            self.twilio_account_sid and self.twilio_auth_token and self.twilio_whatsapp_from
        )

    @cached_property
    def is_sqlite(self) -> bool:
        """Whether the configured database is SQLite (one writer at a time)."""
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
