"""``make audit`` (``.ci/pip_audit.py``) judges pip-audit's report the way CI needs it.

The reports are written here in pip-audit's JSON format (``--format json``), because a real
vulnerable package cannot be installed for a test and the build machine's PyPI mirror does not
serve the per-version advisories (then every package is "not audited": a warning, not red).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.auxil.processes import REPO_ROOT

SCRIPT = REPO_ROOT / ".ci" / "pip_audit.py"
VULNERABLE = {
    "name": "jinja2",
    "version": "2.10",
    "vulns": [
        {
            "id": "PYSEC-2019-217",
            "fix_versions": ["2.10.1"],
            "aliases": ["CVE-2019-10906", "GHSA-462w-v97r-4m45"],
            "description": "sandbox escape",
        }
    ],
}
CLEAN = {"name": "starlette", "version": "1.10.0", "vulns": []}
SKIPPED = {"name": "twilio", "skip_reason": "Dependency not found on PyPI: twilio (9.13.0)"}


def judge(tmp_path: Path, dependencies: list[dict[str, Any]], ignore: str = "") -> tuple[int, str]:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": dependencies, "fixes": []}), encoding="utf-8")
    ignore_file = tmp_path / "ignore.txt"
    ignore_file.write_text(ignore, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--report", str(report), "--ignore", str(ignore_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def test_a_known_vulnerability_fails_with_a_table(tmp_path: Path) -> None:
    code, output = judge(tmp_path, [CLEAN, VULNERABLE, SKIPPED])
    assert code == 1, output
    assert "jinja2   2.10     PYSEC-2019-217  2.10.1" in output
    assert "not audited: Dependency not found on PyPI: twilio" in output
    assert "2 packages audited, 1 known vulnerabilities" in output


def test_a_reviewed_vulnerability_is_ignored_by_any_of_its_ids_with_its_reason(
    tmp_path: Path,
) -> None:
    code, output = judge(
        tmp_path, [CLEAN, VULNERABLE], "# reviewed\nCVE-2019-10906 we never render templates\n"
    )
    assert code == 0, output
    assert "Reviewed and ignored" in output and "we never render templates" in output


def test_an_ignored_id_without_a_reason_is_refused(tmp_path: Path) -> None:
    code, output = judge(tmp_path, [CLEAN], "CVE-2019-10906\n")
    assert code == 1 and "needs a reason" in output, output


def test_nothing_audited_is_a_warning_not_a_red_build(tmp_path: Path) -> None:
    code, output = judge(tmp_path, [SKIPPED, {**SKIPPED, "name": "rich"}])
    assert code == 0, output
    assert "WARNING pip-audit: none of the 2 packages could be audited" in output


def test_an_unreachable_service_is_a_warning_not_a_red_build(tmp_path: Path) -> None:
    """The real pip-audit through a proxy that refuses every connection (nothing listens on
    the port): a warning that nothing was checked, exit 0."""
    from tests.auxil.processes import free_port

    proxy = f"http://127.0.0.1:{free_port()}"
    env = {**os.environ, "HTTPS_PROXY": proxy, "https_proxy": proxy, "NO_PROXY": ""}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--ignore", str(tmp_path / "none.txt")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing was checked" in result.stdout
