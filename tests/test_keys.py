"""Keys (issue 11, point 4): HKDF subkeys, key ids, refusing unknown keys, ``twc keys rotate``.

Before: the key was SHA-256(prefix + secret), nothing recorded which key encrypted a value, a
database read with another secret showed blank names and recognised no returning woman, and
there was no way to change the secret.
"""

from __future__ import annotations

import hashlib
import hmac
from contextlib import AbstractContextManager

import pytest
from sqlalchemy import Connection, String, create_engine, select, text, type_coerce
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.crypto import (
    CALENDAR_INFO,
    ENCRYPTION_INFO,
    LOOKUP_INFO,
    Keyring,
    UnknownKeyError,
    subkey,
)
from bot.crypto.keyring import key_id, kid_of
from bot.crypto.rotation import encrypted_columns, rotate_all, unreadable_or_stale
from bot.db.migrate import upgrade
from bot.db.tables import identities, people, states
from bot.db.types import cipher, configure_cipher
from bot.identity import lookup_key
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.courses import person_of
from tests.auxil.simulator import Simulator, onboard

NEW_SECRET = "rotated-9fK2mQ7xLp4Vz8Rt1Hn6Wc3Jd5Bg0Ys-new-secret-for-tests"
OTHER_SECRET = "someone-elses-7Tq2Wm9Kx4Lp8Zr3Vn6Hc1Jd5Bg0Ys-secret-key"


def test_each_purpose_has_its_own_subkey_and_every_ciphertext_names_its_key() -> None:
    keys = {subkey(TEST_SECRET, info) for info in (ENCRYPTION_INFO, LOOKUP_INFO, CALENDAR_INFO)}
    assert len(keys) == 3 and TEST_SECRET.encode() not in keys
    ring = Keyring(TEST_SECRET)
    token = ring.encrypt("Amina")
    assert token.startswith(f"v1.{key_id(TEST_SECRET)}.") and kid_of(token) == ring.current.kid
    assert ring.decrypt(token) == "Amina"
    # A lookup key is no longer an HMAC keyed with the raw secret.
    raw = hmac.new(TEST_SECRET.encode(), b"telegram:42", hashlib.sha256).hexdigest()
    assert lookup_key(TEST_SECRET, "telegram", "42") != raw


def test_a_value_under_an_unknown_key_is_an_error_not_a_blank() -> None:
    token = Keyring(OTHER_SECRET).encrypt("Amina")
    with pytest.raises(UnknownKeyError, match=key_id(OTHER_SECRET)):
        Keyring(TEST_SECRET).decrypt(token)
    # ... and readable once the other secret is configured as a previous one.
    assert Keyring(NEW_SECRET, [OTHER_SECRET]).decrypt(token) == "Amina"


def _onboarded(runtime: Runtime, *names: str) -> None:
    with TestClient(create_app(runtime, background=False)) as client:
        for name in names:
            onboard(Simulator(client, name.lower()), name=name)


def _settings(url: str, secret: str, previous: str = "") -> Settings:
    return Settings(
        database_url=url,
        environment="development",
        secret_key=secret,
        previous_secret_keys=previous,
    )


def test_start_up_refuses_a_database_written_under_a_key_it_does_not_have(
    runtime: Runtime, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _onboarded(runtime, "Amina")
    runtime.close()
    from bot.cli import app

    monkeypatch.setenv("TWC_DATABASE_URL", database_url)
    monkeypatch.setenv("TWC_ENVIRONMENT", "test")
    monkeypatch.setenv("TWC_SECRET_KEY", OTHER_SECRET)
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2, result.output
    assert "Refusing to start" in result.output
    assert f"key id {key_id(TEST_SECRET)!r}, which is not configured" in result.output
    # With the right key nothing stands in the way.
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert unreadable_or_stale(conn, Keyring(TEST_SECRET)) == []
        # A previous key that is configured but not rotated away: refused too (lookups
        # would miss every returning woman), with the way out named.
        stale = unreadable_or_stale(conn, Keyring(NEW_SECRET, [TEST_SECRET]))
    engine.dispose()
    assert stale and not any(p.missing for p in stale)
    assert "finish 'twc keys rotate'" in stale[0].explain()
    configure_cipher(TEST_SECRET)


class KilledError(Exception):
    pass


def _kids(url: str) -> set[str]:
    """The key ids of every stored encrypted value."""
    engine = create_engine(url)
    found = set()
    with engine.connect() as conn:
        for col in encrypted_columns():
            for (value,) in conn.execute(
                text(f"SELECT {col.name} FROM {col.table} WHERE {col.name} IS NOT NULL")
            ):
                found.add(kid_of(value))
    engine.dispose()
    return found


def test_rotation_moves_everything_to_the_new_key_and_survives_an_interruption(
    runtime: Runtime, database_url: str, clock: FrozenClock
) -> None:
    _onboarded(runtime, "Amina", "Darya", "Olena")
    amina = person_of(runtime, "amina")
    runtime.close()
    old = key_id(TEST_SECRET)
    assert _kids(database_url) == {old}

    ring = Keyring(NEW_SECRET, [TEST_SECRET])
    configure_cipher(NEW_SECRET, [TEST_SECRET])
    engine = create_engine(database_url)

    def begin() -> AbstractContextManager[Connection]:
        return engine.begin()

    from bot.cli import app

    batches = 0

    def stop_after_three(col: object, done: int) -> None:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise KilledError  # the process is killed mid-way

    with pytest.raises(KilledError):
        rotate_all(begin, ring, stop_after_three, batch=2)
    assert _kids(database_url) == {old, ring.current.kid}  # half done, nothing lost
    status = CliRunner().invoke(
        app,
        ["keys", "status"],
        env={
            "TWC_DATABASE_URL": database_url,
            "TWC_ENVIRONMENT": "test",
            "TWC_SECRET_KEY": NEW_SECRET,
            "TWC_PREVIOUS_SECRET_KEYS": TEST_SECRET,
        },
    )
    assert f"older key id {old!r}" in status.output

    env = {
        "TWC_DATABASE_URL": database_url,
        "TWC_ENVIRONMENT": "test",
        "TWC_SECRET_KEY": NEW_SECRET,
        "TWC_PREVIOUS_SECRET_KEYS": TEST_SECRET,
    }
    result = CliRunner().invoke(app, ["keys", "rotate", "--batch", "2"], env=env)
    assert result.exit_code == 0, result.output
    assert f"Rotated to key id {ring.current.kid}" in result.output
    assert "people.display_name" in result.output
    assert _kids(database_url) == {ring.current.kid}
    again = CliRunner().invoke(app, ["keys", "rotate"], env=env)  # nothing left to do
    assert again.exit_code == 0 and "Done: 0 values rewritten" in again.output
    status = CliRunner().invoke(app, ["keys", "status"], env=env)
    assert status.exit_code == 0 and "Every encrypted value is under the current key" in (
        status.output
    )
    engine.dispose()

    # The old secret can go: a returning woman is recognised under the new key alone.
    rotated = build_runtime(_settings(database_url, NEW_SECRET), clock=clock)
    try:
        with rotated.db.connect() as conn:
            names = set(conn.execute(select(people.c.display_name)).scalars())
            assert unreadable_or_stale(conn, Keyring(NEW_SECRET)) == []
        assert {"Amina", "Darya", "Olena"} <= names  # (and the demo mentors)
        with TestClient(create_app(rotated, background=False)) as client:
            replies = Simulator(client, "amina").send("Hallo")
        assert replies and "Amina" in "\n".join(r["text"] for r in replies)
        with rotated.db.connect() as conn:
            assert conn.execute(select(type_coerce(states.c.data, String))).scalars().all()
            assert (
                conn.execute(
                    select(identities.c.person_id).where(
                        identities.c.lookup_key == lookup_key(NEW_SECRET, "simulator", "amina")
                    )
                ).scalar()
                == amina
            )
    finally:
        rotated.close()
        configure_cipher(TEST_SECRET)


def _legacy_token(secret: str, plain: str) -> str:
    """How a value was encrypted before key ids (Fernet of SHA-256(prefix + secret))."""
    import base64

    from cryptography.fernet import Fernet

    digest = hashlib.sha256(b"twc-field-encryption:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest)).encrypt(plain.encode()).decode()


def test_a_database_from_before_key_ids_is_upgraded_by_the_migration(
    database_url: str, clock: FrozenClock
) -> None:
    upgrade(database_url, "0007")
    engine = create_engine(database_url)
    now = clock().replace(tzinfo=None)
    address = "amina-from-2025"
    # (SQLite stored JSON as text; a CAST to JSON there would make a number of it)
    json_ = ":{0}" if database_url.startswith("sqlite") else "CAST(:{0} AS JSON)"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (id, slug, name, timezone, default_language, towns, "
                "privacy_contact, office_hours, quiet_hours_start, quiet_hours_end, created_at) "
                f"VALUES (1, 'old-org', 'Old', 'Europe/Berlin', 'de', {json_.format('towns')}, "
                "'', '', '20:00', '08:00', :now)"
            ),
            {"towns": '["Hoya"]', "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO people (id, organisation_id, role, language, display_name, town, "
                "interests, attend_help, status, consent_given_at, created_at) VALUES (1, 1, "
                f"'participant', 'de', :name, 'Hoya', {json_.format('interests')}, "
                f"{json_.format('help')}, 'active', :now, :now)"
            ),
            {
                "name": _legacy_token(TEST_SECRET, "Amina"),
                "interests": '["course"]',
                "help": '["childcare"]',
                "now": now,
            },
        )
        conn.execute(
            text(
                "INSERT INTO channel_identities (id, person_id, channel, lookup_key, address, "
                "status, created_at) VALUES (1, 1, 'simulator', :key, :address, 'ok', :now)"
            ),
            {
                "key": hmac.new(
                    TEST_SECRET.encode(), f"simulator:{address}".encode(), hashlib.sha256
                ).hexdigest(),
                "address": _legacy_token(TEST_SECRET, address),
                "now": now,
            },
        )
        conn.execute(
            text(
                "INSERT INTO conversation_states (person_id, flow, node, visit, data, "
                f"updated_at) VALUES (1, 'main', 'menu', 1, {json_.format('data')}, :now)"
            ),
            {"data": '{"typed": "Ich heiße Amina"}', "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO outbox (idempotency_key, person_id, identity_id, channel, kind, "
                "priority, payload, status, attempts, next_attempt_at, created_at, error) "
                f"VALUES ('k1', 1, 1, 'simulator', 'reply', 0, {json_.format('payload')}, "
                "'failed', 1, :now, :now, :error)"
            ),
            {
                "payload": '{"text": "Hallo Amina", "language": "de"}',
                "error": "Twilio 63016: could not send to whatsapp:+4915112345678",
                "now": now,
            },
        )
    engine.dispose()

    configure_cipher(TEST_SECRET)  # the process's key, as `twc run` has it when it migrates
    upgrade(database_url)

    assert _kids(database_url) == {key_id(TEST_SECRET)}
    engine = create_engine(database_url)
    with engine.connect() as conn:
        raw_error = conn.execute(text("SELECT error FROM outbox")).scalar_one()
    engine.dispose()
    assert raw_error == "Twilio 63016: could not send to [address]"
    runtime = build_runtime(_settings(database_url, TEST_SECRET), clock=clock)
    try:
        with runtime.db.connect() as conn:
            person = conn.execute(
                select(people)
                .join(identities, identities.c.person_id == people.c.id)
                .where(identities.c.lookup_key == lookup_key(TEST_SECRET, "simulator", address))
            ).one()
            data = conn.execute(select(states.c.data)).scalar_one()
            assert unreadable_or_stale(conn, Keyring(TEST_SECRET)) == []
        assert (person.display_name, person.town) == ("Amina", "Hoya")
        assert (person.interests, person.attend_help) == (["course"], ["childcare"])
        assert data == {"typed": "Ich heiße Amina"}
    finally:
        runtime.close()


def test_erasing_her_forgets_her_decrypted_name_in_memory(
    runtime: Runtime, client: TestClient
) -> None:
    amina = Simulator(client, "amina")
    onboard(amina, name="Zorvelinda")
    assert "Zorvelinda" in cipher()._recent.values()
    amina.send("Menü")
    amina.press("🔒 Meine Daten")
    amina.press("🗑️ Alles löschen")
    amina.press("✅ Ja, alles löschen")
    assert "Zorvelinda" not in cipher()._recent.values()
    assert "amina" not in cipher()._recent.values()  # her address too
