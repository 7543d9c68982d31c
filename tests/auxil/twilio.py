"""Twilio peers for the WhatsApp tests: Prism serving Twilio's own API description, and a stand-in.

* :class:`Prism` runs ``@stoplight/prism-cli`` 5.14.2 (``package.json``) on a free port with
  ``tests/peers/twilio/twilio_api_v2010.json``: every REST request the real ``twilio`` client makes
  is validated against Twilio's OpenAPI description (422 if it does not fit).
* :class:`TwilioStandIn` is our own small server in front of it.  The bot's client talks to the
  stand-in (``TWC_TWILIO_API_URL``); it records each request, forwards it to Prism and returns
  Prism's answer with a fresh message SID (Prism always answers with the same example SID).  It
  can also answer what Prism cannot: a scripted Twilio error (21610, 63016, 429) for the next
  send to a number.  Status callbacks are posted by the tests, signed like Twilio's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.auxil.processes import REPO_ROOT, free_port

#: Twilio's OpenAPI description, kept in the repository (``tests/peers/README.md``).
SPEC = REPO_ROOT / "tests" / "peers" / "twilio" / "twilio_api_v2010.json"
PRISM_BIN = REPO_ROOT / "node_modules" / ".bin" / "prism"
PRISM_START_TIMEOUT = 60.0


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    """``X-Twilio-Signature`` exactly as Twilio computes it."""
    return str(RequestValidator(auth_token).compute_signature(url, params))


def _unavailable(reason: str) -> None:
    """Skip locally; in CI a missing peer is a failure, not a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is an error)")
    pytest.skip(reason)


def ensure_prism() -> Path:
    """The Prism binary, installed with ``npm ci`` if it is missing (skips without Node)."""
    if not SPEC.exists():
        _unavailable(f"Twilio's API description is not at {SPEC}")
    if shutil.which("node") is None:
        _unavailable("Node.js is not installed: Prism (the Twilio API mock) needs it")
    if not PRISM_BIN.exists():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is not installed: cannot install Prism")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=REPO_ROOT, check=True, timeout=600
        )
    return PRISM_BIN


class Prism:
    """``prism mock`` of Twilio's 2010 REST API (or ``spec``) on a free port; a context
    manager."""

    def __init__(self, logs: Path, spec: Path = SPEC) -> None:
        self.spec = spec
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = logs / f"prism-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Prism:
        binary = ensure_prism()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(binary), "mock", str(self.spec), "-h", "127.0.0.1", "-p", str(self.port)],
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + PRISM_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"prism exited early:\n{self.log()}")
            if "Prism is listening" in self.log():
                return self
            time.sleep(0.1)  # polling a starting process
        self.stop()
        raise AssertionError(f"prism did not start in {PRISM_START_TIMEOUT} s:\n{self.log()}")

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


@dataclass
class Sent:
    """One request the bot made to Twilio, and what came back."""

    method: str
    path: str
    form: dict[str, str]
    status: int
    sid: str | None
    answer: dict[str, Any] = field(default_factory=dict)

    @property
    def to(self) -> str:
        return self.form.get("To", "")

    @property
    def variables(self) -> dict[str, str]:
        return json.loads(self.form["ContentVariables"]) if "ContentVariables" in self.form else {}


def _arrays_for_prism(raw: bytes) -> bytes:
    """The form as Prism can validate it.

    Twilio's arrays (``MediaUrl``) come as repeated keys from the real client, and Twilio takes
    them so; Prism reads a form array only in bracket form (``MediaUrl[]``) and refuses
    ``MediaUrl`` with "must be array".  Renaming the key for Prism alone keeps the validation
    of everything else; what was sent is recorded unchanged.
    """
    pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
    if not any(key == "MediaUrl" for key, _value in pairs):
        return raw
    return urlencode([("MediaUrl[]" if k == "MediaUrl" else k, v) for k, v in pairs]).encode()


class TwilioStandIn:
    """Records what the bot sends, forwards it to Prism, and can inject Twilio's errors."""

    def __init__(self, prism_url: str) -> None:
        self.prism_url = prism_url
        self.sent: list[Sent] = []
        self.script: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                stand_in.handle(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.http = httpx.Client(base_url=prism_url, timeout=15.0)

    def __enter__(self) -> TwilioStandIn:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.http.close()

    def fail_next(self, to: str, status: int, code: int, message: str = "scripted") -> None:
        """The next send to ``to`` is answered with this Twilio error instead of Prism's 201."""
        self.script[to].append((status, code, message))

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        with self._lock:
            scripted = self.script[form.get("To", "")]
            injected = scripted.pop(0) if scripted else None
        # Always let Prism validate the request against Twilio's description, first.
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("authorization", "content-type", "accept", "user-agent")
        }
        answer = self.http.request(
            request.command, request.path, content=_arrays_for_prism(raw), headers=headers
        )
        status, body = answer.status_code, answer.content
        sid = None
        if injected is not None and answer.status_code < 400:
            status, code, message = injected
            body = json.dumps(
                {"code": code, "message": message, "more_info": "", "status": status}
            ).encode()
        elif answer.status_code == 201:
            data = answer.json()
            sid = data["sid"] = "SM" + uuid.uuid4().hex
            data["to"] = form.get("To", data.get("to"))
            body = json.dumps(data).encode()
        with self._lock:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = {}
            self.sent.append(Sent(request.command, request.path, form, status, sid, parsed))
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def to(self, number: str) -> list[Sent]:
        """Everything sent (or attempted) to ``number``, oldest first."""
        with self._lock:
            return [s for s in self.sent if s.to == number]
