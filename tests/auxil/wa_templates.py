"""Twilio's Content API for the WhatsApp template tests: Prism serving Twilio's own description,
and a small stand-in for what Prism's static example cannot show.

* :func:`content_prism` runs ``prism mock tests/peers/twilio/twilio_content_v1.json``: every
  request the real ``twilio`` client makes is validated (SID pattern, Basic auth) and answered
  with the spec's one example: ``whatsapp.status`` ``approved``, name ``tree_fiddy``, category
  ``UTILITY``, for whatever SID is asked.
* :class:`ApprovalStandIn` answers ``GET /v1/Content/<sid>/ApprovalRequests`` from a dict
  (``rejected`` with a reason, ``paused`` …) and 404 for an SID it does not know, in Twilio's
  shapes; it records the paths asked.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.auxil.processes import REPO_ROOT
from tests.auxil.twilio import Prism

CONTENT_SPEC = REPO_ROOT / "tests" / "peers" / "twilio" / "twilio_content_v1.json"
EXAMPLE_TEMPLATES = REPO_ROOT / "config" / "whatsapp_templates.example.yaml"
APPROVAL_PATH = re.compile(r"^/v1/Content/(HX[0-9a-fA-F]{32})/ApprovalRequests$")


@contextmanager
def content_prism(logs: Path) -> Iterator[Prism]:
    """Prism serving Twilio's Content API description on a free port."""
    with Prism(logs, CONTENT_SPEC) as prism:
        yield prism


class ApprovalStandIn:
    """Twilio's approval requests endpoint answering from ``answers`` (SID → whatsapp object)."""

    def __init__(self, answers: dict[str, dict[str, Any]]) -> None:
        self.answers = answers
        self.asked: list[str] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stand_in.asked.append(self.path)
                found = APPROVAL_PATH.match(self.path)
                sid = found.group(1) if found else ""
                if sid in stand_in.answers:
                    status, body = (
                        200,
                        {
                            "sid": sid,
                            "account_sid": "AC" + "a" * 32,
                            "whatsapp": stand_in.answers[sid],
                            "url": f"https://content.twilio.com{self.path}",
                        },
                    )
                else:
                    status, body = (
                        404,
                        {
                            "code": 20404,
                            "message": f"The requested resource {self.path} was not found",
                            "more_info": "https://www.twilio.com/docs/errors/20404",
                            "status": 404,
                        },
                    )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ApprovalStandIn:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


__all__ = ["CONTENT_SPEC", "EXAMPLE_TEMPLATES", "ApprovalStandIn", "content_prism"]
