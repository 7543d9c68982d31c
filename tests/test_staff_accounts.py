"""Staff accounts, passwords, sessions, login throttling and the second factor: the services
below the staff pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pyotp
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text

from bot.db.tables import audit, login_failures, staff, staff_sessions
from bot.runtime import Runtime
from bot.staff import passwords
from bot.staff.accounts import AccountError
from bot.staff.sessions import ABSOLUTE, IDLE, SessionStore
from bot.staff.throttle import FIRST_LOCK, LOCK_AFTER, Throttle
from bot.staff.totp import SecondFactor, qr_svg
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.staff import PASSWORD, accounts, add_staff, organisation_id

# ---- passwords ------------------------------------------------------------------------------


def test_passwords_are_argon2id_and_verify() -> None:
    hashed = passwords.hash_password("ein langes Passwort")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "ein langes Passwort").ok
    assert not passwords.verify(hashed, "ein anderes Passwort").ok
    assert not passwords.verify("scrypt$00$00", "egal").ok  # not a hash: no, not an error
    assert not passwords.verify(hashed, "x" * (passwords.MAX_LENGTH + 1)).ok


def test_production_parameters_are_argon2s_recommended_ones() -> None:
    """The suite hashes with cheap parameters (tests/conftest.py); the bot with these."""
    params = passwords.HASHER
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 65536, 4)
    hashed = params.hash("ein langes Passwort")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify(hashed, "ein langes Passwort").ok


def test_a_hash_with_old_parameters_is_replaced_on_a_right_password() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    old = weak.hash("ein langes Passwort")
    checked = passwords.verify(old, "ein langes Passwort")
    assert checked.ok and checked.new_hash is not None
    assert passwords.current_hasher().check_needs_rehash(checked.new_hash) is False
    assert passwords.verify(checked.new_hash, "ein langes Passwort") == passwords.Verified(True)


def test_password_rules() -> None:
    assert passwords.password_problem("kurz", "a@b.org") is not None
    assert passwords.password_problem("anna.meier@example.org", "Anna.Meier@example.org")
    assert passwords.password_problem("anna.meier", "anna.meier@example.org")
    assert passwords.password_problem("ein gutes Passwort", "anna@example.org") is None
    generated = passwords.generate_password()
    assert len(generated) == 16 and passwords.password_problem(generated, "a@b.org") is None


# ---- accounts -------------------------------------------------------------------------------


def test_create_an_account_with_a_role_and_read_it_back(runtime: Runtime) -> None:
    staff_id = add_staff(runtime, " Maria@Example.ORG ", role="admin", name="Maria", language="it")
    user = accounts(runtime).principal(staff_id)
    assert user is not None
    assert user.email == "maria@example.org"
    assert (user.display_name, user.language) == ("Maria", "it")
    org = organisation_id(runtime)
    assert user.roles == {org: "admin"} and user.organisation_ids == frozenset({org})
    assert user.is_admin() and user.is_admin(org) and not user.is_admin(org + 1)
    assert user.actor == f"staff:{staff_id}"
    with runtime.db.connect() as conn:
        stored = conn.execute(select(staff.c.password_hash)).scalars().all()
        entry = conn.execute(select(audit.c.actor, audit.c.action, audit.c.details)).all()
    assert all(h.startswith("$argon2id$") for h in stored) and PASSWORD not in str(stored)
    assert ("test", "staff.create") in [(e.actor, e.action) for e in entry]
    assert PASSWORD not in str(entry)


@pytest.mark.parametrize(
    ("email", "password", "role"),
    [
        ("keine-adresse", PASSWORD, "coordinator"),
        ("a@example.org", "kurz", "coordinator"),
        ("a@example.org", PASSWORD, "chef"),
    ],
)
def test_bad_accounts_are_refused(runtime: Runtime, email: str, password: str, role: str) -> None:
    with pytest.raises(AccountError):
        accounts(runtime).create(
            email, password, organisation_id=organisation_id(runtime), role=role, actor="test"
        )


def test_an_email_has_one_account(runtime: Runtime) -> None:
    add_staff(runtime, "eins@example.org")
    with pytest.raises(AccountError, match="schon ein Konto"):
        add_staff(runtime, "EINS@example.org")


def test_change_password_needs_the_current_one(runtime: Runtime) -> None:
    service = accounts(runtime)
    staff_id = add_staff(runtime, "p@example.org")
    with pytest.raises(AccountError, match="bisherige Passwort"):
        service.change_password(staff_id, "falsch", "ein neues Passwort")
    with pytest.raises(AccountError, match="10 Zeichen"):
        service.change_password(staff_id, PASSWORD, "kurz")
    with pytest.raises(AccountError, match="E-Mail-Adresse"):
        service.change_password(staff_id, PASSWORD, "p@example.org")
    service.change_password(staff_id, PASSWORD, "ein neues Passwort")
    assert service.login("p@example.org", "ein neues Passwort", None).status == "ok"
    assert service.login("p@example.org", PASSWORD, None).status == "refused"


def test_an_admin_reset_gives_a_one_time_password_that_must_be_changed(
    runtime: Runtime,
) -> None:
    service = accounts(runtime)
    staff_id = add_staff(runtime, "r@example.org")
    one_time = service.reset_password(staff_id, "staff:1")
    result = service.login("r@example.org", one_time, None)
    assert result.status == "ok" and result.must_change_password
    assert service.login("r@example.org", PASSWORD, None).status == "refused"
    service.change_password(staff_id, one_time, "mein eigenes Passwort")
    assert not service.must_change_password(staff_id)
    with runtime.db.connect() as conn:
        actions = conn.execute(select(audit.c.action, audit.c.actor)).all()
    assert ("staff.password_reset", "staff:1") in [tuple(a) for a in actions]


def test_a_deactivated_account_cannot_log_in(runtime: Runtime) -> None:
    service = accounts(runtime)
    staff_id = add_staff(runtime, "d@example.org")
    service.set_active(staff_id, False, "staff:1")
    assert service.principal(staff_id) is None
    assert service.login("d@example.org", PASSWORD, None).status == "refused"


def test_listing_is_scoped_to_the_organisations(runtime: Runtime) -> None:
    add_staff(runtime, "x@example.org")
    org = organisation_id(runtime)
    assert {row.email for row in accounts(runtime).listing({org})} >= {"x@example.org"}
    assert accounts(runtime).listing({org + 100}) == []
    assert accounts(runtime).listing(set()) == []


# ---- logging in: slow-down and lock-out -----------------------------------------------------


def test_five_wrong_passwords_lock_the_account_for_15_minutes_then_longer(
    runtime: Runtime, clock: FrozenClock
) -> None:
    service = accounts(runtime)
    add_staff(runtime, "l@example.org")
    results = [service.login("l@example.org", "falsch", "10.0.0.1") for _ in range(LOCK_AFTER)]
    assert [r.status for r in results] == ["refused"] * (LOCK_AFTER - 1) + ["locked"]
    assert results[-1].retry_at == clock.now + FIRST_LOCK
    # Locked: even the right password is refused until then.
    assert service.login("l@example.org", PASSWORD, "10.0.0.2").status == "locked"
    clock.advance(minutes=15)
    for _ in range(LOCK_AFTER - 1):
        assert service.login("l@example.org", "falsch", "10.0.0.3").status == "refused"
    again = service.login("l@example.org", "falsch", "10.0.0.3")
    assert again.status == "locked" and again.retry_at == clock.now + 2 * FIRST_LOCK
    clock.advance(minutes=30)
    assert service.login("l@example.org", PASSWORD, "10.0.0.3").status == "ok"
    with runtime.db.connect() as conn:
        assert (
            conn.execute(
                select(staff.c.failed_logins).where(staff.c.email == "l@example.org")
            ).scalar_one()
            == 0
        )


def test_an_unknown_email_gets_the_same_answers(runtime: Runtime, clock: FrozenClock) -> None:
    service = accounts(runtime)
    add_staff(runtime, "known@example.org")
    known = [service.login("known@example.org", "falsch", None) for _ in range(6)]
    unknown = [service.login("nobody@example.org", "falsch", None) for _ in range(6)]
    assert [(r.status, r.retry_at) for r in known] == [(r.status, r.retry_at) for r in unknown]
    clock.advance(minutes=16)
    assert service.login("nobody@example.org", "falsch", None).status == "refused"


def test_many_failures_from_one_address_close_it(runtime: Runtime, clock: FrozenClock) -> None:
    service = accounts(runtime)
    add_staff(runtime, "victim@example.org")
    for n in range(20):
        assert service.login(f"guess{n}@example.org", "falsch", "192.0.2.7").status == "refused"
    blocked = service.login("victim@example.org", PASSWORD, "192.0.2.7")
    assert blocked.status == "locked"
    assert service.login("victim@example.org", PASSWORD, "192.0.2.8").status == "ok"
    clock.advance(minutes=16)
    assert service.login("victim@example.org", PASSWORD, "192.0.2.7").status == "ok"


def test_addresses_and_emails_are_stored_only_as_hmacs(runtime: Runtime) -> None:
    accounts(runtime).login("who@example.org", "falsch", "198.51.100.23")
    with runtime.db.connect() as conn:
        keys = conn.execute(select(login_failures.c.key)).scalars().all()
    throttle = Throttle(TEST_SECRET)
    assert sorted(keys) == sorted(
        [throttle.address_key("198.51.100.23"), throttle.email_key("who@example.org")]
    )
    assert not any("198.51" in k or "who" in k for k in keys)


# ---- sessions -------------------------------------------------------------------------------


def test_sessions_store_a_hash_expire_when_idle_and_at_the_absolute_limit(
    runtime: Runtime, clock: FrozenClock
) -> None:
    store = SessionStore(runtime.db, clock)
    staff_id = add_staff(runtime, "s@example.org")
    made = store.create(staff_id)
    with runtime.db.connect() as conn:
        stored = conn.execute(select(staff_sessions.c.token_hash)).scalar_one()
    assert stored == hashlib.sha256(made.token.encode()).hexdigest() != made.token
    assert store.find(made.token) == made.session
    clock.advance(seconds=IDLE.total_seconds() - 60)
    assert store.find(made.token) is not None  # used: the idle deadline moves
    clock.advance(seconds=IDLE.total_seconds() - 60)
    assert store.find(made.token) is not None
    clock.advance(seconds=IDLE.total_seconds() + 1)
    assert store.find(made.token) is None  # idle too long

    busy = store.create(staff_id)
    for _ in range(int(ABSOLUTE / timedelta(minutes=30))):
        clock.advance(minutes=30)
        store.find(busy.token)
    assert store.find(busy.token) is None  # 12 hours after the login, however busy
    assert store.find("not-a-token") is None and store.find(None) is None


def test_a_new_login_replaces_the_old_session_and_logout_deletes_it(runtime: Runtime) -> None:
    store = SessionStore(runtime.db, runtime.clock)
    staff_id = add_staff(runtime, "t@example.org")
    first = store.create(staff_id)
    second = store.create(staff_id, replacing=first.token)
    assert store.find(first.token) is None
    assert second.token != first.token and second.session.csrf_token != first.session.csrf_token
    store.end(second.token)
    assert store.find(second.token) is None
    third, fourth = store.create(staff_id), store.create(staff_id)
    assert store.end_all(staff_id, keep=fourth.session.id) == 1
    assert store.find(third.token) is None and store.find(fourth.token) is not None


# ---- second factor --------------------------------------------------------------------------


def test_totp_set_up_needs_a_right_code_then_login_asks_for_it(
    runtime: Runtime, clock: FrozenClock
) -> None:
    service = accounts(runtime)
    factor = SecondFactor(runtime.db, clock)
    staff_id = add_staff(runtime, "totp@example.org")
    secret = factor.start(staff_id)
    assert factor.pending_secret(staff_id) == secret
    assert service.login("totp@example.org", PASSWORD, None).second_factor is False
    right = pyotp.TOTP(secret).at(clock.now)
    assert not factor.confirm(staff_id, "000000" if right != "000000" else "111111")
    assert factor.confirm(staff_id, right)
    assert factor.enabled(staff_id)
    result = service.login("totp@example.org", PASSWORD, None)
    assert result.status == "ok" and result.second_factor
    # The code used to confirm the set-up does not log in again.
    assert not factor.check(staff_id, right)
    clock.advance(seconds=30)
    code = pyotp.TOTP(secret).at(clock.now)
    assert factor.check(staff_id, code)
    assert not factor.check(staff_id, code)  # each code once (RFC 6238, 5.2)
    # A phone 30 seconds ahead is fine; an old code is not.
    assert factor.check(staff_id, pyotp.TOTP(secret).at(clock.now + timedelta(seconds=30)))
    clock.advance(minutes=5)
    assert not factor.check(staff_id, pyotp.TOTP(secret).at(clock.now - timedelta(minutes=5)))
    assert not factor.check(staff_id, "abc")
    with runtime.db.connect() as conn:
        raw = conn.execute(
            text("SELECT totp_secret FROM staff WHERE id = :id"), {"id": staff_id}
        ).scalar()
        assert raw and raw.startswith("v1.") and secret not in raw  # encrypted at rest
    factor.reset(staff_id, "staff:1")
    assert not factor.enabled(staff_id)
    assert service.login("totp@example.org", PASSWORD, None).second_factor is False


def test_wrong_codes_count_like_wrong_passwords(runtime: Runtime) -> None:
    service = accounts(runtime)
    staff_id = add_staff(runtime, "codes@example.org")
    results = [service.second_factor_failed(staff_id, None) for _ in range(LOCK_AFTER)]
    assert results[-1].status == "locked"
    assert service.login("codes@example.org", PASSWORD, None).status == "locked"


def test_the_qr_code_is_plain_svg() -> None:
    svg = qr_svg("otpauth://totp/x?secret=ABCDEFGH")
    assert svg.startswith("<svg") and "<script" not in svg and "style=" not in svg


def test_failures_are_counted_per_key(runtime: Runtime) -> None:
    throttle = Throttle(TEST_SECRET)
    accounts(runtime).login("c@example.org", "x", "203.0.113.9")
    with runtime.db.connect() as conn:
        assert throttle.count(conn, throttle.address_key("203.0.113.9")) == 1
        assert conn.execute(select(func.count()).select_from(login_failures)).scalar() == 2
