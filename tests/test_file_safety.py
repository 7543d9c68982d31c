"""Files the bot writes: private to their owner, safe to open in a spreadsheet; and who acted.

* The SQLite database, its ``-wal`` and ``-shm`` files and every export are ``0600`` (issue 11,
  point 10), checked on real ``twc`` processes (``twc db upgrade``, a running ``twc run``,
  ``twc courses export-attendance``), even where a file existed before with a wider mode.
* A name typed in the chat as ``=HYPERLINK(…)`` reaches the attendance export as text a
  spreadsheet shows, never as a formula it runs.
* The audit log names the operating system user running ``twc``; no option lets anyone type
  another name.
"""

from __future__ import annotations

import csv
import getpass
import io
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.csvsafe import FORMULA_STARTS, SafeWriter, neutralise
from bot.db.models import AuditEntry
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.courses import course_with, person_of, service_of
from tests.auxil.processes import BotServer, bot_environment, describe, run_twc
from tests.auxil.simulator import Simulator, onboard

PRIVATE = 0o600
#: A name that a spreadsheet would run as a formula if it were written as it is.
FORMULA_NAME = '=HYPERLINK("http://x.io","A")'


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_twc_db_upgrade_creates_the_database_0600_and_narrows_an_old_one(tmp_path: Path) -> None:
    """A new database file is the owner's alone; one created before with 0644 is narrowed."""
    fresh = tmp_path / "fresh" / "twc.sqlite3"
    result = run_twc(["db", "upgrade"], bot_environment(fresh))
    assert result.returncode == 0, describe(result)
    assert mode_of(fresh) == PRIVATE
    assert mode_of(fresh.parent) & 0o077 == 0  # the folder twc created is private too

    old = tmp_path / "old.sqlite3"
    old.touch(mode=0o644)
    old.chmod(0o644)
    for leftover in ("-wal", "-shm"):
        Path(f"{old}{leftover}").touch()
        Path(f"{old}{leftover}").chmod(0o644)
    result = run_twc(["db", "upgrade"], bot_environment(old))
    assert result.returncode == 0, describe(result)
    assert mode_of(old) == PRIVATE
    for leftover in ("-wal", "-shm"):
        path = Path(f"{old}{leftover}")
        assert not path.exists() or mode_of(path) == PRIVATE, leftover


def test_a_running_server_keeps_its_database_wal_and_shm_0600(tmp_path: Path) -> None:
    """While ``twc run`` works (WAL mode), the database and both side files are 0600."""
    database = tmp_path / "twc.sqlite3"
    with BotServer(database, tmp_path) as server:
        server.post_message({"user": "amina", "text": "/start"})
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            assert path.exists(), path
            assert mode_of(path) == PRIVATE, (path, oct(mode_of(path)))


def test_attendance_export_is_private_and_never_a_formula(
    sqlite_runtime: Runtime, sqlite_client: TestClient, clock: FrozenClock, tmp_path: Path
) -> None:
    """She calls herself ``=HYPERLINK(…)``; the real ``twc courses export-attendance`` writes
    the name with a leading quote (shown as text), over an old 0644 file, and leaves it 0600."""
    onboard(Simulator(sqlite_client, "formula"), name=FORMULA_NAME)
    person = person_of(sqlite_runtime, "formula")
    service = service_of(sqlite_runtime, clock)
    course_with(service)
    service.enrol("a2-hoya", [person])
    service.add_session("a2-hoya", "2027-03-29 09:00", "2027-03-29 11:00", "@VHS Hoya")
    out = tmp_path / "attendance.csv"
    out.write_text("old export\n", encoding="utf-8")
    out.chmod(0o644)

    env = bot_environment(Path(sqlite_runtime.settings.database_url.removeprefix("sqlite:///")))
    env["TWC_SECRET_KEY"] = TEST_SECRET
    result = run_twc(["courses", "export-attendance", "a2-hoya", "--out", str(out)], env)
    assert result.returncode == 0, describe(result)

    assert mode_of(out) == PRIVATE
    with out.open(encoding="utf-8", newline="") as handle:
        header, line = list(csv.DictReader(handle).fieldnames or []), None
        handle.seek(0)
        (line,) = list(csv.DictReader(handle))
    assert header[:3] == ["session", "start", "place"]
    assert line["name"] == "'" + FORMULA_NAME
    assert line["place"] == "'@VHS Hoya"
    assert line["person"] == str(person)  # numbers stay numbers


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+49 170", "'+49 170"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Amina = Ärztin", "Amina = Ärztin"),
        ("", ""),
        (-2, -2),
        (None, None),
    ],
)
def test_every_cell_that_could_start_a_formula_gets_a_quote(cell: object, written: object) -> None:
    assert neutralise(cell) == written


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(st.text(max_size=30) | st.integers() | st.none(), max_size=6)))
@example(rows=[["=cmd|' /C calc'!A0", "\r=1", "+", "-", "@", "\t"]])
def test_no_cell_written_through_the_safe_writer_starts_a_formula(rows: list[list[Any]]) -> None:
    """Whatever the texts, none read back from the file starts with a formula character, and
    each is exactly what was given or that with one leading quote; numbers stay numbers (a
    spreadsheet reads "-1" as minus one, not as a formula)."""
    buffer = io.StringIO()
    SafeWriter(buffer).writerows(rows)
    read_back = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert len(read_back) == len(rows)
    for given_row, row in zip(rows, read_back, strict=True):
        assert len(row) == len(given_row) or (given_row == [] and row == [])
        for original, cell in zip(given_row, row, strict=False):
            if not isinstance(original, str):
                assert cell == ("" if original is None else str(original))
                continue
            assert not cell.startswith(FORMULA_STARTS), cell
            assert cell in (original, "'" + original)


def test_the_audit_log_names_who_is_logged_in_and_no_option_changes_it(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    """``twc courses create`` records ``cli:<login name>``; ``--actor`` and ``--by`` (free text,
    anyone could claim to be anyone) no longer exist."""
    database = Path(sqlite_runtime.settings.database_url.removeprefix("sqlite:///"))
    env = {**bot_environment(database), "TWC_SECRET_KEY": TEST_SECRET}
    create = ["courses", "create", "naehen", "--title", "de=Nähen"]
    refused = run_twc([*create, "--actor", "someone-else"], env)
    assert refused.returncode == 2 and "No such option" in refused.stderr, describe(refused)
    broadcast = run_twc(["broadcast", "cancel", "1", "--by", "someone-else"], env)
    assert broadcast.returncode == 2 and "No such option" in broadcast.stderr, describe(broadcast)

    result = run_twc(create, env)
    assert result.returncode == 0, describe(result)
    audit = AuditEntry.__table__
    with sqlite_runtime.db.connect() as conn:
        actors = (
            conn.execute(select(audit.c.actor).where(audit.c.action == "course.create"))
            .scalars()
            .all()
        )
    assert actors == [f"cli:{getpass.getuser()}"]
