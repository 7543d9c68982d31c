"""The optional second factor: time-based one-time codes (TOTP, RFC 6238) with pyotp.

Setting it up stores a new secret (encrypted at rest: ``staff.totp_secret`` is an
``EncryptedText``) that is not yet required; it is switched on only once she has typed a code
her authenticator app made from it (``totp_enabled_at``), so a half-finished set-up never locks
her out.  Each code is accepted once (``totp_last_step``, RFC 6238 section 5.2).  An admin can
switch it off for her (a lost phone).  The QR code is SVG markup made by
segno on the server: no script, no image from another site.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from datetime import datetime

import pyotp
import segno
from sqlalchemy import Engine, or_, select, update

from bot.db.tables import staff
from bot.staff.audit import record_for_staff

Clock = Callable[[], datetime]
ISSUER = "Together We Can"
CODE = re.compile(r"^\d{6}$")


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as an inline ``<svg>`` element (dark modules on white)."""
    return str(
        segno.make(uri, error="m").svg_inline(
            scale=4, dark="#000", light="#fff", border=4, omitsize=False
        )
    )


def matching_step(secret: str, code: str, at: datetime) -> int | None:
    """The 30-second step whose code ``code`` is, at ``at`` (one step of clock drift either
    way), or ``None``."""
    code = re.sub(r"\s", "", code)
    if not CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(at.timestamp()) // totp.interval
    for step in (now_step, now_step - 1, now_step + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_matches(secret: str, code: str, at: datetime) -> bool:
    """Whether ``code`` is valid at ``at`` (one 30-second step of clock drift allowed)."""
    return matching_step(secret, code, at) is not None


class SecondFactor:
    """A staff member's TOTP: set up, confirm, check, reset."""

    def __init__(self, db: Engine, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def enabled(self, staff_id: int) -> bool:
        with self.db.connect() as conn:
            return (
                conn.execute(
                    select(staff.c.totp_enabled_at).where(staff.c.id == staff_id)
                ).scalar()
                is not None
            )

    def start(self, staff_id: int) -> str:
        """A new, not yet active secret for her (replacing an unconfirmed one)."""
        secret = pyotp.random_base32()
        with self.db.begin() as conn:
            conn.execute(
                update(staff)
                .where(staff.c.id == staff_id, staff.c.totp_enabled_at.is_(None))
                .values(totp_secret=secret)
            )
        return secret

    def pending_secret(self, staff_id: int) -> str | None:
        """The secret of a set-up not confirmed yet."""
        with self.db.connect() as conn:
            row = conn.execute(
                select(staff.c.totp_secret, staff.c.totp_enabled_at).where(staff.c.id == staff_id)
            ).first()
        if row is None or row.totp_enabled_at is not None:
            return None
        return str(row.totp_secret) if row.totp_secret else None

    @staticmethod
    def uri(secret: str, email: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)

    def confirm(self, staff_id: int, code: str) -> bool:
        """Switch it on if ``code`` matches the pending secret."""
        secret = self.pending_secret(staff_id)
        now = self.clock()
        step = matching_step(secret, code, now) if secret is not None else None
        if step is None:
            return False
        with self.db.begin() as conn:
            conn.execute(
                update(staff)
                .where(staff.c.id == staff_id)
                .values(totp_enabled_at=now, totp_last_step=step)
            )
            record_for_staff(conn, now, f"staff:{staff_id}", "staff.totp_enable", staff_id)
        return True

    def check(self, staff_id: int, code: str) -> bool:
        """Her code at login; each code is accepted once (a later step than the last one)."""
        with self.db.connect() as conn:
            row = conn.execute(
                select(staff.c.totp_secret, staff.c.totp_enabled_at).where(staff.c.id == staff_id)
            ).first()
        if row is None or row.totp_enabled_at is None or not row.totp_secret:
            return False
        step = matching_step(str(row.totp_secret), code, self.clock())
        if step is None:
            return False
        with self.db.begin() as conn:
            claimed = conn.execute(
                update(staff)
                .where(
                    staff.c.id == staff_id,
                    or_(staff.c.totp_last_step.is_(None), staff.c.totp_last_step < step),
                )
                .values(totp_last_step=step)
            ).rowcount
        return bool(claimed)

    def reset(self, staff_id: int, actor: str) -> None:
        """Switch it off (her own choice, or an admin's for a lost phone)."""
        now = self.clock()
        with self.db.begin() as conn:
            conn.execute(
                update(staff)
                .where(staff.c.id == staff_id)
                .values(totp_secret=None, totp_enabled_at=None, totp_last_step=None)
            )
            record_for_staff(conn, now, actor, "staff.totp_reset", staff_id)


__all__ = ["ISSUER", "SecondFactor", "code_matches", "matching_step", "qr_svg"]
