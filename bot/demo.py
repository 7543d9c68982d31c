"""Demo data for trying the bot: the Nienburg pilot organisation, a course, two mentors.

Loading is idempotent: run it twice and nothing is duplicated.  The coordinator password is
printed by ``make run`` and is only for a local demo.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.db.models import (
    ChannelIdentity,
    ConsentRecord,
    Course,
    CourseSession,
    InviteCode,
    Organisation,
    Person,
    StaffMember,
    StaffMembership,
)
from bot.identity import lookup_key

ORG_SLUG = "vnb-nienburg"
ORG_NAME = "VNB – Pilot Landkreis Nienburg"
TIMEZONE = "Europe/Berlin"
TOWNS = [
    "Nienburg (Weser)",
    "Hoya",
    "Marklohe",
    "Steyerberg",
    "Stolzenau",
    "Uchte",
    "Rehburg-Loccum",
    "Liebenau",
]
COORDINATOR_EMAIL = "koordination@example.org"
DEMO_PASSWORD = "demo-nienburg"  # noqa: S105 - a documented local demo login, never production


@dataclass(frozen=True)
class DemoLogin:
    """What ``make run`` prints so a person can log in."""

    email: str
    password: str


#: The invite code on the demo course's flyer: ``https://t.me/<bot>?start=kurs-a2-nienburg``.
DEMO_INVITE_CODE = "kurs-a2-nienburg"


def hash_password(password: str, salt: bytes | None = None) -> str:
    """scrypt hash in the form ``scrypt$<salt hex>$<hash hex>``."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of a password against :func:`hash_password` output."""
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = hash_password(password, bytes.fromhex(salt_hex)).split("$")[2]
    return secrets.compare_digest(expected, digest_hex)


def load_demo(db: Engine, secret_key: str, now: datetime) -> DemoLogin:
    """Create the demo organisation and its data unless they exist."""
    tz = ZoneInfo(TIMEZONE)
    with Session(db) as session, session.begin():
        org = session.scalar(select(Organisation).where(Organisation.slug == ORG_SLUG))
        if org is None:
            org = Organisation(
                slug=ORG_SLUG,
                name=ORG_NAME,
                timezone=TIMEZONE,
                default_language="de",
                towns=TOWNS,
                privacy_contact="datenschutz@example.org, 05021 000000",
                office_hours="Mo–Fr 9–13 Uhr",
                created_at=now,
            )
            session.add(org)
            session.flush()
        if (
            session.scalar(select(StaffMember).where(StaffMember.email == COORDINATOR_EMAIL))
            is None
        ):
            member = StaffMember(
                email=COORDINATOR_EMAIL,
                display_name="Koordination Nienburg",
                password_hash=hash_password(DEMO_PASSWORD),
                created_at=now,
            )
            session.add(member)
            session.flush()
            session.add(
                StaffMembership(
                    staff_id=member.id, organisation_id=org.id, role="admin", created_at=now
                )
            )
        if session.scalar(select(Course).where(Course.code == "deutsch-a2-nienburg")) is None:
            course = Course(
                organisation_id=org.id,
                code="deutsch-a2-nienburg",
                title={
                    "de": "Deutsch A2 mit Kinderbetreuung",
                    "en": "German A2 with childcare",
                    "ar": "اللغة الألمانية A2 مع رعاية الأطفال",
                    "uk": "Німецька A2 з доглядом за дітьми",
                },
                description={"de": "Dienstags und donnerstags, 9 bis 12 Uhr."},
                created_at=now,
            )
            session.add(course)
            session.flush()
            first_day = (now.astimezone(tz) + timedelta(days=1)).date()
            days = [first_day + timedelta(days=d) for d in range(28)]
            for day in [d for d in days if d.weekday() in (1, 3)][:6]:
                start = datetime.combine(day, time(9, 0), tz)
                session.add(
                    CourseSession(
                        course_id=course.id,
                        starts_at=start,
                        ends_at=start + timedelta(hours=3),
                        place="VHS Nienburg, Raum 2",
                        address="Rühmkorffstraße 12, 31582 Nienburg",
                        directions="Bus 3 bis Haltestelle „Schloßplatz“, dann 2 Minuten zu Fuß.",
                        childcare=True,
                    )
                )
        course_id = session.scalar(select(Course.id).where(Course.code == "deutsch-a2-nienburg"))
        if session.scalar(select(InviteCode).where(InviteCode.code == DEMO_INVITE_CODE)) is None:
            session.add(
                InviteCode(
                    code=DEMO_INVITE_CODE,
                    organisation_id=org.id,
                    course_id=course_id,
                    active=True,
                    created_at=now,
                )
            )
        for name, language, address in (
            ("Anna", "de", "mentor-anna"),
            ("Leyla", "tr", "mentor-leyla"),
        ):
            key = lookup_key(secret_key, "simulator", address)
            if session.scalar(select(ChannelIdentity).where(ChannelIdentity.lookup_key == key)):
                continue
            mentor = Person(
                organisation_id=org.id,
                role="mentor",
                language=language,
                display_name=name,
                town="Nienburg (Weser)",
                interests=["mentor"],
                attend_help=[],
                status="active",
                consent_given_at=now,
                created_at=now,
            )
            session.add(mentor)
            session.flush()
            session.add(
                ChannelIdentity(
                    person_id=mentor.id,
                    channel="simulator",
                    lookup_key=key,
                    address=address,
                    status="ok",
                    created_at=now,
                )
            )
            # A mentor signed the paper form: her profile, messages and mentoring.
            session.add_all(
                ConsentRecord(
                    person_id=mentor.id,
                    purpose=purpose,
                    wording_version="paper-2026-11",
                    language=language,
                    channel="paper",
                    given_at=now,
                )
                for purpose in ("profile", "messages", "mentoring")
            )
    return DemoLogin(COORDINATOR_EMAIL, DEMO_PASSWORD)
