"""The tables.  One row type per concept; personal text is encrypted, times are aware UTC.

Privacy shapes this schema: a person is found by a pseudonymous ``lookup_key`` (an HMAC of her
channel address), never by the address itself; deleting a ``Person`` cascades to everything that
is about her (identities, consents, conversation state, outbox rows, inbox requests, nudges).
Inbound message ids are kept without any link to a person: they only stop duplicates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.db.types import EncryptedJSON, EncryptedText, UTCDateTime

#: The default retention: a person with no message for this many days (6 months) is deleted.
RETENTION_DAYS = 183

#: Table options of the tables whose ids are referenced elsewhere: SQLite would otherwise hand
#: a deleted row's id to the next new row (an erased person's id to a new woman).  PostgreSQL's
#: sequences never reuse a number.
NEVER_REUSED_IDS: dict[str, Any] = {"sqlite_autoincrement": True}

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints stably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Organisation(Base):
    """A tenant: an education provider or migration office with its own people and courses."""

    __tablename__ = "organisations"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    default_language: Mapped[str] = mapped_column(String(16), default="de")
    towns: Mapped[list[str]] = mapped_column(default=list)
    privacy_contact: Mapped[str] = mapped_column(String(200), default="")
    office_hours: Mapped[str] = mapped_column(String(200), default="")
    quiet_hours_start: Mapped[str] = mapped_column(String(5), default="20:00")
    quiet_hours_end: Mapped[str] = mapped_column(String(5), default="08:00")
    retention_days: Mapped[int] = mapped_column(
        Integer, default=RETENTION_DAYS, server_default=str(RETENTION_DAYS)
    )
    """A person silent this long is deleted with everything about her (the daily purge,
    ``bot.features.retention``); the privacy notice promises 6 months."""
    country: Mapped[str] = mapped_column(String(2), default="DE", server_default="DE")
    """ISO 3166 country code: a newcomer without an invite code chooses her country first
    when the deployment has organisations in several."""
    district: Mapped[str] = mapped_column(String(200), default="", server_default="")
    """The district or region it serves, as the women know it ("Landkreis Nienburg/Weser")."""
    languages: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    """The language codes it offers; empty: every language the bot has."""
    opening_hours: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    """When staff answer: ``{"mon": [["09:00", "16:00"]], …}`` in its time zone; empty: not
    set (then ``office_hours`` is shown as written)."""
    notify_by_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    """New inbox requests are announced by email to its staff (who did not switch it off)."""
    staff_telegram_chat: Mapped[str | None] = mapped_column(String(64))
    """A Telegram group of its staff that hears of new inbox requests (no names, no texts)."""
    created_at: Mapped[datetime]


class StaffMember(Base):
    """A person of an organisation's team who logs into the staff web app (``/staff``).

    Staff are not participants: their email is their login, their password is an argon2 hash,
    their second factor (TOTP) secret is encrypted.  What they may see is their memberships.
    """

    __tablename__ = "staff"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    """Lower case; the login name."""
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(16), default="de", server_default="de")
    """The staff app's language for her (de, en, it, pt, el)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    """Set by an admin's reset: the next login asks for a new password first."""
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText(200))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    """The 30-second step of the last code accepted: each code counts once (RFC 6238)."""
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    notify_by_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]


class StaffMembership(Base):
    """A staff member's role in one organisation: ``coordinator`` or ``admin``."""

    __tablename__ = "staff_memberships"
    __table_args__ = (UniqueConstraint("staff_id", "organisation_id", name="uq_staff_membership"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class StaffSession(Base):
    """A logged-in browser.  Only a hash of the cookie's token is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    second_factor_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    """The password was right, the TOTP code is still to come: nothing but that page."""
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LoginFailure(Base):
    """A failed login, by an HMAC of the email or of the address it came from (no address)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class Person(Base):
    """A participant or mentor.  Holds only what she told us after consenting."""

    __tablename__ = "people"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="participant")
    language: Mapped[str | None] = mapped_column(String(16))
    display_name: Mapped[str | None] = mapped_column(EncryptedText(400, remember=True))
    town: Mapped[str | None] = mapped_column(EncryptedText(remember=True))
    """What she typed or chose; encrypted (a broadcast's town filter runs in Python)."""
    interests: Mapped[list[str]] = mapped_column(EncryptedJSON(remember=True), default=list)
    attend_help: Mapped[list[str]] = mapped_column(EncryptedJSON(remember=True), default=list)
    status: Mapped[str] = mapped_column(String(16), default="new")
    """``new`` (no consent yet), ``active``, ``opted_out``."""
    consent_given_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    with_team_since: Mapped[datetime | None]
    """Set while a conversation with a person of the team is open (``inbox_threads``): her
    messages go to them, and the bot does not interrupt with its own questions."""

    identities: Mapped[list[ChannelIdentity]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )


class ChannelIdentity(Base):
    """How to reach a person on one channel.  Looked up by an HMAC, never by the address."""

    __tablename__ = "channel_identities"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    lookup_key: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str] = mapped_column(EncryptedText(400, remember=True))
    status: Mapped[str] = mapped_column(String(16), default="ok")
    """``ok``, ``unreachable`` (blocked the bot, not a WhatsApp number) or ``opted_out``."""
    created_at: Mapped[datetime]
    last_inbound_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(back_populates="identities")


class ConsentRecord(Base):
    """One consent given (and maybe withdrawn), with the exact wording version shown."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    wording_version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(32))
    given_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]


class ConsentWording(Base):
    """The exact text of a consent question, kept once per fingerprint: nothing personal.

    ``consent_records.wording_version`` holds the fingerprint (``conversations.consent.
    wording_hash``) of the catalog entry she saw; this row is that entry, so a consent can be
    shown word for word later, even after the catalogs have changed.
    """

    __tablename__ = "consent_wordings"

    hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime]


class ConversationState(Base):
    """Where a person is in which flow, plus the flow's working data."""

    __tablename__ = "conversation_states"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(64))
    node: Mapped[str] = mapped_column(String(64))
    visit: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    """The flow's working data: what she typed mid-flow, so encrypted."""
    updated_at: Mapped[datetime]


class InboundMessage(Base):
    """The id of every inbound message already handled, so a re-delivery is processed once."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_inbound_channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(index=True)


class OutboxMessage(Base):
    """A message to send.  Written in the same transaction as the state change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "priority", "next_attempt_at"),
        Index("ix_outbox_external_id", "external_id"),  # a pressed button finds its message
        Index("ix_outbox_broadcast", "broadcast_id", "status"),  # a broadcast's report
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(EncryptedText(400))
    """Only for a last message to someone just erased (no person row is left to point at);
    cleared as soon as it is sent."""
    kind: Mapped[str] = mapped_column(String(32), default="reply")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    """0 = a reply to someone chatting now; higher numbers are bulk and wait their turn."""
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    """The message, encrypted; once the platform accepted it only what a later button press
    or status report reads is kept (``bot.outbox.rows.kept_after_sending``)."""
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """``pending``, ``claimed`` (taken by a dispatcher, waiting its turn), ``sending``, ``sent``,
    ``failed``, ``in_doubt`` (handed to the platform when the process stopped), ``skipped`` (she
    opted out meanwhile), ``needs_template`` (outside WhatsApp's 24-hour window with no approved
    template: a coordinator must act), ``cancelled`` (its broadcast was cancelled before it
    went), ``held`` (a team's reply whose WhatsApp template went instead: her next message
    releases it)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    external_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(String(500))
    """Why it failed, without any address or number (``bot.outbox.scrub``)."""
    created_at: Mapped[datetime]
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    """The platform's own word for what became of it (WhatsApp: ``queued``, ``sent``,
    ``delivered``, ``read``, ``failed``, ``undelivered``), from its status callbacks."""
    error_code: Mapped[int | None] = mapped_column(Integer)
    """The platform's error code, if it reported one (Twilio: 63016, 21610, …)."""
    broadcast_id: Mapped[int | None] = mapped_column(Integer)
    """The broadcast this row belongs to (``bot.features.broadcasts``), for its report and
    cancel."""
    language: Mapped[str | None] = mapped_column(String(16))
    """The message's language (a language code, the payload's ``language``), in the clear so
    that a broadcast's report counts by it in SQL instead of decrypting every payload.  Rows
    written before migration 0017 have none (the report reads their payload)."""
    her_language: Mapped[str | None] = mapped_column(String(16))
    """A broadcast message's recipient's own language (the payload's ``her_language``; it
    differs from ``language`` when she got the default language's text), for the report's
    "fa → de" lines; the same code as ``people.language``, and deleted with her row."""


class InboundMedia(Base):
    """A voice note, photo or document she sent: its type and where the platform keeps it.

    Only the platform's URL is stored (encrypted), never the file: it is kept for the
    person-to-person inbox, and deleting her deletes it.
    """

    __tablename__ = "inbound_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(EncryptedText(2000))
    received_at: Mapped[datetime]


class InboxThread(Base):
    """A conversation between one woman and the team, in the staff inbox.

    Opened by "talk to a person", a voice note or photo, an answer that needs a human
    ("I can't come: childcare"), or by staff writing to her; closed by staff, which hands her
    back to the bot.  At most one is open per person.
    """

    __tablename__ = "inbox_threads"
    __table_args__ = (
        Index("ix_inbox_threads_queue", "organisation_id", "status", "waiting_since"),
        # At most one open conversation per person, even with two writers at once.
        Index(
            "uq_inbox_threads_one_open",
            "person_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    """``open`` or ``closed``."""
    reason: Mapped[str] = mapped_column(String(32), default="request")
    """Why it opened: ``request``, ``media``, ``not_coming``, ``interested``, ``staff``."""
    language: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime]
    waiting_since: Mapped[datetime | None]
    """Her oldest message nobody has answered yet; ``None`` when the team spoke last."""
    last_message_at: Mapped[datetime]
    assigned_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    notified_at: Mapped[datetime | None]
    """When staff were told of it (email, staff Telegram group)."""
    closed_at: Mapped[datetime | None]
    closed_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    close_note: Mapped[str | None] = mapped_column(EncryptedText(4000))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    """She reported a problem (with her mentor, say): shown first, marked urgent."""


class InboxMessage(Base):
    """One entry of a thread: hers (``in``), the team's (``out``), the bot's (``bot``) or an
    internal ``note`` only staff see.  Text encrypted; deleted with her."""

    __tablename__ = "inbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("inbox_threads.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    text: Mapped[str | None] = mapped_column(EncryptedText(20000))
    translation: Mapped[str | None] = mapped_column(EncryptedText(20000))
    """Her message in the staff member's language, or the team's reply in hers (both shown)."""
    translation_language: Mapped[str | None] = mapped_column(String(16))
    media_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_media.id", ondelete="SET NULL")
    )
    media_kind: Mapped[str | None] = mapped_column(String(16))
    """What she sent instead of text (``voice``, ``photo``, ``document``…); the file itself
    is linked by ``media_id`` where the platform gives a URL (WhatsApp), else only named."""
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    """The outbox row that carries a reply to her (its delivery status is shown)."""
    created_at: Mapped[datetime]


class QuickReply(Base):
    """A saved answer staff can insert, with a text per language."""

    __tablename__ = "quick_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    texts: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Nudge(Base):
    """A message or flow event due at a time: one row per person and moment, claimed by a sweep."""

    __tablename__ = "nudges"
    __table_args__ = (Index("ix_nudges_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime]


class Course(Base):
    """A course an organisation runs; its title is stored per language."""

    __tablename__ = "courses"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[dict[str, Any]]
    description: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    reminders: Mapped[list[str]] = mapped_column(default=lambda: ["1d@17:00", "2h"])
    """When to remind before each session (``bot.features.courses.reminders``): ``1d@17:00`` is
    the day
    before at 17:00 local time, ``2h`` two hours before the start."""


class CourseSession(Base):
    """One meeting of a course: when, where, how to get there, whether there is childcare."""

    __tablename__ = "course_sessions"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    directions: Mapped[str] = mapped_column(Text, default="")
    childcare: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    transit_line: Mapped[str] = mapped_column(String(100), default="", server_default="")
    """The bus or train that goes there ("Bus 31"): shown in her messages as it is written,
    since a line's name is the same in every language (unlike ``directions``)."""
    transit_stop: Mapped[str] = mapped_column(String(200), default="", server_default="")
    """Where to get off ("Hoya, Bahnhof")."""


class Enrolment(Base):
    """A person takes part in a course."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("course_id", "person_id", name="uq_enrolment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


class Attendance(Base):
    """What a person said about coming to one session: ``coming`` or ``not_coming`` (+ reason)."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "person_id", name="uq_attendance"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("course_sessions.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    intention: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(EncryptedText())
    """``childcare``, ``transport``, ``ill``, ``other``, ``skip`` (she chose not to say);
    encrypted, since ``ill`` is health data.  ``intention`` and ``feedback`` are plain codes
    (coming or not, a 1–4 rating) that the check-in queries filter on."""
    answered_at: Mapped[datetime]
    feedback: Mapped[int | None] = mapped_column(Integer)
    """Her answer to the one-question feedback after the session: 1 (😞) … 4 (😀)."""
    feedback_at: Mapped[datetime | None]


class AttendanceMark(Base):
    """Whether a person was there, marked by staff after the session (a tap per person).

    Kept apart from :class:`Attendance` (what she said beforehand): she may have said nothing
    and come, or said "coming" and not come; the report compares the two.
    """

    __tablename__ = "attendance_marks"
    __table_args__ = (UniqueConstraint("session_id", "person_id", name="uq_attendance_mark"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("course_sessions.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    present: Mapped[bool] = mapped_column(Boolean)
    marked_at: Mapped[datetime]
    marked_by: Mapped[str] = mapped_column(String(200))
    """The staff actor (``staff:<id>``) or ``cli``."""


class ActivityDay(Base):
    """A day on which a person wrote to the bot: only the date, for "active in the period".

    ``channel_identities.last_inbound_at`` keeps only her newest message, so a report for last
    quarter could not count who was active then.  One row per person and day is the least that
    answers it; it goes with her (cascade) and with the retention purge.
    """

    __tablename__ = "activity_days"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)


class FlowResult(Base):
    """Her answer to one question of a flow (the choice's id, never free text), for the
    per-flow results export (pseudonymous ids, a date range)."""

    __tablename__ = "flow_results"
    __table_args__ = (Index("ix_flow_results_flow_at", "organisation_id", "flow", "answered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    flow: Mapped[str] = mapped_column(String(64))
    node: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(String(200))
    answered_at: Mapped[datetime]


class WhatsAppTemplateStatus(Base):
    """What Twilio last said about one approved-template content (its WhatsApp approval),
    read from the Content API's approval requests; nothing personal."""

    __tablename__ = "whatsapp_template_status"

    content_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    status: Mapped[str] = mapped_column(String(32))
    """Twilio's word: ``approved``, ``pending``, ``rejected``, ``paused``, ``disabled``,
    ``unsubmitted``, ``received`` …; ``unknown`` when Twilio does not know the SID."""
    category: Mapped[str] = mapped_column(String(32), default="", server_default="")
    rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    checked_at: Mapped[datetime]


class InviteCode(Base):
    """A code on a flyer or QR code (``t.me/<bot>?start=<code>``) that ties a newcomer to an
    organisation and, optionally, a course or a group.  Codes are not personal."""

    __tablename__ = "invite_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    group_ref: Mapped[str | None] = mapped_column(String(64))
    """A meetup group this code joins (for the group features to come)."""
    role: Mapped[str | None] = mapped_column(String(16))
    """``mentor``: a newcomer with this code signs up as a mentor (her own questions after
    the privacy notice); ``None``: a participant."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class TelegramGroup(Base):
    """A Telegram group the bot was added to (for meetups).  A group id is not personal."""

    __tablename__ = "telegram_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(256), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="member")
    """``member`` or ``left`` (removed from the group)."""
    added_at: Mapped[datetime]


class SimulatorMessage(Base):
    """The chat simulator's phone screen: what a test user sent and received, in order.

    This plays the role of the chat history on a real phone, which the platforms keep; it is not
    the bot's own record of her.  Still, it holds what she typed: it is deleted with her
    (``bot.erasure``, by her address) and after 7 days (``bot.features.retention``).
    """

    __tablename__ = "simulator_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user: Mapped[str] = mapped_column(String(128), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    text: Mapped[str] = mapped_column(EncryptedText())
    choices: Mapped[list[str]] = mapped_column(default=list)
    rtl: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class AuditEntry(Base):
    """Append-only record of what coordinators and administrators did."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    """The organisation the action concerns, so its admins see it on the audit page; ``None``
    for deployment-wide actions (server administrators on the command line)."""


class Broadcast(Base):
    """A coordinator's announcement to many: one text per language, an audience, a schedule.

    Its recipients are outbox rows (kind ``broadcast``, key ``broadcast:<id>:<person>``), so
    each person gets it once whatever happens to the process; people left out are
    :class:`BroadcastExclusion` rows with the reason.  Who did what to it is in ``audit_log``.
    """

    __tablename__ = "broadcasts"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    """A label for coordinators; participants never see it."""
    texts: Mapped[dict[str, Any]]
    """Language code → the text in that language (with ``{name}``-style placeholders)."""
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Segments, each a list: ``courses``, ``towns``, ``languages``, ``interests``,
    ``telegram_groups``; ``all: true`` for everyone.  A person in any segment is in."""
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    """Sent even during the organisation's quiet hours."""
    status: Mapped[str] = mapped_column(String(16), default="draft")
    """``draft``, ``scheduled`` (waiting for ``send_at``), ``sending``, ``sent``, ``cancelled``."""
    send_at: Mapped[datetime | None]
    followup_hours: Mapped[int | None] = mapped_column(Integer)
    """Re-send once, after this many hours, to those not known to have read it."""
    followup_done_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    enqueued_at: Mapped[datetime | None]
    """When every recipient's outbox row was written."""
    finished_at: Mapped[datetime | None]


class BroadcastExclusion(Base):
    """Someone in a broadcast's audience who does not get it, and why (``opted_out``,
    ``no_consent``, ``unreachable``, ``no_text``)."""

    __tablename__ = "broadcast_exclusions"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "person_id", name="uq_broadcast_exclusion"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(32))


# ---- mentoring (bot/features/mentoring) --------------------------------------------------


class MentorProfile(Base):
    """What a mentor told us about herself for matching: languages, topics, time, capacity.

    Encrypted like the rest of a profile; matching reads an organisation's mentors (a few
    dozen) and decrypts them in Python.
    """

    __tablename__ = "mentor_profiles"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    languages: Mapped[list[str]] = mapped_column(EncryptedJSON(), default=list)
    """Language codes she can speak with a mentee."""
    topics: Mapped[list[str]] = mapped_column(EncryptedJSON(), default=list)
    """Topic ids (``bot.features.mentoring.topics``)."""
    availability: Mapped[list[str]] = mapped_column(EncryptedJSON(), default=list)
    """When she has time: ``mornings``, ``afternoons``, ``evenings``, ``weekends``."""
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    """How many mentees at once."""
    paused_until: Mapped[datetime | None]
    """No new introductions before this moment (she said "not now" or paused herself)."""
    status: Mapped[str] = mapped_column(String(16), default="incomplete")
    """``incomplete`` (questions not finished), ``active``, ``retired``."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MentoringRequest(Base):
    """A participant would like a mentor: what about, in which language, since when."""

    __tablename__ = "mentoring_requests"
    __table_args__ = (
        Index("ix_mentoring_requests_org_status", "organisation_id", "status"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    topics: Mapped[list[str]] = mapped_column(EncryptedJSON(), default=list)
    language: Mapped[str | None] = mapped_column(String(16))
    """The language she would like to speak with her mentor (a code, like people.language)."""
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    """``waiting`` (for a suggestion), ``proposed`` (an introduction is under way),
    ``matched``, ``withdrawn`` (she no longer wants one), ``closed`` (her match ended)."""
    created_at: Mapped[datetime]
    """Waiting since."""
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class MentorMatch(Base):
    """One introduction of a mentor to a participant, from the proposal to its end.

    ``asking_mentor`` → ``asking_participant`` → ``active`` → ``ended``; or ``declined``
    (``declined_by`` says who, never told to the other side), ``lapsed`` (no answer in six
    days), ``withdrawn`` (staff took it back).  Nothing about either woman reaches the other
    before ``active``.
    """

    __tablename__ = "mentor_matches"
    __table_args__ = (
        Index("ix_mentor_matches_org_status", "organisation_id", "status"),
        # One introduction in flight or running per request, even with two writers at once.
        Index(
            "uq_mentor_matches_one_live",
            "request_id",
            unique=True,
            sqlite_where=text("status IN ('asking_mentor', 'asking_participant', 'active')"),
            postgresql_where=text("status IN ('asking_mentor', 'asking_participant', 'active')"),
        ),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    request_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_requests.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(24), default="asking_mentor")
    declined_by: Mapped[str | None] = mapped_column(String(16))
    """``mentor`` or ``participant``: for staff only."""
    decline_reason: Mapped[str | None] = mapped_column(String(16))
    """``no`` or ``not_now`` (the mentor has no time now: she is paused for a while)."""
    proposed_by: Mapped[str] = mapped_column(String(200))
    """``auto`` or the staff actor (``staff:<id>``) who proposed it."""
    score: Mapped[float] = mapped_column(default=0.0)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    """Why it was suggested, as codes (``language``, ``town``, ``topics``): nothing personal."""
    proposed_at: Mapped[datetime]
    asked_at: Mapped[datetime | None]
    """When the side now asked was asked (the reminder and the lapse count from here)."""
    reminded_at: Mapped[datetime | None]
    mentor_answered_at: Mapped[datetime | None]
    participant_answered_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    """Both said yes: contact made."""
    mentor_contact: Mapped[str | None] = mapped_column(String(16))
    """How the mentor wants to be reached: ``relay`` (through the bot) or ``shared``."""
    participant_contact: Mapped[str | None] = mapped_column(String(16))
    last_contact_at: Mapped[datetime | None]
    """The last relayed message, or "we have met"."""
    met_at: Mapped[datetime | None]
    followed_up_at: Mapped[datetime | None]
    """When "have you met?" went out (a week after the start)."""
    checked_in_at: Mapped[datetime | None]
    """The last monthly check-in."""
    problem_reported_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(16))
    """``mentor``, ``participant``, ``staff`` or ``erased``."""
    mentor_rating: Mapped[int | None] = mapped_column(Integer)
    participant_rating: Mapped[int | None] = mapped_column(Integer)
    """Was it helpful: 1 (no) … 4 (very), optional, asked once when it ends."""


class MentoringSettings(Base):
    """Per organisation: whether the best suggestion is proposed without staff."""

    __tablename__ = "mentoring_settings"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    auto_propose: Mapped[bool] = mapped_column(Boolean, default=False)
    threshold: Mapped[float] = mapped_column(default=0.6)
    """A suggestion's score (0–1) from which it is proposed automatically."""
    updated_at: Mapped[datetime]


# ---- job offers (bot/features/jobs) ------------------------------------------------------


class JobOffer(Base):
    """A job offer a coordinator entered or imported: what, where, how many hours, what German.

    Nothing personal: titles and descriptions per language (``{"de": …, "ar": …}``; the
    organisation's default language required), the employer only if it may be shown.  An
    imported offer (``source = "ba"``, the Bundesagentur für Arbeit's job search) waits as
    ``review`` until a coordinator opens it; only ``open`` offers before ``expires_on`` are sent.
    """

    __tablename__ = "job_offers"
    __table_args__ = (
        Index("ix_job_offers_org_status", "organisation_id", "status"),
        UniqueConstraint("organisation_id", "source", "external_id"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    """``review`` (imported, waiting for a coordinator), ``open``, ``closed``."""
    source: Mapped[str] = mapped_column(String(16), default="staff")
    """``staff`` or ``ba`` (imported)."""
    external_id: Mapped[str | None] = mapped_column(String(64))
    """The source's reference (the BA's ``refnr``), so an import never doubles an offer."""
    title: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description: Mapped[dict[str, Any]] = mapped_column(default=dict)
    employer: Mapped[str | None] = mapped_column(String(200))
    employer_shown: Mapped[bool] = mapped_column(Boolean, default=True)
    town: Mapped[str] = mapped_column(String(200), default="")
    hours_per_week: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="part_time")
    """``mini_job``, ``part_time``, ``full_time``, ``training``, ``internship``,
    ``volunteering``."""
    german_level: Mapped[str] = mapped_column(String(4), default="none")
    """``none``, ``A1``, ``A2``, ``B1``, ``B2``, ``C1``."""
    childcare_friendly: Mapped[bool] = mapped_column(Boolean, default=False)
    """The hours suit childcare (e.g. only mornings)."""
    hours_note: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """When, in words per language ("nur vormittags"), optional."""
    starts_on: Mapped[date | None]
    expires_on: Mapped[date]
    places: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class JobProfile(Base):
    """What she told us for job offers (asked once she shows interest, with her consent to
    ``job_offers``): German level, hours she can work, how far she can travel, kinds."""

    __tablename__ = "job_profiles"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    """``{"german": "A2", "hours": 20, "travel_km": 15, "kinds": [...]}``."""
    updated_at: Mapped[datetime]


class JobNotice(Base):
    """One offer told to one woman, her answer, and what became of it (staff only)."""

    __tablename__ = "job_notices"
    __table_args__ = (
        UniqueConstraint("person_id", "offer_id"),
        Index("ix_job_notices_person_sent", "person_id", "sent_at"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(
        ForeignKey("job_offers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="sent")
    """``sent``, ``interested``, ``not_for_me``, ``more_like_this``."""
    digest: Mapped[str | None] = mapped_column(String(64))
    """The weekly digest it went in (``<person>:<iso week>``)."""
    sent_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    """Recorded by staff: ``contacted``, ``applied``, ``invited``, ``started``,
    ``not_suitable``."""
    outcome_at: Mapped[datetime | None]
    outcome_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_told_at: Mapped[datetime | None]
    """She was interested and the offer was withdrawn: when she was told."""


class JobImportSettings(Base):
    """Per organisation: the BA job search import (where, how far, which words)."""

    __tablename__ = "job_import_settings"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    place: Mapped[str] = mapped_column(String(200), default="")
    """The BA's ``wo``: a town or postcode."""
    radius_km: Mapped[int] = mapped_column(Integer, default=25)
    keywords: Mapped[str] = mapped_column(String(500), default="")
    """The BA's ``was``, comma-separated searches (each its own query)."""
    last_run_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime]


class Group(Base):
    """A self-organised group of participants (a women's café, a sewing group), run by its own
    organisers (participants, not staff).  Name, description and directions per language
    (the organisation's default language required); nothing personal."""

    __tablename__ = "groups"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    """The invite code of its deep link / QR code (``g-…``)."""
    name: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description: Mapped[dict[str, Any]] = mapped_column(default=dict)
    town: Mapped[str] = mapped_column(String(200), default="")
    approval: Mapped[bool] = mapped_column(Boolean, default=False)
    """``True``: an organiser approves who joins; ``False``: open to anyone."""
    members_propose: Mapped[bool] = mapped_column(Boolean, default=False)
    """Any member may propose a meetup (else organisers only)."""
    usual_places: Mapped[list[str]] = mapped_column(default=list)
    children_welcome: Mapped[bool] = mapped_column(Boolean, default=False)
    directions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """How to get there, per language (optional)."""
    telegram_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("telegram_groups.id", ondelete="SET NULL")
    )
    """Its linked Telegram group, if any (polls and neutral posts go there too)."""
    status: Mapped[str] = mapped_column(String(16), default="active")
    """``active`` or ``closed``."""
    created_by: Mapped[str] = mapped_column(String(200))
    """``staff:<id>`` or ``person:<id>`` (an organiser who started it in the chat)."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class GroupMember(Base):
    """One woman in one group: a member or an organiser, active, waiting for approval, or
    gone (``left``: she receives nothing of the group from that moment)."""

    __tablename__ = "group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "person_id"),
        Index("ix_group_members_person", "person_id", "status"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), default="member")
    """``member`` or ``organiser``."""
    status: Mapped[str] = mapped_column(String(16), default="active")
    """``active``, ``pending`` (asked to join), ``declined``, ``left``."""
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]


class Meetup(Base):
    """A meetup a group's organiser (or member) proposed: what, where, two or three times to
    vote on until ``deadline``, then the confirmed time."""

    __tablename__ = "meetups"
    __table_args__ = (Index("ix_meetups_group_status", "group_id", "status"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), default="voting")
    """``voting``, ``confirmed``, ``cancelled``, ``done``."""
    deadline: Mapped[datetime]
    min_people: Mapped[int] = mapped_column(Integer, default=2)
    """Confirmed on its own at the deadline when this many can come at the best time."""
    option_id: Mapped[int | None] = mapped_column(Integer)
    """The confirmed option (``meetup_options.id``)."""
    starts_at: Mapped[datetime | None]
    """The confirmed (or moved) time."""
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    telegram_poll_id: Mapped[str | None] = mapped_column(String(64), index=True)
    """The native poll posted in the linked Telegram group (its ``poll.id``)."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MeetupOption(Base):
    """One time a meetup's vote offers."""

    __tablename__ = "meetup_options"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    meetup_id: Mapped[int] = mapped_column(
        ForeignKey("meetups.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    """0, 1, 2: its place in the poll (Telegram's ``option_ids``)."""
    starts_at: Mapped[datetime]


class MeetupVote(Base):
    """A vote for one option: from her private chat, or from the linked Telegram group's poll.

    ``voter`` is ``p:<person id>`` for a member (so the same woman voting in her chat and in
    the poll counts once), or ``t:<keyed hash>`` for a Telegram user the bot does not know:
    counted, never named."""

    __tablename__ = "meetup_votes"
    __table_args__ = (UniqueConstraint("option_id", "voter"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(
        ForeignKey("meetup_options.id", ondelete="CASCADE"), index=True
    )
    voter: Mapped[str] = mapped_column(String(80))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(8))
    """``chat`` or ``poll``."""
    voted_at: Mapped[datetime]


class MeetupRsvp(Base):
    """Her answer to a confirmed meetup (yes, maybe, no), and afterwards how it was."""

    __tablename__ = "meetup_rsvps"
    __table_args__ = (UniqueConstraint("meetup_id", "person_id"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    meetup_id: Mapped[int] = mapped_column(ForeignKey("meetups.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(8))
    """``yes``, ``maybe``, ``no``."""
    answered_at: Mapped[datetime]
    rating: Mapped[int | None] = mapped_column(Integer)
    """"How was it?" afterwards: 1 (😞) to 4 (😀), optional."""
