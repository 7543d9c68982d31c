"""An upload between its preview and the coordinator's "import": kept on the server only.

The preview shows names, towns and problems; the confirmation must import exactly those
rows, so the rows read from the file are kept until then: encrypted (AES-GCM, a subkey of
``TWC_SECRET_KEY`` of its own) in a file only this process's user can read
(:mod:`bot.private_files`), in a directory of its own (``0700``).  Nothing of it goes into
the page, a URL, a hidden field or a log line.

The file is tied to the staff session: its name is an HMAC of the session's id, so a form
needs no upload id at all, another session (even of the same person) finds nothing, and one
session has at most one pending upload (a new upload replaces it).  It also names the staff
member and organisation it was made for, checked when it is read.  It expires after
:data:`TTL` (the runtime's clock: a preview left over lunch is read again, not imported
blindly) and is deleted on confirm, on cancel and when found expired; files a crashed run left
behind are swept by their age whenever an upload is stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.crypto import subkey
from bot.features.people_import.reading import Table
from bot.private_files import open_private

#: How long a preview can be confirmed.
TTL = timedelta(minutes=30)
_INFO = b"twc/people-import/pending-upload"
SUFFIX = ".import"


def default_directory() -> Path:
    """``$TMPDIR/twc-people-import-<uid>``: per user, so no other account shares it."""
    return Path(tempfile.gettempdir()) / f"twc-people-import-{os.getuid()}"


@dataclass(frozen=True)
class Pending:
    """An upload waiting for its confirmation."""

    staff_id: int
    organisation_id: int
    filename: str
    table: Table
    lines: list[int]
    """The rows the preview showed as importable."""
    at: datetime


class PendingUploads:
    """Stores, finds and deletes the pending upload of a staff session."""

    def __init__(
        self, secret: str, clock: Callable[[], datetime], directory: Path | None = None
    ) -> None:
        self.key = subkey(secret, _INFO)
        self.clock = clock
        self.directory = directory or default_directory()

    def path(self, session_id: int) -> Path:
        """Where the session's upload is (the name tells nothing without the key)."""
        name = hmac.new(self.key, f"session:{session_id}".encode(), hashlib.sha256).hexdigest()
        return self.directory / f"{name[:40]}{SUFFIX}"

    def save(
        self,
        session_id: int,
        staff_id: int,
        organisation_id: int,
        filename: str,
        table: Table,
        lines: list[int],
    ) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        self.sweep()
        payload = {
            "staff": staff_id,
            "organisation": organisation_id,
            "filename": filename,
            "columns": table.columns,
            "rows": table.rows,
            "unknown_headers": table.unknown_headers,
            "lines": lines,
            "at": self.clock().isoformat(),
        }
        nonce = os.urandom(12)
        sealed = AESGCM(self.key).encrypt(
            nonce, json.dumps(payload, ensure_ascii=False).encode(), str(session_id).encode()
        )
        with open_private(self.path(session_id)) as handle:
            handle.write((nonce + sealed).hex())

    def load(self, session_id: int, staff_id: int) -> Pending | None:
        """The session's upload, if there is one, hers, and not expired (then deleted)."""
        path = self.path(session_id)
        try:
            raw = bytes.fromhex(path.read_text(encoding="ascii"))
            plain = AESGCM(self.key).decrypt(raw[:12], raw[12:], str(session_id).encode())
            payload = json.loads(plain)
        except FileNotFoundError:
            return None
        except (ValueError, InvalidTag, OSError):
            self.delete(session_id)
            return None
        at = datetime.fromisoformat(payload["at"])
        if payload["staff"] != staff_id or self.clock() - at > TTL:
            self.delete(session_id)
            return None
        table = Table(
            list(payload["columns"]),
            [(int(line), dict(record)) for line, record in payload["rows"]],
            list(payload["unknown_headers"]),
        )
        return Pending(
            staff_id=int(payload["staff"]),
            organisation_id=int(payload["organisation"]),
            filename=str(payload["filename"]),
            table=table,
            lines=[int(line) for line in payload["lines"]],
            at=at,
        )

    def delete(self, session_id: int) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(session_id).unlink()

    def sweep(self) -> None:
        """Delete uploads older than twice :data:`TTL` by their file's age (left behind by a
        preview nobody confirmed or cancelled)."""
        limit = time.time() - 2 * TTL.total_seconds()
        for old in self.directory.glob(f"*{SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                if old.stat().st_mtime < limit:
                    old.unlink()


__all__ = ["TTL", "Pending", "PendingUploads", "default_directory"]
