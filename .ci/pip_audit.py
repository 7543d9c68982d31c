"""Known vulnerabilities in the installed Python packages: fail CI, unless reviewed and ignored.

Runs ``pip-audit`` against the installed environment (``.venv``) with PyPI's advisory service
(``--vulnerability-service pypi``: the build machine reaches PyPI, not OSV), then:

* prints a table of every known vulnerability and exits 1, unless its id (or one of its
  aliases) is in ``.ci/pip-audit-ignore.txt`` with a reason;
* if the service cannot be reached, or could not audit a single package (a PyPI mirror that
  does not serve per-version metadata), it warns and exits 0: the network never turns CI red,
  and the warning says plainly that nothing was checked;
* packages it could not audit (not on PyPI, the project itself) are listed as a warning.

``--report FILE`` reads a ``pip-audit --format json`` report instead of running it (tests).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

IGNORE_FILE = Path(__file__).with_name("pip-audit-ignore.txt")
PIP_AUDIT = [
    sys.executable,
    "-m",
    "pip_audit",
    "--vulnerability-service",
    "pypi",
    "--skip-editable",
    "--progress-spinner",
    "off",
    "--format",
    "json",
]
TIMEOUT_SECONDS = 600


def ignored(path: Path) -> dict[str, str]:
    """Reviewed vulnerability ids → why they do not affect us (``ID  reason``; ``#`` comments)."""
    if not path.exists():
        return {}
    found = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        vuln_id, _, reason = line.partition(" ")
        if not reason.strip():
            raise SystemExit(f"{path}: {vuln_id} needs a reason after the id")
        found[vuln_id] = reason.strip()
    return found


def run_pip_audit() -> dict[str, Any] | None:
    """pip-audit's JSON report, or ``None`` if the service could not be reached."""
    try:
        result = subprocess.run(  # noqa: S603 (our own interpreter and fixed arguments)
            PIP_AUDIT, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return None
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except ValueError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"pip-audit: the advisory service could not be reached ({last[:200]})")
        return None
    return report


def judge(report: dict[str, Any], ignore: dict[str, str]) -> int:
    """Print what was found; 1 for a known vulnerability not reviewed, else 0."""
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    if dependencies and not audited:
        print(
            f"WARNING pip-audit: none of the {len(dependencies)} packages could be audited "
            "(the PyPI advisory service did not answer for them); nothing was checked."
        )
        return 0
    for dependency in skipped:
        print(f"WARNING pip-audit: not audited: {dependency['skip_reason']}")
    rows, ignored_rows = [], []
    for dependency in audited:
        for vuln in dependency.get("vulns", []):
            ids = [vuln["id"], *vuln.get("aliases", [])]
            reason = next((ignore[i] for i in ids if i in ignore), None)
            row = (
                dependency["name"],
                dependency["version"],
                vuln["id"],
                ", ".join(vuln.get("fix_versions", [])) or "none",
                reason or "",
            )
            (ignored_rows if reason else rows).append(row)
    header = ("package", "version", "vulnerability", "fixed in", "ignored because")
    for title, found in (("Known vulnerabilities", rows), ("Reviewed and ignored", ignored_rows)):
        if found:
            print(title)
            print_table([header, *found])
    print(
        f"pip-audit: {len(audited)} packages audited, {len(rows)} known vulnerabilities, "
        f"{len(ignored_rows)} reviewed and ignored, {len(skipped)} not audited."
    )
    return 1 if rows else 0


def print_table(rows: list[tuple[str, ...]]) -> None:
    """Plain columns, readable in a CI log."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, help="a pip-audit JSON report to judge")
    parser.add_argument("--ignore", type=Path, default=IGNORE_FILE, help="reviewed ids")
    args = parser.parse_args()
    ignore = ignored(args.ignore)
    if args.report is not None:
        report: dict[str, Any] | None = json.loads(args.report.read_text(encoding="utf-8"))
    else:
        report = run_pip_audit()
    if report is None:
        print("WARNING pip-audit: no advisory service reachable; nothing was checked.")
        return 0
    return judge(report, ignore)


if __name__ == "__main__":
    sys.exit(main())
