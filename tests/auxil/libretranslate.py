"""A stand-in for a LibreTranslate server: its ``POST /translate`` API over real HTTP.

``q``, ``source``, ``target``, ``format`` in (JSON or form), ``{"translatedText": …}`` out.  It
"translates" by a small phrase book (and marks anything else as ``[target] text``), counts the
requests, and can be told to fail (``fail_next``: that many 500s) to test retries.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

PHRASES = {
    ("ar", "de"): {"هل يمكنني إحضار طفلي؟": "Kann ich mein Kind mitbringen?"},
    ("de", "ar"): {"Ja, es gibt eine Kinderbetreuung.": "نعم، توجد رعاية للأطفال."},
}


class LibreTranslateStandIn:
    """The server's state; :func:`libretranslate` runs it in a thread."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_next = 0
        self.url = ""

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.requests.append(body)
        if self.fail_next:
            self.fail_next -= 1
            return 500, {"error": "stand-in told to fail"}
        text, source, target = str(body.get("q", "")), body.get("source"), body.get("target")
        if not text or not target or body.get("format") not in ("text", "html"):
            return 400, {"error": "Invalid request"}
        if source == "auto":
            source = "ar" if any("\u0600" <= c <= "\u06ff" for c in text) else "de"
        known = PHRASES.get((str(source), str(target)), {})
        return 200, {"translatedText": known.get(text, f"[{target}] {text}")}


@contextmanager
def libretranslate() -> Iterator[LibreTranslateStandIn]:
    state = LibreTranslateStandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path != "/translate":
                self._send(404, {"error": "Not Found"})
                return
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                body = json.loads(raw or "{}")
            else:
                body = {k: v[0] for k, v in parse_qs(raw).items()}
            self._send(*state.answer(body))

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
