"""A real ``twc run`` over real sockets: production posture, slow clients, huge bodies.

- In production there is no simulator: its page and API are 404, ``/`` does not lead there, no
  ``server`` banner; ``twc run --demo`` and ``twc demo load`` refuse with one line, exit 2.
- 3 000 connections that never finish their headers, and 3 000 that never finish their body
  (read by the Twilio webhook, or by nobody after a 405), are all answered and closed by the
  server once ``TWC_HEADER_TIMEOUT_SECONDS`` / ``TWC_BODY_TIMEOUT_SECONDS`` (1 s here) have
  passed; the server holds none of them afterwards and still answers.
- Three concurrent unsigned 900 MB POSTs to the Twilio webhook (declared, and chunked) are
  refused at 64 KiB: the process's resident memory (``VmRSS``) barely moves.

The figures are printed (``pytest -s``); the assertions are about what is open and what is
held, never about how fast.  Waiting for the server to close a connection is a bounded poll.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from bot.channels.whatsapp.parse import INBOUND_PATH
from tests.auxil.processes import BotServer, bot_environment, describe, run_twc
from tests.auxil.whatsapp import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, SENDER, write_templates

CONNECTIONS = 3_000
MB = 1024 * 1024
#: How long the server may take, beyond its own timeouts, to close every slow connection.
CLOSE_BOUND = 60.0


def test_production_serves_no_simulator_and_no_banner(tmp_path: Path) -> None:
    database = tmp_path / "prod.sqlite3"
    with BotServer(database, tmp_path, "run", environment={"environment": "production"}) as server:
        http = server.http()
        for path in (
            "/simulator",
            "/simulator/api/users",
            "/simulator/api/messages?user=amina",
            "/simulator/simulator.js",
        ):
            assert http.get(path).status_code == 404, path
        posted = http.post("/simulator/api/messages", json={"user": "new", "text": "hi"})
        assert posted.status_code in (404, 405)
        home = http.get("/", follow_redirects=False)
        assert home.headers["location"] == "/healthz"
        health = http.get("/healthz")
        assert "server" not in health.headers
        assert "default-src 'self'" in health.headers["content-security-policy"]
        assert health.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("command", [["run", "--demo"], ["demo", "load"]])
def test_demo_data_is_refused_in_production(tmp_path: Path, command: list[str]) -> None:
    env = bot_environment(tmp_path / "prod.sqlite3", environment="production")
    result = run_twc(command, env)
    assert result.returncode == 2, describe(result)
    assert result.stderr.strip().count("\n") == 0, describe(result)
    assert "Refused" in result.stderr and "TWC_ENVIRONMENT=production" in result.stderr


# ---- slow and huge requests against a server with the WhatsApp webhook ----------------------


@pytest.fixture
def whatsapp_server(tmp_path: Path) -> Iterator[BotServer]:
    environment = {
        "environment": "test",
        "header_timeout_seconds": "1",
        "body_timeout_seconds": "1",
        "public_url": PUBLIC_URL,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_whatsapp_from": SENDER,
        "twilio_api_url": "http://127.0.0.1:9",
        "twilio_templates": str(write_templates(tmp_path / "templates.yaml")),
    }
    with BotServer(tmp_path / "bot.sqlite3", tmp_path, "run", environment=environment) as server:
        yield server


def open_connections(server: BotServer) -> int:
    """TCP connections the server process holds on its port (established or closing)."""
    assert server.process is not None
    connections = psutil.Process(server.process.pid).net_connections(kind="tcp")
    return sum(
        1
        for c in connections
        if c.laddr
        and c.laddr.port == server.port
        and c.raddr
        and c.status in (psutil.CONN_ESTABLISHED, psutil.CONN_CLOSE_WAIT)
    )


def resident_mb(server: BotServer) -> float:
    """``VmRSS`` of the server process, in MB."""
    assert server.process is not None
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def half_open(server: BotServer, first_bytes: bytes) -> list[socket.socket]:
    """``CONNECTIONS`` sockets that each sent ``first_bytes`` and nothing more."""
    sockets = []
    for _ in range(CONNECTIONS):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(first_bytes)
        sockets.append(sock)
    return sockets


def wait_until_closed(sockets: list[socket.socket]) -> list[bytes]:
    """What the server said on each socket before closing it (bounded poll)."""
    deadline = time.monotonic() + CLOSE_BOUND
    said = []
    for sock in sockets:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        data = b""
        try:
            while chunk := sock.recv(4096):
                data += chunk
        except ConnectionResetError:
            pass
        except TimeoutError:
            data += b"<still open>"
        said.append(data)
        sock.close()
    return said


@pytest.mark.parametrize(
    ("name", "first_bytes", "status"),
    [
        (
            "headers",
            b"POST " + INBOUND_PATH.encode() + b" HTTP/1.1\r\nHost: bot\r\nX-Slow: ",
            b"408",
        ),
        (
            "bodies",
            b"POST " + INBOUND_PATH.encode() + b" HTTP/1.1\r\nHost: bot\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
            b"Body=hal",
            b"408",
        ),
        (
            "bodies nobody reads",  # 405 at once; the rest of the body never comes
            b"POST /healthz HTTP/1.1\r\nHost: bot\r\nContent-Length: 1000\r\n\r\nhal",
            b"405",
        ),
    ],
)
def test_thousands_of_half_sent_requests_are_closed(
    whatsapp_server: BotServer, name: str, first_bytes: bytes, status: bytes
) -> None:
    sockets = half_open(whatsapp_server, first_bytes)
    held = open_connections(whatsapp_server)
    said = wait_until_closed(sockets)
    still_open = sum(1 for s in said if s.endswith(b"<still open>"))
    answered = sum(1 for s in said if s.startswith(b"HTTP/1.1 " + status))
    left = open_connections(whatsapp_server)
    print(
        f"\nhalf-sent {name}: {CONNECTIONS} sent, {held} held by the server before the "
        f"timeout, {still_open} still open after it, {answered} answered {status.decode()}, "
        f"{left} held by the server afterwards"
    )
    assert still_open == 0
    assert answered == CONNECTIONS
    assert whatsapp_server.http().get("/healthz").status_code == 200
    log = whatsapp_server.log()
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]


def post_huge(port: int, chunked: bool, results: list[tuple[int, bytes]]) -> None:
    """One unsigned 900 MB POST to the Twilio webhook, sent until the server stops it: ~900
    fields of almost 1 MiB, what the form parser took before (1 000 fields of 1 MiB)."""
    head = b"POST " + INBOUND_PATH.encode() + b" HTTP/1.1\r\nHost: bot\r\n"
    head += b"Content-Type: application/x-www-form-urlencoded\r\n"
    head += (
        b"Transfer-Encoding: chunked\r\n\r\n"
        if chunked
        else b"Content-Length: %d\r\n\r\n" % (900 * MB)
    )
    piece = b"&f=" + b"a" * (MB - 100)  # the report's form: many fields just under 1 MiB
    block = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(head)
            while sent < 900 * MB:
                sock.sendall(block)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            answer = sock.recv(4096)
    results.append((sent, answer))


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_three_concurrent_900_mb_posts_do_not_grow_the_process(
    whatsapp_server: BotServer, chunked: bool
) -> None:
    before = resident_mb(whatsapp_server)
    results: list[tuple[int, bytes]] = []
    threads = [
        threading.Thread(target=post_huge, args=(whatsapp_server.port, chunked, results))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    after = resident_mb(whatsapp_server)
    sent = [s for s, _ in results]
    answers = [a.split(b"\r\n")[0] for _, a in results]
    print(
        f"\n3 x 900 MB ({'chunked' if chunked else 'declared'}): VmRSS {before:.0f} MB "
        f"before, {after:.0f} MB after; bytes each sent before the server stopped it: {sent}; "
        f"answers: {answers}"
    )
    assert len(results) == 3
    assert all(s < 900 * MB for s in sent)
    assert after - before < 50
    assert whatsapp_server.http().get("/healthz").status_code == 200
    assert "Traceback" not in whatsapp_server.log()
