"""Files only their owner can read: the database and everything ``twc`` writes.

The database, its WAL and the exports hold names, towns and reasons of absence; other users of
the same machine must not read them.  ``twc`` sets the process umask to ``0o077`` when it starts
(:func:`restrict_new_files`), so every file it creates is ``0600`` and every directory
``0700``; and the code that writes a file for a person opens it with :func:`open_private`, which
also narrows a file that existed before (an export written over an old one), whoever started
the process.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO

#: Owner may read and write; group and others nothing.
PRIVATE_MODE = 0o600
#: The umask that gives :data:`PRIVATE_MODE` to new files (``0700`` to new directories).
PRIVATE_UMASK = 0o077


def restrict_new_files() -> None:
    """From now on, files and directories this process creates are its owner's alone."""
    os.umask(PRIVATE_UMASK)


def make_private(path: Path) -> None:
    """Narrow an existing file to :data:`PRIVATE_MODE`; nothing if it is not there, or if it
    belongs to another user (then its owner decides, and opening it still works)."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        os.chmod(path, PRIVATE_MODE)


def create_private(path: Path) -> None:
    """Create ``path`` empty with :data:`PRIVATE_MODE` if it does not exist, else narrow it."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        make_private(path)
    else:
        os.close(descriptor)


def open_private(path: Path, newline: str | None = None) -> IO[str]:
    """``path`` opened for writing UTF-8 text (truncated), readable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    os.fchmod(descriptor, PRIVATE_MODE)  # an old file keeps its mode on O_CREAT
    return os.fdopen(descriptor, "w", encoding="utf-8", newline=newline)


__all__ = [
    "PRIVATE_MODE",
    "PRIVATE_UMASK",
    "create_private",
    "make_private",
    "open_private",
    "restrict_new_files",
]
