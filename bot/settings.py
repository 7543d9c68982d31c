"""Settings read from ``TWC_*`` environment variables (and an optional ``.env`` file).

Settings are plain data: engines, clients and other resources are built from them elsewhere
(``bot.db.engine``), so a test can make a ``Settings`` object and hand it around freely.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    fields at rest.  Keep it outside the database; losing it makes stored names unreadable."""

    default_organisation: str = "vnb-nienburg"
    """``TWC_DEFAULT_ORGANISATION``: slug of the organisation a person joins when she arrives
    without an invite code (the simulator, a plain "hello")."""

    simulator_enabled: bool = True
    """``TWC_SIMULATOR_ENABLED``: serve the chat simulator at ``/simulator``."""

    dispatch_interval_seconds: float = Field(default=0.5, gt=0)
    """``TWC_DISPATCH_INTERVAL_SECONDS``: how often the outbox dispatcher looks for work."""

    log_level: str = "INFO"
    """``TWC_LOG_LEVEL``: Python log level."""

    # ---- courses (issue 5) --------------------------------------------------------------------
    public_url: str = ""
    """``TWC_PUBLIC_URL``: the address people reach this server at (links in messages, e.g.
    "add to calendar"); default ``http://<TWC_HOST>:<TWC_PORT>``."""

    @property
    def link_base(self) -> str:
        """``public_url``, or this server's own address."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @model_validator(mode="after")
    def _require_a_real_secret_outside_development(self) -> Settings:
        if self.environment != "development" and (
            self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                f"TWC_SECRET_KEY must be set to a random value of at least 32 characters "
                f"when TWC_ENVIRONMENT={self.environment} (for example: python -c 'import "
                "secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    @cached_property
    def is_sqlite(self) -> bool:
        """Whether the configured database is SQLite (one writer at a time)."""
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
