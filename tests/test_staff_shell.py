"""The shell as a feature uses it: its templates found next to the shell's, its navigation
link, its dashboard panel, its page behind the login, autoescaping, the format helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from bot.features import registry
from bot.features.feature import NavItem, Panel
from bot.runtime import Runtime
from bot.staff.principal import StaffUser
from bot.web.app import create_app
from bot.web.staff.shell import StaffShell, safe_next
from tests.auxil.staff import PASSWORD, add_staff, login_client

PAGE = """{% extends "staff/base.html" %}
{% block title %}Probe{% endblock %}
{% block content %}<h1>Probe</h1><p id="note">{{ note }}</p>
<p id="when">{{ format_datetime(at) }}</p><p id="wait">{{ format_wait(at) }}</p>
{% endblock %}"""
PANEL = """<p id="panel-body">{{ count }} · {{ _("Abmelden") }} · {{ staff.email }}</p>"""


@pytest.fixture
def feature_client(
    sqlite_runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """The app with one more feature's templates, link, panel and page."""
    folder = tmp_path / "templates" / "probe"
    folder.mkdir(parents=True)
    (folder / "page.html").write_text(PAGE, encoding="utf-8")
    (folder / "panel.html").write_text(PANEL, encoding="utf-8")
    seen: list[StaffUser] = []

    def panel(_runtime: Runtime, staff: StaffUser) -> Panel | None:
        seen.append(staff)
        return Panel("Übersicht", "probe/panel.html", {"count": 3}, order=5)

    def nothing(_runtime: Runtime, _staff: StaffUser) -> Panel | None:
        return None

    def pages(runtime: Runtime, shell: StaffShell) -> list[Route]:
        async def page(request: Request) -> Response:
            at = runtime.clock() - timedelta(hours=3)
            return shell.render(
                request, "probe/page.html", {"note": "<script>x</script>", "at": at}
            )

        return [Route("/staff/probe", shell.page(page), methods=["GET"])]

    monkeypatch.setattr(registry, "staff_template_dirs", lambda: [tmp_path / "templates"])
    monkeypatch.setattr(registry, "staff_nav", lambda: [NavItem("/staff/probe", "Team", 50)])
    monkeypatch.setattr(registry, "dashboard_panels", lambda: [nothing, panel])
    monkeypatch.setattr(registry, "staff_routes", pages)
    with TestClient(create_app(sqlite_runtime, background=False)) as client:
        yield client
    assert all(s.email for s in seen)


def test_a_features_page_panel_and_link(
    feature_client: TestClient, sqlite_runtime: Runtime
) -> None:
    assert feature_client.get("/staff/probe", follow_redirects=False).status_code == 303
    add_staff(sqlite_runtime, "probe@example.org", language="en")
    login_client(feature_client, "probe@example.org", PASSWORD)
    dashboard = feature_client.get("/staff/")
    assert '<p id="panel-body">3 · Log out · probe@example.org</p>' in dashboard.text
    assert "nothing to do" not in dashboard.text
    assert '<a href="/staff/probe">Team</a>' in dashboard.text
    page = feature_client.get("/staff/probe")
    assert "&lt;script&gt;x&lt;/script&gt;" in page.text and "<script>x" not in page.text
    assert '<a href="/staff/probe" aria-current="page">' in page.text
    assert '<p id="when">11/30/26, 7:00\u202fAM</p>' in page.text  # 06:00 UTC in Berlin
    assert '<p id="wait">3 hours</p>' in page.text


def test_safe_next() -> None:
    assert safe_next("/staff/inbox/3?x=1") == "/staff/inbox/3?x=1"
    assert safe_next("/simulator") == "/simulator"
    for bad in ("//evil.example", "https://evil.example", "/elsewhere", "/staff\\x", None, ""):
        assert safe_next(bad) == "/staff/"
