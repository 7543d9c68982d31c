"""Nobody waits unseen: new inbox threads are announced to the organisation's staff.

A periodic job finds open threads nobody was told about (``notified_at IS NULL``) and tells

* by email every active staff member of the organisation who wants it
  (``staff.notify_by_email``), if the organisation sends email (``notify_by_email``) and a mail
  server is set (``TWC_SMTP_*``; Python's ``smtplib``, STARTTLS unless switched off), each in
  her own language;
* the organisation's staff Telegram group (``staff_telegram_chat``), through the bot's own
  Telegram channel: an outbox row addressed to the group (sent by the dispatcher like every
  message, once per thread by its idempotency key), in the organisation's language.

Never her name or her words: "New request in the inbox, language ar, waiting since 09:12" and
a link to the conversation (``TWC_PUBLIC_URL/staff/inbox/<id>``).  A mail server that fails
leaves the thread un-notified: the next run tries again (the Telegram row is not repeated).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select, update

from bot.db.tables import inbox_threads, organisations, staff, staff_memberships
from bot.features.inbox.staff_i18n import N_, staff_language, staff_text
from bot.outbox.rows import REPLY_PRIORITY, OutboxRow, enqueue
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

SUBJECT = N_("Neue Anfrage im Posteingang")
BODY = N_("Neue Anfrage im Posteingang, Sprache {language}, wartet seit {time}.")
OPEN_IT = N_("Öffnen: {link}")
URGENT_SUBJECT = N_("Dringend: Anfrage im Posteingang")
URGENT_BODY = N_(
    "Dringend: Eine Frau hat ein Problem gemeldet. Anfrage im Posteingang, Sprache {language}, "
    "wartet seit {time}."
)
#: The outbox kind of a message to a staff group.
STAFF_NOTICE = "staff_notice"
#: Threads told about per run (the rest next time).
BATCH = 100


@dataclass(frozen=True, slots=True)
class NewThread:
    """What a notification may say about a thread: nothing about her but her language."""

    id: int
    organisation_id: int
    language: str | None
    since: datetime
    timezone: str
    default_language: str
    email: bool
    telegram_chat: str | None
    urgent: bool = False
    """She reported a problem (``inbox_threads.urgent``): the notification says so."""


@dataclass(frozen=True, slots=True)
class Recipient:
    """A staff member to email."""

    email: str
    language: str


def notification(thread: NewThread, language: str, link_base: str) -> tuple[str, str]:
    """The subject and text of a notification in ``language`` (a staff language)."""
    time = thread.since.astimezone(ZoneInfo(thread.timezone)).strftime("%H:%M")
    template = URGENT_BODY if thread.urgent else BODY
    body = staff_text(language, template).format(language=thread.language or "?", time=time)
    link = f"{link_base.rstrip('/')}/staff/inbox/{thread.id}"
    subject = staff_text(language, URGENT_SUBJECT if thread.urgent else SUBJECT)
    return subject, f"{body}\n{staff_text(language, OPEN_IT).format(link=link)}"


def new_threads(conn: Connection, limit: int = BATCH) -> list[NewThread]:
    """Open threads nobody was told about yet, oldest first."""
    rows = conn.execute(
        select(
            inbox_threads.c.id,
            inbox_threads.c.organisation_id,
            inbox_threads.c.language,
            inbox_threads.c.opened_at,
            inbox_threads.c.waiting_since,
            organisations.c.timezone,
            organisations.c.default_language,
            organisations.c.notify_by_email,
            organisations.c.staff_telegram_chat,
            inbox_threads.c.urgent,
        )
        .join(organisations, organisations.c.id == inbox_threads.c.organisation_id)
        .where(inbox_threads.c.status == "open", inbox_threads.c.notified_at.is_(None))
        .order_by(inbox_threads.c.opened_at, inbox_threads.c.id)
        .limit(limit)
    )
    return [
        NewThread(
            r.id,
            r.organisation_id,
            r.language,
            r.waiting_since or r.opened_at,
            r.timezone,
            r.default_language,
            bool(r.notify_by_email),
            r.staff_telegram_chat or None,
            bool(r.urgent),
        )
        for r in rows
    ]


def recipients(conn: Connection, organisation_id: int) -> list[Recipient]:
    """The organisation's active staff who want email notifications."""
    rows = conn.execute(
        select(staff.c.email, staff.c.language)
        .join(staff_memberships, staff_memberships.c.staff_id == staff.c.id)
        .where(
            staff_memberships.c.organisation_id == organisation_id,
            staff.c.active.is_(True),
            staff.c.notify_by_email.is_(True),
        )
        .order_by(staff.c.id)
    )
    return [Recipient(r.email, staff_language(r.language)) for r in rows]


class Mailer:
    """Sends notification emails through the configured SMTP server (one connection a run)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def configured(self) -> bool:
        return bool(self.settings.smtp_host)

    def send(self, messages: Sequence[EmailMessage]) -> None:
        """Send all of them; raises ``smtplib.SMTPException`` or ``OSError`` on failure."""
        if not messages:
            return
        s = self.settings
        assert s.smtp_host
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=15) as server:
            if s.smtp_starttls:
                server.starttls()
            if s.smtp_user:
                server.login(s.smtp_user, s.smtp_password or "")
            for message in messages:
                server.send_message(message)


def notify_new_threads(
    db: Engine,
    settings: Settings,
    clock: Callable[[], datetime],
    telegram: bool,
    mailer: Mailer | None = None,
) -> bool:
    """Tell staff about every new thread (see the module docstring); ``True`` when messages
    for a staff Telegram group were queued (the dispatcher has work)."""
    mailer = mailer or Mailer(settings)
    with db.connect() as conn:
        threads = new_threads(conn)
        emails: list[tuple[NewThread, list[EmailMessage]]] = []
        for thread in threads:
            messages = []
            if thread.email and mailer.configured:
                for person in recipients(conn, thread.organisation_id):
                    subject, body = notification(thread, person.language, settings.link_base)
                    message = EmailMessage()
                    message["Subject"] = subject
                    message["From"] = settings.smtp_from
                    message["To"] = person.email
                    message.set_content(body)
                    messages.append(message)
            emails.append((thread, messages))
    done: list[int] = []
    queued: list[OutboxRow] = []
    now = clock()
    for thread, messages in emails:
        try:
            mailer.send(messages)
        except (smtplib.SMTPException, OSError) as error:
            log.warning(
                "inbox: notification email failed (%s); retrying later", type(error).__name__
            )
            continue
        if telegram and thread.telegram_chat:
            language = staff_language(thread.default_language)
            _, body = notification(thread, language, settings.link_base)
            queued.append(
                OutboxRow(
                    f"inbox-notify:{thread.id}",
                    "telegram",
                    {"text": body, "choices": [], "language": language, "rtl": False},
                    now,
                    now,
                    kind=STAFF_NOTICE,
                    priority=REPLY_PRIORITY,
                    address=thread.telegram_chat,
                )
            )
        done.append(thread.id)
    if done:
        with db.begin() as conn:
            if queued:
                enqueue(conn, queued, skip_existing=True)
            conn.execute(
                update(inbox_threads)
                .where(inbox_threads.c.id.in_(done), inbox_threads.c.notified_at.is_(None))
                .values(notified_at=now)
            )
    if done:
        log.info("inbox: %d new conversation(s) announced to staff", len(done))
    return bool(queued)


def run_notifications(runtime: Runtime) -> bool:
    """The periodic job: announce new threads (Telegram only where the channel is on)."""
    return notify_new_threads(
        runtime.db, runtime.settings, runtime.clock, telegram="telegram" in runtime.channels
    )


__all__ = ["Mailer", "notification", "notify_new_threads", "run_notifications"]
