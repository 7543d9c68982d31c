"""The coordinators' data for ``benchmarks.staff``: past sessions with answers and marks,
activity days, answered conversations, broadcasts with their outbox rows, the audit log, the
WhatsApp templates' statuses, and the spreadsheets of the people import.

Written in bulk inside the seeding transaction of :func:`benchmarks.staff.seed`, through the
same column types the app writes with (a reason, a message, an outbox payload are encrypted
as the app encrypts them), so the pages read exactly what they read in production.
"""

from __future__ import annotations

import io
import random
import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psutil
from sqlalchemy import Connection, insert, select

from bot.db.tables import (
    activity_days,
    attendance,
    attendance_marks,
    audit,
    broadcast_exclusions,
    broadcasts,
    inbox_messages,
    inbox_threads,
    outbox,
    sessions,
    whatsapp_template_status,
)
from bot.demo import TOWNS

REPO = Path(__file__).resolve().parent.parent
#: The example template file: the templates page shows its kinds × languages.
TEMPLATES = REPO / "config" / "whatsapp_templates.example.yaml"
#: Broadcasts seeded; the one with :data:`BIG_BROADCAST` recipients is the report measured.
BROADCASTS = 20
BIG_BROADCAST = 10_000
#: Audit entries (each with its organisation), spread over the last year.
AUDIT_ENTRIES = 100_000
#: Days each woman wrote to the bot in the last four months (``activity_days``).
ACTIVE_DAYS = 10
#: Conversations the team answered (closed), opened in the last three months.
ANSWERED_THREADS = 1_500
#: Rows of the spreadsheet the import preview reads (the importer's maximum).
IMPORT_ROWS = 5_000
REASONS = ("childcare", "transport", "ill", "other", "skip")
ACTIONS = (
    ("inbox.reply", 30),
    ("attendance.mark", 25),
    ("inbox.close", 10),
    ("inbox.assign", 8),
    ("course.enrol", 6),
    ("session.edit", 4),
    ("broadcast.preview", 4),
    ("people.import", 2),
    ("people.export", 2),
    ("staff.role", 1),
    ("organisation.edit", 1),
    ("whatsapp_templates.refresh", 1),
)
#: Outbox (status, delivery status, error code) of the big broadcast's rows, with weights.
OUTCOMES = (
    (("sent", "read", None), 45),
    (("sent", "delivered", None), 25),
    (("sent", None, None), 12),
    (("sent", "undelivered", 63024), 4),
    (("failed", None, 63016), 3),
    (("needs_template", None, None), 6),
    (("skipped", None, None), 3),
    (("in_doubt", None, None), 2),
)
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Coordinator:
    """What the coordinator pages are measured on."""

    course_id: int
    session_id: int
    """Tomorrow's session: 2 000 enrolled, 600 answered, in three lists."""
    broadcast_id: int
    """The broadcast with :data:`BIG_BROADCAST` outbox rows."""
    organisation_id: int
    past_sessions: int
    marks: int
    audit_entries: int


def _weighted(rng: random.Random, choices: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _w in choices], [w for _c, w in choices])[0]


def seed_coordinator(
    conn: Connection,
    now: datetime,
    ids: Sequence[int],
    org_of: Sequence[int],
    organisation_id: int,
    second_org: int,
    course: int,
    enrolled: Sequence[int],
    coordinator: int,
) -> Coordinator:
    """Past sessions (twice a week for three months) of the demo course, each with answers
    from about a third of the 2 000 and a mark for everyone; ten activity days per woman;
    1 500 answered conversations; 20 broadcasts (one to 10 000 in mixed outcomes); 100 000
    audit entries; a status for every configured WhatsApp template."""
    rng = random.Random(13)
    tz = ZoneInfo("Europe/Berlin")
    upcoming = list(
        conn.execute(
            select(sessions.c.id)
            .where(sessions.c.course_id == course, sessions.c.starts_at > now)
            .order_by(sessions.c.starts_at)
        ).scalars()
    )
    # ---- past sessions: Tuesdays and Thursdays of the last 13 weeks, one cancelled ----------
    today = now.astimezone(tz).date()
    days = [today - timedelta(days=d) for d in range(1, 92)]
    past_days = sorted(d for d in days if d.weekday() in (1, 3))
    starts = [datetime.combine(d, clock_time(9, 0), tz).astimezone(UTC) for d in past_days]
    conn.execute(
        insert(sessions),
        [
            {
                "course_id": course,
                "starts_at": start,
                "ends_at": start + timedelta(hours=3),
                "place": "VHS Nienburg, Raum 2",
                "address": "Rühmkorffstraße 12, 31582 Nienburg",
                "directions": "Bus 3 bis Haltestelle „Schloßplatz“.",
                "childcare": n % 2 == 0,
                "status": "cancelled" if n == 5 else "planned",
            }
            for n, start in enumerate(starts)
        ],
    )
    held = list(
        conn.execute(
            select(sessions.c.id, sessions.c.starts_at)
            .where(
                sessions.c.course_id == course,
                sessions.c.starts_at < now,
                sessions.c.status != "cancelled",
            )
            .order_by(sessions.c.starts_at)
        )
    )
    answers: list[dict[str, Any]] = []
    marks: list[dict[str, Any]] = []
    for s, (session_id, starts_at) in enumerate(held):
        for n, person in enumerate(enrolled):
            said = (n + s) % 3 == 0
            not_coming = said and (n + s) % 12 == 0
            if said:
                answers.append(
                    {
                        "session_id": session_id,
                        "person_id": person,
                        "intention": "not_coming" if not_coming else "coming",
                        "reason": REASONS[(n + s) % 5] if not_coming else None,
                        "answered_at": starts_at - timedelta(hours=(n % 40) + 2),
                    }
                )
            marks.append(
                {
                    "session_id": session_id,
                    "person_id": person,
                    "present": not not_coming and (n * 7 + s) % 10 < 8,
                    "marked_at": starts_at + timedelta(minutes=20),
                    "marked_by": f"staff:{coordinator}",
                }
            )
    conn.execute(insert(attendance), answers)
    conn.execute(insert(attendance_marks), marks)
    # ---- activity days: ten days in the last four months per woman ------------------------
    conn.execute(
        insert(activity_days),
        [
            {"person_id": p, "day": today - timedelta(days=d), "organisation_id": org_of[n]}
            for n, p in enumerate(ids)
            for d in rng.sample(range(120), ACTIVE_DAYS)
        ],
    )
    # ---- answered conversations (closed), opened in the last three months ------------------
    talked = rng.sample(list(ids), ANSWERED_THREADS)
    index = {p: n for n, p in enumerate(ids)}
    opened = [now - timedelta(minutes=rng.randrange(90 * 24 * 60)) for _ in talked]
    conn.execute(
        insert(inbox_threads),
        [
            {
                "organisation_id": org_of[index[p]],
                "person_id": p,
                "status": "closed",
                "reason": "request",
                "language": "ar",
                "channel": "telegram",
                "opened_at": at,
                "waiting_since": None,
                "last_message_at": at + timedelta(hours=3),
                "closed_at": at + timedelta(hours=4),
                "closed_by_staff_id": coordinator,
            }
            for p, at in zip(talked, opened, strict=True)
        ],
    )
    closed = {
        person: thread
        for person, thread in conn.execute(
            select(inbox_threads.c.person_id, inbox_threads.c.id).where(
                inbox_threads.c.status == "closed"
            )
        )
    }
    conn.execute(
        insert(inbox_messages),
        [
            {
                "thread_id": closed[p],
                "person_id": p,
                "direction": direction,
                "text": text,
                "translation": None,
                "translation_language": None,
                "staff_id": staff_id,
                "created_at": at + timedelta(minutes=minutes),
            }
            for p, at in zip(talked, opened, strict=True)
            for direction, text, staff_id, minutes in (
                ("in", "Ich habe eine Frage zur Kinderbetreuung.", None, 0),
                ("out", "Gern! Die Betreuung ist im Raum 3.", coordinator, 5 + index[p] % 300),
            )
        ],
    )
    # ---- broadcasts: 20, the 17 sent ones in the last 80 days ------------------------------
    actor = f"staff:{coordinator}"
    rows = []
    for n in range(BROADCASTS):
        created = now - timedelta(days=80 - 4 * n, hours=3)
        status = "sent" if n < 17 else ("cancelled", "draft", "scheduled")[n - 17]
        rows.append(
            {
                "organisation_id": organisation_id,
                "title": f"Ankündigung {n + 1}",
                "texts": {
                    "de": "Liebe {name}, am Samstag ist Frauenfrühstück im Familienzentrum.",
                    "ar": "عزيزتي {name}، يوم السبت فطور للنساء في مركز الأسرة.",
                    "uk": "Дорога {name}, у суботу жіночий сніданок у сімейному центрі.",
                },
                "audience": {"all": True} if n % 3 else {"languages": ["ar"], "towns": ["Hoya"]},
                "urgent": False,
                "status": status,
                "send_at": now + timedelta(days=10) if status == "scheduled" else None,
                "created_by": actor,
                "created_at": created,
                "enqueued_at": created + timedelta(minutes=10) if n < 18 else None,
                "finished_at": created + timedelta(hours=2) if n < 17 else None,
            }
        )
    conn.execute(insert(broadcasts), rows)
    made = list(
        conn.execute(
            select(broadcasts.c.id, broadcasts.c.status, broadcasts.c.created_at).order_by(
                broadcasts.c.id
            )
        )
    )
    big = made[16].id  # the newest sent one
    languages = ("de", "ar", "uk")
    channels = ("telegram", "whatsapp", "simulator")
    outbox_rows: list[dict[str, Any]] = []
    for broadcast_id, status, created in made:
        if status not in ("sent", "cancelled"):
            continue
        recipients = list(ids) if broadcast_id == big else rng.sample(list(ids), 250)
        for n, p in enumerate(recipients):
            state, delivery, code = _weighted(rng, OUTCOMES)
            if status == "cancelled" and n % 2:
                state, delivery, code = "cancelled", None, None
            her_language = languages[index[p] % 3] if index[p] % 7 else "fa"
            outbox_rows.append(
                {
                    "idempotency_key": f"broadcast:{broadcast_id}:{p}",
                    "person_id": p,
                    "channel": channels[index[p] % 3],
                    "kind": "broadcast",
                    "priority": 5,
                    "payload": {
                        "text": "Liebe Amina, am Samstag ist Frauenfrühstück.",
                        "language": languages[index[p] % 3],
                        "her_language": her_language,
                    },
                    # In the clear too, as the outbox writes them (migration 0017).
                    "language": languages[index[p] % 3],
                    "her_language": her_language,
                    "status": state,
                    "attempts": 1,
                    "next_attempt_at": created,
                    "sent_at": created + timedelta(minutes=20) if state == "sent" else None,
                    "delivery_status": delivery,
                    "error_code": code,
                    "error": "unreachable" if code == 63024 else None,
                    "created_at": created,
                    "broadcast_id": broadcast_id,
                }
            )
    conn.execute(insert(outbox), outbox_rows)
    conn.execute(
        insert(broadcast_exclusions),
        [
            {
                "broadcast_id": big,
                "person_id": p,
                "language": languages[n % 3],
                "channel": channels[n % 3],
                "reason": ("opted_out", "no_consent", "unreachable")[n % 3],
            }
            for n, p in enumerate(ids[:300])
        ],
    )
    # ---- the audit log: 100 000 entries, each with its organisation -------------------------
    year = 365 * 24 * 3600
    entries = [
        {
            "at": now - timedelta(seconds=rng.randrange(year)),
            "actor": rng.choice((actor, actor, actor, "staff:2", "staff:3", "cli", "system")),
            "action": _weighted(rng, ACTIONS),
            "details": {"people": [rng.choice(ids)], "session_id": held[n % len(held)].id},
            "organisation_id": organisation_id if n % 10 < 7 else second_org,
        }
        for n in range(AUDIT_ENTRIES - 2 * BROADCASTS)
    ]
    for broadcast_id, _status, created in made:
        for action, later in (("broadcast.create", 0), ("broadcast.send", 9)):
            entries.append(
                {
                    "at": created + timedelta(minutes=later),
                    "actor": actor,
                    "action": action,
                    "details": {"broadcast": broadcast_id},
                    "organisation_id": organisation_id,
                }
            )
    conn.execute(insert(audit), entries)
    # ---- WhatsApp templates: every SID of the example file approved, one rejected -----------
    sids = sorted(set(re.findall(r"HX[0-9a-f]{32}", TEMPLATES.read_text(encoding="utf-8"))))
    conn.execute(
        insert(whatsapp_template_status),
        [
            {
                "content_sid": sid,
                "name": f"twc_{n}",
                "status": "rejected" if n == 1 else "approved",
                "category": "UTILITY",
                "rejection_reason": "Formatting" if n == 1 else "",
                "checked_at": now - timedelta(hours=3),
            }
            for n, sid in enumerate(sids)
        ],
    )
    return Coordinator(
        course_id=course,
        session_id=upcoming[0],
        broadcast_id=big,
        organisation_id=organisation_id,
        past_sessions=len(held),
        marks=len(marks),
        audit_entries=len(entries),
    )


# ---- the people import ---------------------------------------------------------------------


def import_workbook(run: int, rows: int = IMPORT_ROWS) -> bytes:
    """A coordinator's list as ``.xlsx``: German headers, ``rows`` people with a mobile
    number of their own (new in every ``run``), a language as people write it, a town of
    the demo organisation (one in fifty misspelt: held back with a suggestion), paper consent,
    interests, and the demo course for every fourth."""
    from openpyxl import Workbook

    from bot.features.people_import.example import HEADERS

    rng = random.Random(100 + run)
    languages = ("Arabisch", "Ukrainisch", "Farsi", "Türkisch", "Russisch", "Englisch")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Personen"
    sheet.append(list(HEADERS))
    for n in range(rows):
        town = rng.choice(TOWNS)
        sheet.append(
            [
                rng.choice(("Amina", "Olena", "Fatima", "Leyla", "Mariam", "Iryna")),
                f"Import{run}-{n}",
                languages[n % len(languages)],
                town[:-1] + "x" if n % 50 == 49 else town,
                f"0176 1{run % 10}{n:06d}",
                "",
                "01.11.2026",
                "Kurs, Arbeit" if n % 2 else "Treffen",
                "deutsch-a2-nienburg" if n % 4 == 0 else "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class ImportTiming:
    preview_s: list[float]
    confirm_s: list[float]
    preview_cpu_s: list[float]
    confirm_cpu_s: list[float]
    size_bytes: int
    importable: int


def time_import(
    base: str, cookie: str, organisation_id: int, server_pid: int, runs: int
) -> ImportTiming:
    """The import preview of a 5 000-row ``.xlsx`` and its confirmation, one request after the
    other (``runs`` times, each with new people), with the server's CPU for each."""
    server = psutil.Process(server_pid)
    timing = ImportTiming([], [], [], [], 0, 0)
    with httpx.Client(base_url=base, headers={"Cookie": cookie}, timeout=300) as client:
        for run in range(runs):
            data = import_workbook(run)
            timing.size_bytes = len(data)
            form = client.get("/staff/people/import")
            csrf = CSRF_FIELD.search(form.text)
            if form.status_code != 200 or csrf is None:
                raise SystemExit(f"/staff/people/import: {form.status_code}\n{form.text[:2000]}")
            cpu = sum(server.cpu_times()[:2])
            started = time.perf_counter()
            preview = client.post(
                "/staff/people/import",
                data={"organisation": str(organisation_id), "csrf_token": csrf.group(1)},
                files={
                    "file": (
                        f"personen-{run}.xlsx",
                        data,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    )
                },
            )
            timing.preview_s.append(time.perf_counter() - started)
            timing.preview_cpu_s.append(sum(server.cpu_times()[:2]) - cpu)
            if preview.status_code != 200 or "/staff/people/import/confirm" not in preview.text:
                raise SystemExit(f"import preview: {preview.status_code}\n{preview.text[:3000]}")
            token = CSRF_FIELD.search(preview.text)
            assert token is not None
            cpu = sum(server.cpu_times()[:2])
            started = time.perf_counter()
            done = client.post("/staff/people/import/confirm", data={"csrf_token": token.group(1)})
            timing.confirm_s.append(time.perf_counter() - started)
            timing.confirm_cpu_s.append(sum(server.cpu_times()[:2]) - cpu)
            if done.status_code != 200:
                raise SystemExit(f"import confirm: {done.status_code}\n{done.text[:3000]}")
    return timing


def median_ms(values: Sequence[float]) -> float:
    return 1000 * statistics.median(values)


__all__ = [
    "AUDIT_ENTRIES",
    "BIG_BROADCAST",
    "IMPORT_ROWS",
    "TEMPLATES",
    "Coordinator",
    "ImportTiming",
    "import_workbook",
    "median_ms",
    "seed_coordinator",
    "time_import",
]
