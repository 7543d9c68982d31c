"""Phone-width screenshots of staff pages, from the demo data at a pinned time.

    .venv/bin/python docs/screenshots/make.py /staff/ /staff/audit 6-courses=/staff/courses

Starts ``twc run --demo --history`` (what ``make run`` serves) on a free loopback port with a
fresh SQLite database in a temporary folder and its clock pinned (``TWC_CLOCK_START``, default
Monday 30 November 2026, 10:00 in Berlin, the tests' morning), logs in with the demo staff
login the command prints, and saves a 360-pixel-wide PNG of each path into
``docs/screenshots/`` (Debian's Chromium through Playwright, as the browser tests use it:
``make install peers``).

A path is ``/staff/…`` (the file is named after it: ``staff-audit.png``) or ``NAME=/staff/…``
(``NAME.png``).  ``/staff/login`` is taken before logging in.  ``--setup 'TWC ARGS'``
(repeatable) runs a ``twc`` command on the demo data before the server starts, so a page has
something to show (the audit log, a moved session, a broadcast).  ``--lang en`` switches the staff
member's language first; ``--viewport`` shoots only the first screen instead of the whole page.
Nothing of the developer's ``TWC_*`` variables or ``.env`` reaches the server.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}
DEFAULT_CLOCK = "2026-11-30T10:00:00+01:00"
#: The browser's locale per staff language (date fields are shown the local way).
LOCALES = {"de": "de-DE", "en": "en-GB", "it": "it-IT", "pt": "pt-PT", "el": "el-GR"}
START_TIMEOUT = 60.0
LOGIN_LINE = re.compile(r"email\s+(\S+@\S+)\s+password\s+(\S+)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def twc() -> list[str]:
    """The ``twc`` of the interpreter running this script (the repository's ``.venv``)."""
    script = Path(sys.executable).with_name("twc")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from bot.cli import app; app()"]


@contextmanager
def demo_server(clock: str, setups: Sequence[str] = ()) -> Iterator[tuple[str, str, str]]:
    """``twc run --demo`` in a temporary folder; yields its base URL and the demo login.

    ``setups`` are ``twc`` command lines run first, on the demo data (``twc demo load``
    before them), to show pages with something in them."""
    with tempfile.TemporaryDirectory(prefix="twc-screenshots-") as folder:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TWC_")}
        env.update(
            TWC_DATABASE_URL=f"sqlite:///{Path(folder) / 'demo.sqlite3'}",
            TWC_HOST="127.0.0.1",
            TWC_PORT=str(port),
            TWC_ENVIRONMENT="development",
            TWC_CLOCK_START=clock,
            NO_COLOR="1",
            COLUMNS="200",
        )
        for setup in ["demo load", *setups] if setups else []:
            done = subprocess.run(  # noqa: S603 - our own command, no shell
                [*twc(), *shlex.split(setup)],
                cwd=folder,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                sys.exit(f"twc {setup} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
            print(f"twc {setup}: ok")
        process = subprocess.Popen(  # noqa: S603 - our own command, no shell
            [*twc(), "run", "--demo", "--history"],
            cwd=folder,  # no developer's .env
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output: list[str] = []
        reader = threading.Thread(
            target=lambda: output.extend(iter(process.stdout.readline, "")),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        base = f"http://127.0.0.1:{port}"
        try:
            login = wait_until_serving(process, base, output)
            yield base, *login
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_until_serving(
    process: subprocess.Popen[str], base: str, output: list[str]
) -> tuple[str, str]:
    """The demo login from the server's output, once ``/healthz`` answers."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"twc run --demo stopped ({process.returncode}):\n{''.join(output)}")
        found = LOGIN_LINE.search("".join(output))
        if found:
            try:
                with urlopen(f"{base}/healthz", timeout=1) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        return found.group(1), found.group(2)
            except (URLError, OSError):
                pass  # not listening yet
        time.sleep(0.1)  # polling a server that is starting
    sys.exit(f"twc run --demo did not start in {START_TIMEOUT:.0f} s:\n{''.join(output)}")


def target(argument: str) -> tuple[str, str]:
    """``NAME=/path`` or ``/path`` -> (file name without .png, path)."""
    name, _, path = argument.rpartition("=")
    if not path.startswith("/"):
        sys.exit(f"{argument!r}: a path starts with / (for example /staff/audit)")
    if not name:
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root"
    return name, path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", metavar="[NAME=]PATH")
    parser.add_argument("--clock", default=DEFAULT_CLOCK, help="the server's pinned start")
    parser.add_argument("--lang", default="de", choices=sorted(LOCALES))
    parser.add_argument("--out", type=Path, default=HERE, help="folder of the PNG files")
    parser.add_argument("--viewport", action="store_true", help="only the first screen")
    parser.add_argument(
        "--setup",
        action="append",
        default=[],
        metavar="'TWC ARGS'",
        help="a twc command line run on the demo data first (repeatable), e.g. "
        "--setup 'privacy retention --organisation vnb-nienburg --days 90'",
    )
    args = parser.parse_args()
    targets = [target(a) for a in args.paths]
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with (
        demo_server(args.clock, args.setup) as (base, email, password),
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", f"--lang={LOCALES[args.lang]}"],
            headless=True,
        )
        context = browser.new_context(
            viewport=PHONE,
            locale=LOCALES[args.lang],
            extra_http_headers={"Accept-Language": args.lang},
        )
        page = context.new_page()

        def shoot(name: str, path: str) -> None:
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            file = args.out / f"{name}.png"
            page.screenshot(path=str(file), full_page=not args.viewport)
            print(f"{file}  ({page.url.removeprefix(base)})")

        for name, path in targets:
            if path.startswith("/staff/login"):
                shoot(name, path)
        page.goto(f"{base}/staff/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.click("form[action^='/staff/login'] button[type=submit]")
        if args.lang != "de":
            page.select_option("footer select[name=language]", args.lang)
            with page.expect_navigation():
                page.click("footer form[action='/staff/account/language'] button[type=submit]")
        for name, path in targets:
            if not path.startswith("/staff/login"):
                shoot(name, path)
        browser.close()


if __name__ == "__main__":
    main()
