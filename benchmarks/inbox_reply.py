"""A team's reply from "send" to her screen: the inbox's way through the outbox.

    make bench                                 # part of the bench target
    python -m benchmarks.inbox_reply --replies 50

The whole app runs in this process on a real port (uvicorn in a thread, the dispatcher and the
scheduler on, SQLite, the real clock), as ``twc run`` does.  ``--replies`` participants ask the
team through the simulator's HTTP API; a coordinator logged in over HTTP (``/staff/login``,
her session cookie and CSRF token) answers each with the reply form (``POST
/staff/inbox/<id>/reply``, the browser's request), and the clock runs until the reply is on the
participant's simulator screen (``GET /simulator/api/messages``, polled every 2 ms): the
request itself (the reply stored with its outbox row in one transaction) and the dispatcher
waking up, sending it through the simulator channel and the screen showing it.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from bot.db.migrate import upgrade
from bot.demo import COORDINATOR_EMAIL, DEMO_PASSWORD, ORG_NAME, load_demo
from bot.runtime import build_runtime, utc_now
from bot.settings import Settings
from bot.web.app import create_app
from tests.auxil.browser import serve_in_thread
from tests.auxil.constants import TEST_SECRET
from tests.auxil.courses import person_of
from tests.auxil.inbox import threads_of
from tests.auxil.simulator import Simulator, onboard

console = Console()
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TIMEOUT = 10.0


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(replies: int) -> tuple[list[float], list[float]]:
    """``(request times, send-to-screen times)`` in milliseconds."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        settings = Settings(
            database_url=url, environment="development", secret_key=TEST_SECRET, flood_burst=0
        )
        upgrade(url)
        runtime = build_runtime(settings, clock=utc_now)
        load_demo(runtime.db, TEST_SECRET, utc_now())
        try:
            with (
                serve_in_thread(create_app(runtime, background=True)) as base,
                httpx.Client(base_url=base) as her,
                httpx.Client(base_url=base) as staff,
            ):
                for n in range(replies):
                    sim = Simulator(her, f"woman-{n}")  # type: ignore[arg-type]
                    onboard(sim, name=f"Frau {n}")
                    sim.press(sim.labels()[0])
                    sim.send(f"Frage Nummer {n}")
                login = staff.get("/staff/login")
                answer = staff.post(
                    "/staff/login",
                    data={
                        "email": COORDINATOR_EMAIL,
                        "password": DEMO_PASSWORD,
                        "csrf_token": csrf_of(login.text),
                    },
                )
                assert answer.status_code == 303, answer.text
                threads = {
                    f"woman-{n}": threads_of(runtime, person_of(runtime, f"woman-{n}"))[0]["id"]
                    for n in range(replies)
                }
                token = csrf_of(staff.get("/staff/inbox/quick-replies").text)
                requests, ways = [], []
                for user, thread in threads.items():
                    text = f"Antwort für {user}"
                    started = time.perf_counter()
                    posted = staff.post(
                        f"/staff/inbox/{thread}/reply",
                        data={"text": text, "csrf_token": token},
                        follow_redirects=False,
                    )
                    answered = time.perf_counter()
                    assert posted.status_code == 303, posted.text
                    wanted = f"💬 {ORG_NAME}:\n{text}"
                    deadline = started + TIMEOUT
                    while True:
                        screen = her.get("/simulator/api/messages", params={"user": user})
                        if any(m["text"] == wanted for m in screen.json()["messages"]):
                            break
                        if time.perf_counter() > deadline:
                            raise SystemExit(f"the reply to {user} did not arrive")
                        time.sleep(0.002)
                    ways.append((time.perf_counter() - started) * 1000)
                    requests.append((answered - started) * 1000)
                return requests, ways
        finally:
            runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=30)
    args = parser.parse_args()
    requests, ways = measure(args.replies)
    table = Table(title=f"A team's reply, send → her simulator screen ({len(ways)} replies)")
    for column in ("", "p50 ms", "p95 ms", "max ms"):
        table.add_column(column, justify="right")
    for name, values in (("POST /reply answered", requests), ("on her screen", ways)):
        table.add_row(
            name,
            f"{statistics.median(values):.1f}",
            f"{percentile(values, 0.95):.1f}",
            f"{max(values):.1f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
