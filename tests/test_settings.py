"""Settings: environment variables with the TWC_ prefix; no default secret outside development."""

from __future__ import annotations

import pytest

from bot.settings import DEVELOPMENT_SECRET, Settings
from tests.auxil.constants import TEST_SECRET

#: What the docs tell operators to run: ``secrets.token_urlsafe(48)`` (one fixed sample).
STRONG = "hGqH2P0m8Xy_Tb3vKc7nW1sLd9eRf4uZjA6oQ5iN-YpVgE0rB2kM8tS3wU7xC1zD"


def test_defaults_run_a_local_sqlite_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TWC_DATABASE_URL", "TWC_PORT", "TWC_HOST", "TWC_ENVIRONMENT", "TWC_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("var/twc.sqlite3")
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWC_PORT", "9090")
    monkeypatch.setenv("TWC_DATABASE_URL", "postgresql+psycopg://x@db/twc")
    settings = Settings(_env_file=None)
    assert settings.port == 9090
    assert settings.database_url == "postgresql+psycopg://x@db/twc"


@pytest.mark.parametrize("environment", ["production", "test"])
@pytest.mark.parametrize(
    "secret",
    [DEVELOPMENT_SECRET, "short", "a" * 36, "k" * 48, "password" * 5, "0123456789" * 4],
)
def test_a_default_or_weak_secret_is_refused_outside_development(
    environment: str, secret: str
) -> None:
    with pytest.raises(ValueError, match="TWC_SECRET_KEY"):
        Settings(_env_file=None, environment=environment, secret_key=secret)


def test_a_real_secret_is_accepted_in_production() -> None:
    settings = Settings(_env_file=None, environment="production", secret_key=STRONG)
    assert settings.environment == "production"


def test_a_freshly_generated_secret_always_passes() -> None:
    import secrets

    for _ in range(200):
        Settings(_env_file=None, environment="production", secret_key=secrets.token_urlsafe(48))


def test_previous_secrets_are_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWC_PREVIOUS_SECRET_KEYS", "old-one, old-two  old-three")
    assert Settings(_env_file=None).previous_secrets == ("old-one", "old-two", "old-three")


def test_bad_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWC_PORT", "99999")
    with pytest.raises(ValueError, match="port"):
        Settings(_env_file=None)


def test_a_pinned_clock_starts_there_and_moves_on_in_development_and_test(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import UTC, datetime

    from bot.clock import process_clock, real_now, started_at

    monkeypatch.setenv("TWC_CLOCK_START", "2026-12-07T00:10:00+01:00")
    settings = Settings(_env_file=None, environment="test", secret_key=STRONG)
    assert settings.clock_start == datetime(2026, 12, 6, 23, 10, tzinfo=UTC)
    clock = process_clock(settings)
    assert clock is process_clock(settings)  # one clock per process
    first, second = clock(), clock()
    assert datetime(2026, 12, 6, 23, 10, tzinfo=UTC) <= first <= second
    assert first.tzinfo is UTC
    assert started_at(datetime(2026, 12, 7, 0, 10, tzinfo=UTC), 0.0)() > first  # moves on
    monkeypatch.delenv("TWC_CLOCK_START")
    assert process_clock(Settings(_env_file=None)) is real_now


def test_a_pinned_clock_is_refused_in_production_and_needs_an_offset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TWC_CLOCK_START", "2026-12-07T00:10:00+01:00")
    with pytest.raises(ValueError, match="TWC_CLOCK_START is for development and tests only"):
        Settings(_env_file=None, environment="production", secret_key=STRONG)
    monkeypatch.setenv("TWC_CLOCK_START", "2026-12-07T00:10:00")  # whose midnight?
    with pytest.raises(ValueError, match="clock_start"):
        Settings(_env_file=None)


def test_the_simulator_is_on_by_default_in_development_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TWC_ENVIRONMENT", raising=False)
    monkeypatch.delenv("TWC_SIMULATOR_ENABLED", raising=False)
    assert Settings(_env_file=None).simulator_enabled is True
    for environment in ("test", "production"):
        settings = Settings(_env_file=None, environment=environment, secret_key=TEST_SECRET)
        assert settings.simulator_enabled is False
    assert Settings(_env_file=None, simulator_enabled=False).simulator_enabled is False


@pytest.mark.parametrize("environment", ["test", "production"])
def test_the_simulator_outside_development_needs_a_staff_login(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    """It shows and acts as every simulator user: switched on outside development, it sits
    behind the staff login (tests/test_staff_simulator.py); off by default there."""
    monkeypatch.setenv("TWC_ENVIRONMENT", environment)
    monkeypatch.setenv("TWC_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWC_SIMULATOR_ENABLED", "true")
    settings = Settings(_env_file=None)
    assert settings.simulator_enabled is True
    assert settings.simulator_needs_login is True
    monkeypatch.setenv("TWC_SIMULATOR_ENABLED", "false")
    assert Settings(_env_file=None).simulator_enabled is False
    monkeypatch.setenv("TWC_ENVIRONMENT", "development")
    monkeypatch.setenv("TWC_SIMULATOR_ENABLED", "true")
    assert Settings(_env_file=None).simulator_needs_login is False
