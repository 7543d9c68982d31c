"""Issue 16, groups in her chat: "👭 Gruppen" in the menu lists the groups near her (her
town first, then by distance), a group's card, joining an open group at once, asking to join
a group by approval (the organiser asked in her chat: yes or no, the woman told), leaving
(also with the word "austreten"), handing the organiser role on.

What she reads (texts and buttons) and what is stored; SQLite and PostgreSQL; frozen clock.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.db.tables import group_members, meetups, outbox
from bot.features.groups.group_chat import picked_group_id
from bot.features.groups.membership import active_members, is_organiser, organisers
from bot.runtime import Runtime
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.groups import add_group, add_member
from tests.auxil.people import organisation_id
from tests.auxil.simulator import Simulator, onboard

CARD = [
    "➕ Mitmachen",
    "🚪 Austreten",
    "👑 Rolle abgeben",
    "📅 Treffen planen",
    "🔙 Alle Gruppen",
    "🏠 Menü",
]


def status_of(runtime: Runtime, group: int, person: int) -> tuple[str, str] | None:
    with runtime.db.connect() as conn:
        row = conn.execute(
            select(group_members.c.status, group_members.c.role).where(
                group_members.c.group_id == group, group_members.c.person_id == person
            )
        ).first()
    return (row.status, row.role) if row else None


def got(runtime: Runtime, sim: Simulator, person: int) -> str:
    """Her phone shows the last message the bot started for her (buttons pressable)."""
    with runtime.db.connect() as conn:
        rows: list[Any] = list(
            conn.execute(
                select(outbox.c.payload)
                .where(outbox.c.person_id == person, outbox.c.kind != "reply")
                .order_by(outbox.c.id)
            ).scalars()
        )
    sim.last = rows[-1:]
    return sim.text()


def groups_of(runtime: Runtime, clock: FrozenClock) -> tuple[int, int, int]:
    """A café in Hoya (open), a sewing group in Nienburg (by approval), a closed group."""
    now = clock.now
    org = organisation_id(runtime, "vnb-nienburg")
    sewing = add_group(
        runtime,
        org,
        now,
        code="sew",
        name={"de": "Nähgruppe", "ar": "مجموعة الخياطة"},
        description={"de": "Wir nähen zusammen."},
        town="Nienburg (Weser)",
        approval=True,
    )
    cafe = add_group(
        runtime,
        org,
        now,
        code="cafe",
        name={"de": "Frauencafé Hoya"},
        town="Hoya",
        children_welcome=True,
        directions={"de": "Bus 30 bis Marktplatz."},
    )
    add_group(runtime, org, now, code="old", name={"de": "Alte Gruppe"}, status="closed")
    return cafe, sewing, org


def test_she_finds_joins_and_leaves_an_open_group(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    cafe, _sewing, _org = groups_of(runtime, clock)
    sim = Simulator(client, "amina")
    onboard(sim)
    amina = person_of(runtime, "amina")
    assert "👭 Gruppen" in sim.labels()

    sim.press("👭 Gruppen")
    text = sim.text()
    assert "Diese Gruppen gibt es in Ihrer Nähe:\n1. Frauencafé Hoya (Hoya)\n2. Nähgruppe" in text
    assert "Alte Gruppe" not in text  # closed
    assert "Schreiben Sie die Nummer einer Gruppe." in text
    assert sim.labels() == ["🏠 Menü"]

    sim.send("1")
    text = sim.text()
    assert "👭 Frauencafé Hoya\nWir trinken Kaffee.\n📍 Ort: Hoya" in text
    assert "👥 Frauen in der Gruppe: 0" in text
    assert "👶 Kinder sind willkommen." in text
    assert "🚌 So kommen Sie hin: Bus 30 bis Marktplatz." in text
    assert sim.labels() == CARD

    sim.press("➕ Mitmachen")
    assert "✅ Willkommen in der Gruppe „Frauencafé Hoya“!" in sim.text()
    assert status_of(runtime, cafe, amina) == ("active", "member")
    with runtime.db.connect() as conn:
        assert active_members(conn, cafe) == [amina]

    sim.press("👭 Gruppen")
    assert "1. Frauencafé Hoya (Hoya) – ✅ Sie sind dabei" in sim.text()
    sim.send("1")
    assert "✅ Sie sind dabei" in sim.text()
    sim.press("➕ Mitmachen")
    assert "Sie sind schon in der Gruppe „Frauencafé Hoya“." in sim.text()

    sim.send("austreten")  # the word works from anywhere
    assert "👭 Ihre Gruppen:\n1. Frauencafé Hoya (Hoya) – ✅ Sie sind dabei" in sim.text()
    sim.send("1")
    assert "Möchten Sie wirklich austreten?" in sim.text()
    sim.press("✅ Ja, austreten")
    assert "👋 Sie sind aus der Gruppe „Frauencafé Hoya“ ausgetreten." in sim.text()
    assert status_of(runtime, cafe, amina) == ("left", "member")
    with runtime.db.connect() as conn:
        assert active_members(conn, cafe) == []

    sim.send("austreten")
    assert "Sie sind im Moment in keiner Gruppe." in sim.text()


def test_a_wrong_number_is_answered_kindly(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    groups_of(runtime, clock)
    sim = Simulator(client, "leyla")
    onboard(sim, name="Leyla")
    sim.press("👭 Gruppen")
    sim.send("7")
    assert "Diese Nummer gibt es nicht." in sim.text()
    sim.press("🔙 Alle Gruppen")
    sim.send("zwei")
    assert "Frauencafé Hoya" not in sim.text()  # not a number: asked again, nothing breaks


def test_asking_to_join_the_organiser_accepts_and_hands_on(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _cafe, sewing, _org = groups_of(runtime, clock)
    fatima_sim = Simulator(client, "fatima")
    onboard(fatima_sim, name="Fatima Yilmaz")
    fatima = person_of(runtime, "fatima")
    add_member(runtime, sewing, fatima, clock.now, role="organiser")

    sim = Simulator(client, "olena")
    onboard(sim, name="Olena")
    olena = person_of(runtime, "olena")
    sim.press("👭 Gruppen")
    sim.send("2")
    assert "Wer mitmachen möchte, fragt. Die Organisatorin sagt Ja oder Nein." in sim.text()
    sim.press("➕ Mitmachen")
    assert "⏳ Wir haben die Organisatorin der Gruppe „Nähgruppe“ gefragt." in sim.text()
    assert status_of(runtime, sewing, olena) == ("pending", "member")

    fire_due(runtime.db, runtime.turns, clock)
    asked = got(runtime, fatima_sim, fatima)
    assert asked == "👭 Olena möchte in Ihre Gruppe „Nähgruppe“. Sind Sie einverstanden?"
    assert fatima_sim.labels() == ["✅ Ja", "❌ Nein"]
    fatima_sim.press("✅ Ja")
    assert "✅ Olena ist jetzt in der Gruppe „Nähgruppe“." in fatima_sim.text()
    assert status_of(runtime, sewing, olena) == ("active", "member")

    fire_due(runtime.db, runtime.turns, clock)
    assert got(runtime, sim, olena) == ("✅ Sie sind jetzt in der Gruppe „Nähgruppe“. Willkommen!")

    # Fatima hands the role on to Olena (first names only)
    fatima_sim.press("👭 Gruppen")
    assert "– 👑 Sie organisieren" in fatima_sim.text()
    fatima_sim.send("1")
    fatima_sim.press("👑 Rolle abgeben")
    assert "Diese Frauen sind in der Gruppe „Nähgruppe“:\n1. Olena" in fatima_sim.text()
    fatima_sim.send("1")
    assert "👑 Olena organisiert jetzt die Gruppe „Nähgruppe“." in fatima_sim.text()
    with runtime.db.connect() as conn:
        assert organisers(conn, sewing) == [olena]
        assert not is_organiser(conn, sewing, fatima)
    fire_due(runtime.db, runtime.turns, clock)
    assert got(runtime, sim, olena) == "👑 Sie organisieren jetzt die Gruppe „Nähgruppe“. Danke!"

    # the former organiser can no longer hand on
    fatima_sim.press("👭 Gruppen")
    fatima_sim.send("1")
    fatima_sim.press("👑 Rolle abgeben")
    assert "Das können nur Organisatorinnen der Gruppe." in fatima_sim.text()


def test_a_declined_request_in_arabic(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _cafe, sewing, _org = groups_of(runtime, clock)
    org_sim = Simulator(client, "fatima")
    onboard(org_sim, name="Fatima")
    fatima = person_of(runtime, "fatima")
    add_member(runtime, sewing, fatima, clock.now, role="organiser")
    sim = Simulator(client, "amal")
    onboard(sim, language="العربية", name="أمل")
    amal = person_of(runtime, "amal")
    sim.press("👭 المجموعات")
    assert "2. مجموعة الخياطة" in sim.text()
    sim.send("٢")  # Arabic digits
    sim.press("➕ الانضمام")
    assert "سألنا منظّمة مجموعة „مجموعة الخياطة“" in sim.text()

    fire_due(runtime.db, runtime.turns, clock)
    got(runtime, org_sim, fatima)
    org_sim.press("❌ Nein")
    assert "In Ordnung. أمل kommt nicht in die Gruppe „Nähgruppe“." in org_sim.text()
    assert status_of(runtime, sewing, amal) == ("declined", "member")
    fire_due(runtime.db, runtime.turns, clock)
    assert "للأسف لم ينجح الانضمام إلى مجموعة „مجموعة الخياطة“" in got(runtime, sim, amal)


def test_the_group_she_picked_is_found_again(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    cafe, sewing, _org = groups_of(runtime, clock)
    sim = Simulator(client, "amina")
    onboard(sim)
    amina = person_of(runtime, "amina")
    add_member(runtime, cafe, amina, clock.now)
    with runtime.db.connect() as conn:
        assert picked_group_id(conn, amina, {"g_list": "near", "g_pick": 2}) == sewing
        assert picked_group_id(conn, amina, {"g_list": "mine", "g_pick": 1}) == cafe
        assert picked_group_id(conn, amina, {"g_list": "mine", "g_pick": 2}) is None
        assert picked_group_id(conn, amina, {}) is None


def test_an_organiser_plans_a_meetup_from_her_groups_card(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    """ "📅 Treffen planen" on the card of the group she picked: the proposal is for that group
    (not for the first one, nor for a group of an earlier proposal); a plain member is told
    kindly that only organisers propose."""
    cafe, sewing, _org = groups_of(runtime, clock)
    sim, bela_sim = Simulator(client, "amina"), Simulator(client, "bela")
    onboard(sim)
    onboard(bela_sim, name="Bela")
    amina, bela = person_of(runtime, "amina"), person_of(runtime, "bela")
    add_member(runtime, sewing, amina, clock.now, role="organiser")
    add_member(runtime, cafe, amina, clock.now)
    add_member(runtime, sewing, bela, clock.now)

    sim.press("👭 Gruppen")
    sim.send("2")  # the sewing group in Nienburg
    assert "👭 Nähgruppe" in sim.text()
    sim.press("📅 Treffen planen")
    assert "Was möchten Sie machen?" in sim.text()
    for typed in ("Nähen", "Bei Amina", "12.12. 10:00", "13.12. 10:00"):
        sim.send(typed)
    sim.press("➡️ Weiter")
    sim.press("✅ Ja, fragen")
    assert "Wir fragen jetzt 2 Frauen der Gruppe" in sim.text()
    with runtime.db.connect() as conn:
        assert conn.execute(select(meetups.c.group_id, meetups.c.title)).one() == (
            sewing,
            "Nähen",
        )

    # Bela is a member of the sewing group, not an organiser: she may not propose.
    bela_sim.press("👭 Gruppen")
    bela_sim.send("2")
    bela_sim.press("📅 Treffen planen")
    for typed in ("Stricken", "Bei Bela", "14.12. 10:00", "15.12. 10:00"):
        bela_sim.send(typed)
    bela_sim.press("➡️ Weiter")
    bela_sim.press("✅ Ja, fragen")
    assert "kein Treffen vorschlagen" in bela_sim.text()
    with runtime.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(meetups)).scalar_one() == 1
