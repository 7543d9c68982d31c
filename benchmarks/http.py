"""HTTP throughput of a real ``twc run``: simulator API, Telegram webhook, Twilio webhook, by wrk.

    make bench                                            # part of the bench target
    python -m benchmarks.http --duration 10 --connections 1,10,50
    python -m benchmarks.http --paths simulator --profile # py-spy: where the server's time goes

For each path a fresh ``twc run --demo`` process starts (its own SQLite file under ``var/``, a
free port, ``TWC_ENVIRONMENT=test``, ``development`` for the simulator, which only development
serves; nothing from the developer's ``TWC_*`` leaks in) next to a
Node stand-in (``benchmarks/stand_in.js``) that answers the Bot API and Twilio's Messages API
at once, so the outbox dispatcher runs as in production.  ``wrk`` (C, not Python: it does not
take the CPU the server needs) sends the load with the Lua scripts in ``benchmarks/wrk/``: one
connection per wrk thread, each playing fresh people through the 8-message onboarding of
``benchmarks/onboarding.py``, every message in order and new (unique ids), so each one is a
real turn committed before the answer.  Only 2xx answers count as durable messages.  A short
warm-up with other people runs first.  Server CPU is its user+system time (psutil) over the
measured run, per 2xx message.  Without wrk (and not root to ``apt-get install`` it) or without
Node the benchmark says so and skips.

Targets (the issue): at least 1 000 durable messages/s over HTTP on one process with SQLite,
p99 under 50 ms at 50 concurrent senders.

Findings (2 cores, SQLite, 50 connections, December 2026; far from the targets):

* simulator ~80-100 msg/s, ~10-11 ms server CPU per message, p99 ~0.9 s.  py-spy: ~50 % of
  the samples are SQLite itself (``do_execute``/``do_commit``) because one message takes about
  seven transactions, each a thread hop: ``last_choices``, ``seen_before``, ``record_inbound``,
  the turn, then the inline ``dispatcher.dispatch`` (claim, mark sending, ``deliver`` into
  ``simulator_messages``, settle) before it answers.
* Telegram webhook ~60-90 msg/s, ~11-14 ms CPU per message.  Over half the samples are the
  two Bot API calls a button press makes *before* the webhook answers
  (``answerCallbackQuery``, ``editMessageReplyMarkup``, python-telegram-bot over httpx; each
  costs more CPU than the turn itself); the turn and ``Update.de_json`` are small.
* Twilio webhook ~450-600 msg/s, ~2-2.8 ms CPU per message: the inbound turn is cheap; ~40 %
  of the samples are the dispatcher's replies through the ``twilio`` client (``requests``
  looks up proxies, netrc and the CA bundle on disk for every call: ``isdir``, ``environ``).
* Every run is CPU-bound in the one server process (~100 % of a core: the event loop and the
  ``asyncio.to_thread`` workers share the GIL); p99 is queueing behind the other senders.
* Two cheap fixes, measured with this tool: ``sniffio`` installed (httpcore tried and failed
  to import it on every connection-pool event: ~13 % of the Telegram samples; Telegram went
  from ~17 to ~13 ms CPU per message), and in ``twc run`` ``gc.freeze()`` of the start-up heap
  plus a generation-0 threshold of 10 000 (GC time per message ~0.3 -> <0.1 ms and no more
  ~90 ms full collections; 50 000 gives single ~30-60 ms pauses, bad for p99).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import hmac
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psutil
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
WRK_SCRIPTS = REPO / "benchmarks" / "wrk"
STAND_IN = REPO / "benchmarks" / "stand_in.js"
#: py-spy frames: ``function (/long/path/site-packages/module.py:12)`` → ``(module.py:12)``.
SHORT_PATH = re.compile(r" \((?:.*/site-packages/|" + re.escape(str(REPO)) + "/)?")
PROFILES = REPO / "var" / "bench-http-profiles"

SECRET = "benchmark-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
PUBLIC_URL = "https://bot.example.org"
TELEGRAM_TOKEN = "123456:ABC-bench-token"
TELEGRAM_SECRET = "bench-webhook-Secret_0123456789"
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "twilio-bench-auth-token-0123456789"
TWILIO_FROM = "whatsapp:+4950219990000"
WHATSAPP_PATH = "/webhooks/twilio/whatsapp"  # bot.channels.whatsapp.INBOUND_PATH
START_TIMEOUT = 60.0

#: The onboarding of ``benchmarks.onboarding.script()``: (kind, value) per message.
ONBOARDING = [
    ("text", "Hallo"),
    ("choice", "onboarding.choose_language:ar"),
    ("choice", "onboarding.privacy_notice:yes"),
    ("text", "Amina"),
    ("choice", "onboarding.ask_town:t1"),
    ("choice", "onboarding.ask_interests:course"),
    ("choice", "onboarding.ask_interests:done"),
    ("choice", "onboarding.ask_support:done"),
]

#: Precomputed WhatsApp requests: enough for this many messages/s over the whole run.
WHATSAPP_CEILING = 4000

PATHS = ("simulator", "telegram", "whatsapp")

console = Console(width=max(150, shutil.get_terminal_size().columns))


# ---- tools --------------------------------------------------------------------------------


def ensure_wrk() -> str | None:
    """The wrk binary, installed with apt-get when missing and root; None (and why) otherwise."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        console.print(
            "[yellow]wrk is not installed (and this is not root with apt-get): skipping the "
            "HTTP benchmark.  Install it with `sudo apt-get install wrk`.[/yellow]"
        )
        return None
    console.print("wrk is missing: apt-get install -y wrk")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
        subprocess.run(install, env=env, capture_output=True, check=False)
    found = shutil.which("wrk")
    if found is None:
        console.print(
            "[yellow]apt-get could not install wrk: skipping the HTTP benchmark.[/yellow]"
        )
    return found


def ensure_py_spy() -> str | None:
    """The py-spy binary next to this interpreter, installed with pip if missing."""
    candidate = Path(sys.executable).parent / "py-spy"
    if not candidate.exists() and not shutil.which("py-spy"):
        console.print("py-spy is missing: pip install py-spy")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "py-spy"], check=False)
    if candidate.exists():
        return str(candidate)
    return shutil.which("py-spy")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Return once ``url`` answers 200; fail with the process's log if it exits or never does."""
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{process.args} exited ({process.returncode}):\n{log_of(log)}")
            with contextlib.suppress(httpx.TransportError):
                if client.get(url).status_code == 200:
                    return
            time.sleep(0.05)  # polling a process that is starting up
    raise SystemExit(f"{url} did not answer in {START_TIMEOUT} s:\n{log_of(log)}")


def log_of(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-5000:] if path.exists() else ""


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def stand_in(folder: Path) -> Iterator[str]:
    """The Node Bot API + Twilio stand-in; yields its base URL."""
    port = free_port()
    log = folder / "stand-in.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            ["node", str(STAND_IN), str(port)],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/stats", process, log)
        yield url
    finally:
        stop(process)


def server_environment(folder: Path, port: int, path: str, stand_in_url: str) -> dict[str, str]:
    """A ``twc run`` environment from scratch: own database, port, secret; one channel on."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TWC_")}
    env.update(
        TWC_DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite3'}",
        TWC_SECRET_KEY=SECRET,
        TWC_ENVIRONMENT="development" if path == "simulator" else "test",
        TWC_HOST="127.0.0.1",
        TWC_PORT=str(port),
        PYTHONUTF8="1",
        PYTHONIOENCODING="utf-8",
    )
    if path == "telegram":
        env.update(
            TWC_PUBLIC_URL=PUBLIC_URL,
            TWC_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
            TWC_TELEGRAM_MODE="webhook",
            TWC_TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
            TWC_TELEGRAM_API_URL=f"{stand_in_url}/bot{{token}}",
        )
    elif path == "whatsapp":
        env.update(
            TWC_PUBLIC_URL=PUBLIC_URL,
            TWC_TWILIO_ACCOUNT_SID=TWILIO_SID,
            TWC_TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
            TWC_TWILIO_WHATSAPP_FROM=TWILIO_FROM,
            TWC_TWILIO_API_URL=stand_in_url,
            TWC_TWILIO_TEMPLATES=str(REPO / "config" / "whatsapp_templates.example.yaml"),
        )
    return env


@dataclass
class Server:
    """One running ``twc run --demo``."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)


@contextlib.contextmanager
def bot_server(
    folder: Path,
    path: str,
    stand_in_url: str,
    extra: dict[str, str] | None = None,
    checkout: Path = REPO,
) -> Iterator[Server]:
    """``twc run --demo`` with one channel on; ``extra`` ``TWC_*`` variables; ``checkout``: run
    another checkout's code (``python -m`` imports from its working directory first)."""
    port = free_port()
    log = folder / f"twc-run-{path}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--demo"],
            cwd=checkout,
            env={**server_environment(folder, port, path, stand_in_url), **(extra or {})},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/healthz", process, log)
        yield Server(process, url, log)
    finally:
        stop(process)
        console.print(f"{path}: outbox rows by status at the end: {outbox_statuses(folder)}")


def outbox_statuses(folder: Path) -> dict[str, int]:
    """What became of the replies (the dispatcher sends them while the load runs)."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(folder / "bench.sqlite3")) as db:
        return dict(db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())


# ---- WhatsApp: signed requests, precomputed ----------------------------------------------


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    """``X-Twilio-Signature``: HMAC-SHA1 (base64) of the URL and every field, sorted by name."""
    data = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def whatsapp_form(number: str, sid: str, kind: str, value: str) -> dict[str, str]:
    """The fields Twilio posts for an inbound WhatsApp text or quick-reply button press."""
    form = {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ProfileName": "Amina",
        "MessageType": "text",
        "SmsSid": sid,
        "WaId": number,
        "SmsStatus": "received",
        "Body": value,
        "To": TWILIO_FROM,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": TWILIO_SID,
        "From": f"whatsapp:+{number}",
        "ApiVersion": "2010-04-01",
    }
    if kind == "choice":
        form.update(MessageType="button", Body="Ja", ButtonText="Ja", ButtonPayload=value)
    return form


def write_whatsapp_requests(prefix: Path, run: int, threads: int, messages: int) -> None:
    """``<prefix>-<thread>.txt``: ``messages`` signed requests per thread, whole onboardings."""
    url = PUBLIC_URL + WHATSAPP_PATH
    people = -(-messages // len(ONBOARDING))
    for thread in range(threads):
        lines = []
        for person in range(people):
            number = f"49{run:03d}{thread:03d}{person:06d}"
            for step, (kind, value) in enumerate(ONBOARDING, start=1):
                form = whatsapp_form(number, f"SM{number}{step:02d}".ljust(34, "0"), kind, value)
                lines.append(f"{twilio_signature(TWILIO_TOKEN, url, form)}\t{urlencode(form)}\n")
        Path(f"{prefix}-{thread}.txt").write_text("".join(lines), encoding="utf-8")


# ---- one wrk run -------------------------------------------------------------------------


@dataclass
class Result:
    """One measured run of one path at one concurrency."""

    path: str
    connections: int
    seconds: float
    requests: int
    ok: int
    non2xx: int
    suspect: int
    socket_errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    cpu_seconds: float
    sent: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_message(self) -> float:
        return self.cpu_seconds / self.ok * 1000 if self.ok else float("nan")


_runs = itertools.count(1)


def wrk(binary: str, server: Server, path: str, connections: int, seconds: float, folder: Path):
    """Run wrk once with fresh people; the BENCH-RESULT figures as a dict."""
    run = next(_runs)
    if path == "simulator":
        args = [f"bench{run}"]
    elif path == "telegram":
        args = [str(run), TELEGRAM_SECRET]
    else:
        prefix = folder / f"whatsapp-{run}"
        per_thread = int(WHATSAPP_CEILING * (seconds + 1) / connections) + len(ONBOARDING)
        write_whatsapp_requests(prefix, run, connections, per_thread)
        args = [str(prefix)]
    command = [
        binary,
        f"-t{connections}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPTS / f"{path}.lua"),
        server.url,
        "--",
        *args,
    ]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    match = re.search(r"BENCH-RESULT (.*)", done.stdout)
    if done.returncode != 0 or match is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", match.group(1))}


def measure(
    binary: str,
    server: Server,
    stand_in_url: str,
    path: str,
    connections: int,
    args: argparse.Namespace,
    folder: Path,
) -> Result:
    if args.warmup > 0:
        wrk(binary, server, path, connections, args.warmup, folder)
    before_sent = Counter(httpx.get(f"{stand_in_url}/stats").json())
    cpu_before = server.cpu_seconds()
    figures = wrk(binary, server, path, connections, args.duration, folder)
    cpu = server.cpu_seconds() - cpu_before
    sent = Counter(httpx.get(f"{stand_in_url}/stats").json())
    sent.subtract(before_sent)
    return Result(
        path=path,
        connections=connections,
        seconds=figures["duration_us"] / 1e6,
        requests=int(figures["requests"]),
        ok=int(figures["ok"]),
        non2xx=int(figures["non2xx"]),
        suspect=int(figures["suspect"]),
        socket_errors=int(
            figures["connect"] + figures["read"] + figures["write"] + figures["timeout"]
        ),
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        cpu_seconds=cpu,
        sent={k: v for k, v in sent.items() if v},
    )


# ---- profiling ---------------------------------------------------------------------------


def start_profile(server: Server, seconds: float, output: Path) -> subprocess.Popen[str] | None:
    py_spy = ensure_py_spy()
    if py_spy is None:
        console.print("[yellow]py-spy could not be installed: no profile[/yellow]")
        return None
    return subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(server.process.pid),
            "--duration",
            str(max(1, round(seconds))),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(output),
            "--nonblocking",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def summarise_profile(process: subprocess.Popen[str], output: Path, path: str) -> None:
    """Print the frames with the most samples (self and total) from py-spy's collapsed stacks."""
    log, _ = process.communicate(timeout=120)
    if process.returncode != 0 or not output.exists():
        console.print(
            f"[yellow]py-spy failed ({process.returncode}); it needs ptrace "
            f"(root or CAP_SYS_PTRACE, kernel.yama.ptrace_scope):[/yellow]\n{log.strip()}"
        )
        return
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in output.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        samples += n
        frames = [SHORT_PATH.sub(" (", frame) for frame in stack.split(";")]
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    if not samples:
        console.print("[yellow]py-spy recorded no samples[/yellow]")
        return
    table = Table(title=f"py-spy, {path}: {samples} samples (all threads, idle excluded)")
    table.add_column("self %", justify="right")
    table.add_column("function (file:line)")
    for frame, n in own.most_common(15):
        table.add_row(f"{100 * n / samples:.1f}", frame)
    console.print(table)
    table = Table(title=f"py-spy, {path}: total time in the project's own functions")
    table.add_column("total %", justify="right")
    table.add_column("function (file:line)")
    ours = [(f, n) for f, n in total.items() if re.search(r"\((bot|conversations)/", f)]
    for frame, n in sorted(ours, key=lambda item: -item[1])[:20]:
        table.add_row(f"{100 * n / samples:.1f}", frame)
    console.print(table)
    console.print(f"raw collapsed stacks: {output.relative_to(REPO)}")


# ---- main --------------------------------------------------------------------------------


def run_path(
    binary: str, path: str, args: argparse.Namespace, folder: Path, stand_in_url: str
) -> list[Result]:
    results = []
    with bot_server(folder, path, stand_in_url) as server:
        for connections in args.connections:
            profiler = None
            profile = PROFILES / f"{path}-{connections}.txt"
            if args.profile:
                if args.warmup > 0:
                    wrk(binary, server, path, connections, args.warmup, folder)
                profiler = start_profile(server, args.duration, profile)
                no_warmup = argparse.Namespace(**{**vars(args), "warmup": 0})
                result = measure(
                    binary, server, stand_in_url, path, connections, no_warmup, folder
                )
            else:
                result = measure(binary, server, stand_in_url, path, connections, args, folder)
            results.append(result)
            console.print(
                f"{path}, {connections} connection(s): {result.rate:,.0f} msg/s, "
                f"p99 {result.p99_ms:.1f} ms"
            )
            if profiler is not None:
                summarise_profile(profiler, profile, path)
    return results


def print_table(results: list[Result], profiled: bool) -> None:
    title = "HTTP into one `twc run` process (SQLite), wrk, fresh onboardings (8 messages each)"
    if profiled:
        title += " — under py-spy"
    table = Table(title=title)
    for column in (
        "path",
        "conns",
        "2xx msg/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "CPU ms/msg",
        "server CPU",
        "2xx",
        "non-2xx",
        "sock err",
        "suspect",
        "API calls",
    ):
        table.add_column(column, justify="left" if column == "path" else "right")
    for r in results:
        table.add_row(
            r.path,
            str(r.connections),
            f"{r.rate:,.0f}",
            f"{r.p50_ms:.1f}",
            f"{r.p95_ms:.1f}",
            f"{r.p99_ms:.1f}",
            f"{r.max_ms:.0f}",
            f"{r.cpu_ms_per_message:.2f}",
            f"{100 * r.cpu_seconds / r.seconds:.0f} %",
            str(r.ok),
            str(r.non2xx),
            str(r.socket_errors),
            str(r.suspect),
            str(sum(r.sent.values())),
        )
    console.print(table)
    for r in results:
        if r.sent:
            calls = ", ".join(f"{k} {v}" for k, v in sorted(r.sent.items()))
            console.print(f"API calls to the stand-in, {r.path} {r.connections}: {calls}")
    console.print(
        "Target: ≥ 1 000 durable msg/s, p99 < 50 ms at 50 connections.  "
        "suspect = 2xx answers that were no fresh turn (no reply, a duplicate, a reused "
        "request).  API calls = Bot API / Twilio calls the server made during the run."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up (0: none)")
    parser.add_argument(
        "--connections",
        type=lambda text: [int(c) for c in text.split(",")],
        default=[50],
        help="comma-separated concurrency levels, e.g. 1,10,50",
    )
    parser.add_argument(
        "--paths",
        type=lambda text: [p.strip() for p in text.split(",")],
        default=list(PATHS),
        help="comma-separated: " + ",".join(PATHS),
    )
    parser.add_argument(
        "--profile", action="store_true", help="record the server with py-spy during each run"
    )
    args = parser.parse_args()
    unknown = set(args.paths) - set(PATHS)
    if unknown:
        parser.error(f"unknown path(s): {', '.join(sorted(unknown))}")
    binary = ensure_wrk()
    if binary is None:
        return
    if shutil.which("node") is None:
        console.print("[yellow]node is not installed (needed for the stand-in): skipping[/yellow]")
        return
    (REPO / "var").mkdir(exist_ok=True)
    if args.profile:
        PROFILES.mkdir(exist_ok=True)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-http-", dir=REPO / "var") as name:
        folder = Path(name)
        with stand_in(folder) as stand_in_url:
            for path in args.paths:
                results += run_path(binary, path, args, folder, stand_in_url)
        print_table(results, args.profile)


if __name__ == "__main__":
    main()
