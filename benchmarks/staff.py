"""The staff web app on its real HTTP paths, with a district's data, measured by wrk.

    make bench                                    # part of the bench target
    python -m benchmarks.staff --duration 5 --connections 1,10
    python -m benchmarks.staff --profile          # py-spy: where the server's time goes
    python -m benchmarks.staff --checkout ../main # the same data, another checkout's server
    python -m benchmarks.staff --pages coordinator --imports 0   # only courses … templates

The database (SQLite, a file under ``var/``) is seeded in bulk before the server starts,
through the same column types the app writes with (names, towns, addresses and messages
encrypted): the demo organisation and a second one, 10 000 women in them (names, towns,
languages, one channel each, some unreachable, some opted out), a course with sessions
tomorrow that 2 000 are enrolled in (some said they cannot come, most have not answered), 150
messages held as ``needs_template`` and 300 open inbox threads with 10 messages each.  The
demo coordinator is a member of both organisations, so every page sees all of it.  For the
coordinators' pages (:mod:`benchmarks.staff_coordinator`): the course's past sessions, twice a
week for three months, each with answers from a third of the 2 000 and a mark for everyone;
ten activity days per woman; 1 500 answered conversations; 20 broadcasts, one to all 10 000
in mixed delivery outcomes; 100 000 audit entries, each with its organisation; a status for
every template of ``config/whatsapp_templates.example.yaml`` (Twilio's account is set, the
sender is not, so WhatsApp stays off and nothing is sent).

Then a real ``twc run`` starts on a free port (``TWC_ENVIRONMENT=test``, the clock pinned with
``TWC_CLOCK_START``; nothing from the developer's ``TWC_*`` leaks in), the benchmark logs in
once over HTTP (``/staff/login``: the form's CSRF token, argon2 verification, the session
cookie) and wrk (``benchmarks/wrk/staff.lua``, one connection per thread, the session cookie
in every request) fetches each page in turn: the dashboard with all its panels, the inbox, one
thread, a people search for a misspelt name, one profile; then the courses, the course with
2 000 enrolled, tomorrow's session (2 000 people in three lists), the barrier report (its
default three months), the broadcasts, the 10 000-recipient broadcast's report, the
composer's live counts (``POST /staff/broadcasts/preview`` as htmx sends it, with the
session's CSRF token in ``X-CSRF-Token``) for everyone and for "Arabic in Hoya", the report
for this year, the audit log and the templates.  Every request must first answer 200.  It
prints requests/s, p50/p99 and the server's CPU per request, and the server's peak RSS.  The
login itself is timed apart, one after the other: argon2 is slow on purpose; so is the people
import (``--imports`` runs, each a new 5 000-row ``.xlsx``: the preview's upload, then its
confirmation), with httpx, one request after the other, median.  Without wrk (and not root
to install it) the benchmark says so and skips.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import psutil
from rich.table import Table
from sqlalchemy import func, insert, select, update

from benchmarks.http import (
    PROFILES,
    REPO,
    SECRET,
    WRK_SCRIPTS,
    Server,
    console,
    ensure_wrk,
    free_port,
    log_of,
    start_profile,
    stop,
    summarise_profile,
    wait_for,
)
from benchmarks.staff_coordinator import (
    BIG_BROADCAST,
    IMPORT_ROWS,
    TEMPLATES,
    Coordinator,
    ImportTiming,
    median_ms,
    seed_coordinator,
    time_import,
)
from benchmarks.staff_mentoring import MENTORS, WAITING, seed_mentoring
from bot.db.migrate import upgrade
from bot.db.tables import (
    attendance,
    courses,
    enrolments,
    identities,
    inbox_messages,
    inbox_threads,
    organisations,
    outbox,
    people,
    sessions,
    staff,
    staff_memberships,
)
from bot.demo import COORDINATOR_EMAIL, DEMO_PASSWORD, ORG_SLUG, load_demo
from bot.identity import lookup_key
from bot.runtime import build_runtime
from bot.settings import Settings

#: Monday 08:00 UTC: the demo course meets on Tuesdays and Thursdays, so tomorrow has a session.
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HX_CSRF = re.compile(r'"X-CSRF-Token": "([^"]+)"')
FIRST_NAMES = (
    "Amina", "Fatima", "Leyla", "Olena", "Mariam", "Zainab", "Nadia", "Samira", "Hana",
    "Yasmin", "Iryna", "Oksana", "Roya", "Shirin", "Elif", "Ayse", "Svetlana", "Natalia",
    "Parisa", "Maryam", "Aisha", "Rania", "Dilara", "Kateryna", "Halyna", "Nour", "Salma",
    "Tatiana", "Zahra", "Farah", "Aylin", "Mina", "Sara", "Lina", "Huda", "Reem",
)  # fmt: skip
LAST_NAMES = (
    "Haddad", "Rahimi", "Kovalenko", "Yilmaz", "Hosseini", "Ahmadi", "Shevchenko", "Kaya",
    "Al-Khatib", "Mohammadi", "Bondarenko", "Demir", "Nasser", "Karimi", "Petrenko", "Sahin",
    "Abbas", "Rezaei", "Melnyk", "Celik", "Saleh", "Jafari", "Tkachenko", "Aydin", "Hamdan",
    "Moradi", "Kravchenko", "Ozturk", "Mansour", "Azizi", "Savchenko", "Arslan", "Darwish",
    "Ebrahimi", "Lysenko", "Korkmaz", "Khalil", "Sadeghi", "Marchenko", "Dogan",
)  # fmt: skip
LANGUAGES = ("ar", "uk", "fa", "tr", "ru", "en", "de", "ar", "uk", "fa")
SECOND_ORG_TOWNS = ["Verden (Aller)", "Achim", "Langwedel", "Ottersberg", "Kirchlinteln"]
#: What the search box gets: "Amina" typed with two letters swapped.
MISSPELT = "Amnia Hadad"
#: The broadcast composer's live part (htmx POST while she types).
PREVIEW = "/staff/broadcasts/preview"


@dataclass(frozen=True)
class Seeded:
    thread_id: int
    person_id: int
    people: int
    threads: int
    coordinator: Coordinator


def seed(url: str, women: int, threads: int, per_thread: int) -> Seeded:
    """The district's data, written in bulk through the app's column types."""
    settings = Settings(database_url=url, environment="test", secret_key=SECRET)
    upgrade(url)
    runtime = build_runtime(settings, clock=lambda: NOW)
    load_demo(runtime.db, SECRET, NOW)
    rng = random.Random(12)
    try:
        with runtime.db.begin() as conn:
            first_org = conn.execute(
                select(organisations.c.id, organisations.c.towns).where(
                    organisations.c.slug == ORG_SLUG
                )
            ).one()
            second_org = conn.execute(
                insert(organisations)
                .values(
                    slug="awo-verden",
                    name="AWO Kreisverband Verden",
                    timezone="Europe/Berlin",
                    default_language="de",
                    towns=SECOND_ORG_TOWNS,
                    district="Landkreis Verden",
                    created_at=NOW,
                )
                .returning(organisations.c.id)
            ).scalar_one()
            coordinator = conn.execute(
                select(staff.c.id).where(staff.c.email == COORDINATOR_EMAIL)
            ).scalar_one()
            conn.execute(
                insert(staff_memberships).values(
                    staff_id=coordinator,
                    organisation_id=second_org,
                    role="coordinator",
                    created_at=NOW,
                )
            )
            towns = {first_org.id: list(first_org.towns), second_org: SECOND_ORG_TOWNS}
            org_of = [first_org.id if i % 10 < 7 else second_org for i in range(women)]
            first = conn.execute(select(func.coalesce(func.max(people.c.id), 0))).scalar_one()
            statuses = ["active"] * 17 + ["new", "opted_out", "active"]
            conn.execute(
                insert(people),
                [
                    {
                        "organisation_id": org_of[i],
                        "role": "participant",
                        "language": LANGUAGES[i % len(LANGUAGES)],
                        "display_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                        "town": rng.choice(towns[org_of[i]]),
                        "interests": ["course"],
                        "attend_help": ["childcare"] if i % 3 == 0 else [],
                        "status": statuses[i % len(statuses)],
                        # joined over the last 200 days (the reports count them by month)
                        "consent_given_at": NOW - timedelta(days=30 + i % 200),
                        "created_at": NOW - timedelta(minutes=women - i),
                    }
                    for i in range(women)
                ],
            )
            ids = list(
                conn.execute(
                    select(people.c.id).where(people.c.id > first).order_by(people.c.id)
                ).scalars()
            )
            channels = ("telegram", "whatsapp", "simulator")
            conn.execute(
                insert(identities),
                [
                    {
                        "person_id": p,
                        "channel": channels[n % 3],
                        "lookup_key": lookup_key(SECRET, channels[n % 3], f"bench-{p}"),
                        "address": f"bench-{p}",
                        "status": "unreachable" if n % 50 == 7 else "ok",
                        "created_at": NOW - timedelta(days=30),
                        "last_inbound_at": NOW - timedelta(hours=n % 500),
                    }
                    for n, p in enumerate(ids)
                ],
            )
            course = conn.execute(
                select(courses.c.id).where(courses.c.code == "deutsch-a2-nienburg")
            ).scalar_one()
            upcoming = list(
                conn.execute(
                    select(sessions.c.id)
                    .where(sessions.c.course_id == course, sessions.c.starts_at > NOW)
                    .order_by(sessions.c.starts_at)
                ).scalars()
            )
            enrolled = [p for n, p in enumerate(ids) if org_of[n] == first_org.id][:2000]
            conn.execute(
                insert(enrolments),
                [
                    {"course_id": course, "person_id": p, "created_at": NOW - timedelta(days=100)}
                    for p in enrolled
                ],
            )
            reasons = ("childcare", "transport", "ill", "other", "skip")
            conn.execute(
                insert(attendance),
                [
                    {
                        "session_id": upcoming[0],
                        "person_id": p,
                        "intention": "not_coming" if n % 4 == 0 else "coming",
                        "reason": reasons[n % 5] if n % 4 == 0 else None,
                        "answered_at": NOW - timedelta(hours=n % 48),
                    }
                    for n, p in enumerate(enrolled[:600])
                ],
            )
            held = [p for n, p in enumerate(ids) if n % 3 == 1][:150]
            conn.execute(
                insert(outbox),
                [
                    {
                        "idempotency_key": f"bench-held-{p}",
                        "person_id": p,
                        "channel": "whatsapp",
                        "address": f"bench-{p}",
                        "kind": "reminder",
                        "priority": 5,
                        "payload": {"text": "Erinnerung: morgen um 9 Uhr"},
                        "status": "needs_template",
                        "attempts": 0,
                        "next_attempt_at": NOW,
                        "created_at": NOW - timedelta(hours=n % 40),
                    }
                    for n, p in enumerate(held)
                ],
            )
            talking = ids[:: max(1, len(ids) // threads)][:threads]
            conn.execute(
                insert(inbox_threads),
                [
                    {
                        "organisation_id": org_of[ids.index(p)],
                        "person_id": p,
                        "status": "open",
                        "reason": "request",
                        "language": "ar",
                        "channel": "telegram",
                        "opened_at": NOW - timedelta(hours=n % 72 + 1),
                        "waiting_since": NOW - timedelta(minutes=n * 7 % 3000),
                        "last_message_at": NOW - timedelta(minutes=n * 7 % 3000),
                    }
                    for n, p in enumerate(talking)
                ],
            )
            thread_of: dict[int, int] = {
                person: thread
                for person, thread in conn.execute(
                    select(inbox_threads.c.person_id, inbox_threads.c.id).where(
                        inbox_threads.c.status == "open"
                    )
                )
            }
            conn.execute(
                update(people)
                .where(people.c.id.in_(talking))
                .values(with_team_since=NOW - timedelta(hours=2))
            )
            conn.execute(
                insert(inbox_messages),
                [
                    {
                        "thread_id": thread_of[p],
                        "person_id": p,
                        "direction": "in" if m % 2 == 0 else "out",
                        "text": f"Nachricht {m}: Ich habe eine Frage zum Kurs und zur Kita.",
                        "translation": f"Message {m}: I have a question about the course.",
                        "translation_language": "en",
                        "staff_id": None if m % 2 == 0 else coordinator,
                        "created_at": NOW - timedelta(minutes=(per_thread - m) * 11),
                    }
                    for p in talking
                    for m in range(per_thread)
                ],
            )
            data = seed_coordinator(
                conn, NOW, ids, org_of, first_org.id, second_org, course, enrolled, coordinator
            )
            seed_mentoring(conn, NOW, ids, org_of, first_org.id)
            return Seeded(thread_of[talking[0]], talking[0], len(ids), len(talking), data)
    finally:
        runtime.close()


def server_environment(folder: Path, port: int) -> dict[str, str]:
    """A production-like ``twc run``: test environment (no simulator, no demo login printed),
    its own database and port, the clock pinned where the data was seeded."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TWC_")}
    env.update(
        TWC_DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite3'}",
        TWC_SECRET_KEY=SECRET,
        TWC_ENVIRONMENT="test",
        TWC_HOST="127.0.0.1",
        TWC_PORT=str(port),
        TWC_CLOCK_START=(NOW + timedelta(minutes=5)).isoformat(),
        # Twilio's account (no sender: WhatsApp stays off) so the templates page shows its
        # table; nothing is sent, and nothing could reach Twilio (the discard port).
        TWC_TWILIO_ACCOUNT_SID="AC00000000000000000000000000bench",
        TWC_TWILIO_AUTH_TOKEN="bench-token",
        TWC_TWILIO_API_URL="http://127.0.0.1:9",
        TWC_TWILIO_TEMPLATES=str(TEMPLATES),
        PYTHONUTF8="1",
        PYTHONIOENCODING="utf-8",
    )
    return env


class PeakRss(threading.Thread):
    """Samples a process's resident memory every 20 ms; ``peak`` in bytes."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.02)  # sampling interval, not waiting for anything


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    if found is None:
        raise SystemExit("no CSRF token on the login page")
    return found.group(1)


def log_in(base: str) -> tuple[str, float]:
    """One login over HTTP: ``(Cookie header of the session, seconds the POST took)``."""
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/staff/login")
        started = time.perf_counter()
        answer = client.post(
            "/staff/login",
            data={
                "email": COORDINATOR_EMAIL,
                "password": DEMO_PASSWORD,
                "csrf_token": csrf_of(form.text),
            },
        )
        took = time.perf_counter() - started
        if answer.status_code != 303:
            raise SystemExit(f"login failed ({answer.status_code}):\n{answer.text[:2000]}")
        cookie = answer.headers["set-cookie"].split(";", 1)[0]
        return cookie, took


@dataclass
class PageResult:
    name: str
    connections: int
    requests: int
    ok: int
    bad: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Page:
    """One measured request: a GET of ``path``, or with ``body`` an htmx form POST."""

    label: str
    path: str
    body: str = ""

    @property
    def name(self) -> str:
        shown = self.path if "q=" in self.path else self.path.split("?")[0]
        if "preset=" in self.path:
            shown += "?" + self.path.split("?", 1)[1].split("&")[-1]
        return f"{'POST' if self.body else 'GET'} {shown}  ({self.label})"


def run_wrk(
    binary: str,
    base: str,
    page: Page,
    cookie: str,
    connections: int,
    seconds: float,
    csrf: str = "",
) -> dict[str, float]:
    command = [
        binary,
        f"-t{connections}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(WRK_SCRIPTS / "staff.lua"),
        base,
        "--",
        page.path,
        cookie,
        *([page.body, csrf] if page.body else []),
    ]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    match = re.search(r"BENCH-RESULT (.*)", done.stdout)
    if done.returncode != 0 or match is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", match.group(1))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per page")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up per page")
    parser.add_argument(
        "--connections",
        type=lambda text: [int(c) for c in text.split(",")],
        default=[1, 10],
        help="comma-separated numbers of staff at once, e.g. 1,10",
    )
    parser.add_argument(
        "--checkout",
        type=Path,
        default=REPO,
        help="run the server from this checkout (the code before a change)",
    )
    parser.add_argument("--women", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=300, help="open inbox threads")
    parser.add_argument("--logins", type=int, default=10, help="logins timed one by one")
    parser.add_argument("--profile", action="store_true", help="py-spy during each page")
    parser.add_argument(
        "--pages",
        choices=("all", "core", "coordinator"),
        default="all",
        help="core: dashboard, inbox, people; coordinator: courses … templates, the import",
    )
    parser.add_argument(
        "--imports", type=int, default=3, help="import previews + confirmations timed (0: none)"
    )
    args = parser.parse_args()
    binary = ensure_wrk()
    if binary is None:
        return
    (REPO / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-staff-", dir=REPO / "var") as name:
        folder = Path(name)
        started = time.perf_counter()
        seeded = seed(f"sqlite:///{folder / 'bench.sqlite3'}", args.women, args.threads, 10)
        console.print(
            f"seeded {seeded.people:,} women, {seeded.threads} open threads in "
            f"{time.perf_counter() - started:.1f} s"
        )
        port = free_port()
        log = folder / "twc-run.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                cwd=args.checkout,
                env=server_environment(folder, port),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/healthz", process, log)
            started_rss = psutil.Process(process.pid).memory_info().rss
            watch = PeakRss(process.pid)
            watch.start()
            server = psutil.Process(process.pid)
            bench = Server(process, base, log)
            logins: list[float] = []
            login_cpu = 0.0
            cookie = ""
            for _ in range(args.logins):
                cpu = sum(server.cpu_times()[:2])
                cookie, took = log_in(base)
                login_cpu += sum(server.cpu_times()[:2]) - cpu
                logins.append(took)
            after_logins = psutil.Process(process.pid).memory_info().rss
            csrf = csrf_after_login(base, cookie)
            pages = []
            if args.pages in ("all", "core"):
                pages += core_pages(seeded)
            if args.pages in ("all", "coordinator"):
                pages += coordinator_pages(seeded.coordinator)
            results: list[PageResult] = []
            for page in pages:
                check_page(base, page, cookie, csrf)
                for connections in args.connections:
                    results.append(
                        measure_page(binary, base, page, cookie, csrf, connections, args, bench)
                    )
            imports = None
            if args.pages in ("all", "coordinator") and args.imports > 0:
                imports = time_import(
                    base, cookie, seeded.coordinator.organisation_id, process.pid, args.imports
                )
                console.print(
                    f"import of {IMPORT_ROWS:,} rows: preview {median_ms(imports.preview_s):,.0f}"
                    f" ms, confirm {median_ms(imports.confirm_s):,.0f} ms (medians)"
                )
            watch.running = False
            watch.join()
        except BaseException:
            console.print(log_of(log))
            raise
        finally:
            stop(process)
    print_table(
        results,
        logins,
        login_cpu,
        (started_rss, after_logins, watch.peak),
        seeded,
        args.checkout,
        imports,
    )


def core_pages(seeded: Seeded) -> list[Page]:
    """The dashboard, the inbox and the people directory."""
    return [
        Page("dashboard", "/staff/"),
        Page("inbox", "/staff/inbox"),
        Page("one thread", f"/staff/inbox/{seeded.thread_id}"),
        Page(f"search “{MISSPELT}”", f"/staff/people?q={quote(MISSPELT)}"),
        Page("one profile", f"/staff/people/{seeded.person_id}"),
    ]


def coordinator_pages(data: Coordinator) -> list[Page]:
    """Courses, attendance, barriers, broadcasts (with the composer's live counts), reports,
    the audit log and the WhatsApp templates."""
    org = data.organisation_id
    text = quote("Liebe {name}, am Samstag ist Frauenfrühstück im Familienzentrum.")
    composer = f"organisation={org}&title=Fr%C3%BChst%C3%BCck&text_de={text}"
    return [
        Page("courses", "/staff/courses"),
        Page("the course, 2 000 enrolled", f"/staff/courses/{data.course_id}"),
        Page("a session, 2 000 in 3 lists", f"/staff/attendance/sessions/{data.session_id}"),
        Page("barriers, last 3 months", "/staff/barriers"),
        Page("broadcasts", "/staff/broadcasts"),
        Page(f"a report, {BIG_BROADCAST:,} sent", f"/staff/broadcasts/{data.broadcast_id}"),
        Page("live counts, everyone", PREVIEW, f"{composer}&audience=everyone"),
        Page(
            "live counts, Arabic in Hoya",
            PREVIEW,
            f"{composer}&audience=segments&languages=ar&towns=Hoya&match=all",
        ),
        Page("report, this year", f"/staff/reports?organisation={org}&preset=this_year"),
        Page(f"audit, {data.audit_entries:,} entries", "/staff/audit"),
        Page("WhatsApp templates", "/staff/templates"),
        Page(f"mentoring, {MENTORS} mentors, {WAITING:,} waiting", "/staff/mentoring"),
    ]


def csrf_after_login(base: str, cookie: str) -> str:
    """The session's CSRF token, from the ``hx-headers`` every staff page carries."""
    answer = httpx.get(f"{base}/staff/", headers={"Cookie": cookie}, timeout=60)
    found = HX_CSRF.search(answer.text)
    if found is None:
        raise SystemExit("no CSRF token on the dashboard")
    return found.group(1)


def check_page(base: str, page: Page, cookie: str, csrf: str) -> None:
    """Every measured request must first answer 200 (and not the login page)."""
    headers = {"Cookie": cookie}
    if page.body:
        headers |= {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRF-Token": csrf,
            "HX-Request": "true",
        }
        check = httpx.post(base + page.path, headers=headers, content=page.body, timeout=60)
    else:
        check = httpx.get(base + page.path, headers=headers, timeout=60)
    if check.status_code != 200 or 'name="password"' in check.text:
        raise SystemExit(f"{page.path}: {check.status_code}\n{check.text[:2000]}")


def measure_page(
    binary: str,
    base: str,
    page: Page,
    cookie: str,
    csrf: str,
    connections: int,
    args: argparse.Namespace,
    bench: Server,
) -> PageResult:
    """One page at one concurrency: warm-up, then the measured wrk run (under py-spy if asked)."""
    server = psutil.Process(bench.process.pid)
    settle(server)
    if args.warmup > 0:
        run_wrk(binary, base, page, cookie, connections, args.warmup, csrf)
    profiler = None
    slug = re.sub(r"[^a-z0-9]+", "-", page.label.lower()).strip("-")
    profile = PROFILES / f"staff-{slug}-{connections}.txt"
    if args.profile:
        PROFILES.mkdir(parents=True, exist_ok=True)
        profiler = start_profile(bench, args.duration, profile)
    cpu = sum(server.cpu_times()[:2])
    figures = run_wrk(binary, base, page, cookie, connections, args.duration, csrf)
    result = PageResult(
        name=page.name,
        connections=connections,
        requests=int(figures["requests"]),
        ok=int(figures["ok"]) - int(figures["suspect"]),
        bad=int(figures["non2xx"]) + int(figures["suspect"]),
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        cpu_seconds=sum(server.cpu_times()[:2]) - cpu,
    )
    console.print(
        f"{page.label}, {connections} at once: {result.rate:,.1f} req/s, "
        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
    )
    if profiler is not None:
        summarise_profile(profiler, profile, page.label)
    return result


def settle(server: psutil.Process, limit: float = 60.0) -> None:
    """Wait until the server is idle: requests wrk sent and no longer waited for (ten slow
    pages at once) are still being answered after it stopped, and would be counted in the
    next page's CPU and latency."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        cpu = sum(server.cpu_times()[:2])
        time.sleep(0.25)  # a sampling interval: how busy the server was meanwhile
        if sum(server.cpu_times()[:2]) - cpu < 0.025:
            return


def print_table(
    results: list[PageResult],
    logins: list[float],
    login_cpu: float,
    rss: tuple[int, int, int],
    seeded: Seeded,
    checkout: Path,
    imports: ImportTiming | None = None,
) -> None:
    title = (
        f"The staff web app in one `twc run` (SQLite), {seeded.people:,} women, "
        f"{seeded.threads} open threads × 10 messages, 2 organisations; wrk"
    )
    data = seeded.coordinator
    title += (
        f"; {data.past_sessions} past sessions ({data.marks:,} marks), "
        f"{BIG_BROADCAST:,}-recipient broadcast, {data.audit_entries:,} audit entries"
    )
    if checkout.resolve() != REPO:
        title += f"; server from {checkout}"
    table = Table(title=title)
    for column in ("page", "conns", "req/s", "p50 ms", "p99 ms", "CPU ms/req", "2xx", "other"):
        table.add_column(column, justify="left" if column == "page" else "right")
    for r in results:
        answered = r.ok > 0
        table.add_row(
            r.name,
            str(r.connections),
            f"{r.rate:,.1f}",
            f"{r.p50_ms:.1f}" if answered else "none answered",
            f"{r.p99_ms:.1f}" if answered else "—",
            f"{1000 * r.cpu_seconds / r.ok:.1f}"
            if answered
            else f"{1000 * r.cpu_seconds:.0f} (all)",
            str(r.ok),
            str(r.bad),
        )
    table.add_row(
        f"POST /staff/login (argon2, {len(logins)} one after the other)",
        "1",
        f"{len(logins) / sum(logins):,.1f}",
        f"{1000 * statistics.median(logins):.1f}",
        f"{1000 * max(logins):.1f} (max)",
        f"{1000 * login_cpu / len(logins):.1f}",
        str(len(logins)),
        "0",
    )
    if imports is not None:
        runs = len(imports.preview_s)
        for step, took, cpu in (
            ("", imports.preview_s, imports.preview_cpu_s),
            ("/confirm", imports.confirm_s, imports.confirm_cpu_s),
        ):
            table.add_row(
                f"POST /staff/people/import{step}  ({IMPORT_ROWS:,}-row .xlsx, "
                f"{imports.size_bytes / 1024:,.0f} KiB; {runs} one after the other)",
                "1",
                f"{runs / sum(took):,.2f}",
                f"{median_ms(took):,.1f}",
                f"{1000 * max(took):,.1f} (max)",
                f"{median_ms(cpu):,.1f}",
                str(runs),
                "0",
            )
    console.print(table)
    console.print(
        f"Server RSS: {rss[0] / 2**20:,.0f} MiB when it answered, {rss[1] / 2**20:,.0f} MiB "
        f"after the logins (argon2), peak {rss[2] / 2**20:,.0f} MiB.  other = non-2xx answers "
        "or the login page instead of the one asked for.  "
        "Target: every page p50 under 200 ms (one staff member at a time; with ten at once "
        "the one process serves them in turn).  argon2: 64 MiB, 3 passes, 4 lanes."
    )


if __name__ == "__main__":
    main()
