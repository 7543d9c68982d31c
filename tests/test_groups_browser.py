"""The groups' staff pages in a real browser (Debian's Chromium, 360 px wide, axe-core): the
demo admin opens "Gruppen" from the navigation, starts a group (a missing name first), finds
its organiser and members on its page, links the Telegram group the bot is in, sees a group
with no meetup for two months marked, and closes the group."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import insert, select

from bot.db.tables import groups, telegram_groups
from tests.auxil.browser import (
    LiveServer,
    assert_accessible,
    assert_fits_the_phone,
    login,
    main_menu,
)
from tests.auxil.groups import add_group, add_member
from tests.auxil.people import DEMO, add_person, organisation_id
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_a_coordinator_starts_links_and_closes_a_group_on_a_phone(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    runtime = live_server.runtime
    org = organisation_id(runtime, DEMO)
    now = live_server.clock()
    old = add_group(runtime, org, now - timedelta(days=90), code="old", name={"de": "Sprachcafé"})
    page = staff_page
    login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    with page.expect_navigation():
        main_menu(page).get_by_role("link", name="Gruppen").click()
    expect(page.locator("h1")).to_have_text("Gruppen")
    expect(page.locator(f"#group-{old}")).to_contain_text("Seit zwei Monaten kein Treffen.")
    assert_fits_the_phone(page)
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Neue Gruppe anlegen").click()
    page.get_by_label("Ort (Pflicht)").fill("Hoya")
    with page.expect_navigation():
        page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#name-error")).to_have_text(
        "Bitte einen Namen in der Hauptsprache der Organisation eingeben."
    )
    assert_fits_the_phone(page)
    assert_accessible(page)
    page.get_by_label("Name (Pflicht)").fill("Frauencafé Hoya")
    page.get_by_label("Kurze Beschreibung").fill("Wir trinken Kaffee und reden.")
    page.get_by_label("Kinder sind willkommen").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status").first).to_have_text("Die Gruppe ist gespeichert.")
    expect(page.locator("h1")).to_have_text("Frauencafé Hoya")

    with runtime.db.begin() as conn:
        cafe = conn.execute(select(groups.c.id).where(groups.c.code != "old")).scalar_one()
        conn.execute(
            insert(telegram_groups).values(
                chat_id="-100777",
                title="Café Hoya",
                organisation_id=org,
                status="member",
                added_at=now,
            )
        )
    fatima = add_person(runtime, org, "Fatima Yilmaz", now)
    olena = add_person(runtime, org, "Olena", now)
    add_member(runtime, cafe, fatima, now, role="organiser")
    add_member(runtime, cafe, olena, now)
    page.reload()
    expect(page.locator("dl")).to_contain_text("Fatima")
    expect(page.locator("dl")).not_to_contain_text("Yilmaz")  # first names only
    page.get_by_label("Verknüpfte Telegram-Gruppe").select_option("-100777")
    with page.expect_navigation():
        page.locator("#telegram ~ form").get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status").first).to_have_text("Die Telegram-Gruppe ist verknüpft.")
    assert_fits_the_phone(page)
    assert_accessible(page)
    with runtime.db.connect() as conn:
        assert (
            conn.execute(select(groups.c.telegram_group_id).where(groups.c.id == cafe)).scalar()
            is not None
        )

    with page.expect_navigation():
        page.get_by_role("button", name="Gruppe schließen").click()
    expect(page.get_by_role("status").first).to_have_text("Die Gruppe ist geschlossen.")
    with runtime.db.connect() as conn:
        assert conn.execute(select(groups.c.status).where(groups.c.id == cafe)).scalar() == (
            "closed"
        )
