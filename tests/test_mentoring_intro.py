"""Mentor introductions: the double opt-in, declines, a lapse, the relayed contact, ending,
and that nothing about either woman reaches the other before both said yes.

Two women talk to the bot on the simulator channel; the match is proposed with
``proposals.propose`` (as staff and the automatic proposals do) and every message is a nudge
fired by the scheduler with a frozen clock.  Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from starlette.testclient import TestClient

from bot.db.tables import (
    consents,
    inbox_threads,
    mentor_matches,
    mentor_profiles,
    mentoring_requests,
    nudges,
    outbox,
    people,
)
from bot.features.mentoring import states
from bot.features.mentoring.intro_sweep import run_sweep
from bot.runtime import Runtime
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.mentoring_intro import setup
from tests.auxil.simulator import Simulator

ASK_MENTOR = ["✅ Ja", "❌ Nein", "⏳ Jetzt nicht"]


def fire(runtime: Runtime, clock: FrozenClock) -> int:
    return fire_due(runtime.db, runtime.turns, clock)


def inbox(runtime: Runtime, person: int) -> list[dict[str, Any]]:
    """What the bot started for her (scheduled messages), in order."""
    with runtime.db.connect() as conn:
        rows = conn.execute(
            select(outbox.c.payload)
            .where(outbox.c.person_id == person, outbox.c.kind != "reply")
            .order_by(outbox.c.id)
        ).scalars()
        return list(rows)


def got(runtime: Runtime, sim: Simulator, person: int, count: int = 1) -> str:
    """Her phone shows the last ``count`` messages the bot started (buttons pressable)."""
    sim.last = inbox(runtime, person)[-count:]
    return sim.text()


def match_row(runtime: Runtime, match_id: int) -> Any:
    with runtime.db.connect() as conn:
        return conn.execute(select(mentor_matches).where(mentor_matches.c.id == match_id)).one()


def request_status(runtime: Runtime) -> str:
    with runtime.db.connect() as conn:
        return conn.execute(select(mentoring_requests.c.status)).scalar_one()


def all_outbox(runtime: Runtime, since: int = 0) -> list[tuple[int, str]]:
    """Every outbox row (after row ``since``) as (person, decrypted payload)."""
    with runtime.db.connect() as conn:
        return [
            (r.person_id, str(r.payload))
            for r in conn.execute(
                select(outbox.c.person_id, outbox.c.payload).where(outbox.c.id > since)
            )
        ]


def last_row(runtime: Runtime) -> int:
    with runtime.db.connect() as conn:
        return int(conn.execute(select(outbox.c.id).order_by(outbox.c.id.desc())).scalar() or 0)


def test_double_opt_in_then_relay_and_end(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina, marta, amina_id, marta_id, match_id = setup(runtime, client)
    assert fire(runtime, clock) == 1
    (ask,) = inbox(runtime, marta_id)
    assert "Vorname: Amina" in ask["text"] and "Ort: Hoya" in ask["text"]
    assert "Briefe und Ämter" in ask["text"] and "Deutsch" in ask["text"]
    assert [c["label"] for c in ask["choices"]] == ASK_MENTOR
    assert inbox(runtime, amina_id) == []  # she is asked only after the mentor said yes

    got(runtime, marta, marta_id)
    marta.press("intro.mentor_ask:yes")
    assert "Jetzt fragen wir Amina" in marta.text()
    assert match_row(runtime, match_id).status == states.ASKING_PARTICIPANT
    # Nothing about either woman has reached the other before both said yes.
    for person, payload in all_outbox(runtime):
        if person == amina_id:
            assert "Marta" not in payload and "Schulz" not in payload
        if person == marta_id:
            assert "Schulz" not in payload
    assert fire(runtime, clock) == 1
    question = inbox(runtime, amina_id)[-1]
    assert "Vorname: Marta" in question["text"] and "Schulz" not in question["text"]
    assert "Arabisch" in question["text"] and "Schule und Kita" in question["text"]
    for person, payload in all_outbox(runtime):
        if person == marta_id:
            assert "Amina" in payload or "Schulz" not in payload  # her own name only
    got(runtime, amina, amina_id)
    amina.press("intro.participant_ask:yes")
    row = match_row(runtime, match_id)
    assert row.status == states.ACTIVE and row.started_at == clock()
    assert request_status(runtime) == states.MATCHED

    assert fire(runtime, clock) == 2  # both asked how they want to be reached
    amina.last = [inbox(runtime, amina_id)[-1]]
    marta.last = [inbox(runtime, marta_id)[-1]]
    assert "Sie und Marta haben beide Ja gesagt" in amina.text()
    amina.press("💬 Über den Bot")
    assert "Nachricht an Marta" in amina.text()
    marta.press("💬 Über den Bot")
    amina.send("Hallo Marta, wann haben Sie Zeit?")
    assert fire(runtime, clock) == 1
    relayed = inbox(runtime, marta_id)[-1]
    assert relayed["text"] == "💬 Amina: Hallo Marta, wann haben Sie Zeit?"
    assert [c["label"] for c in relayed["choices"]] == ["🔚 Beenden", "⚠️ Problem", "🏠 Menü"]
    assert match_row(runtime, match_id).last_contact_at == clock()
    marta.last = [relayed]
    marta.send("Am Montag um 10 Uhr?")
    assert fire(runtime, clock) == 1
    assert inbox(runtime, amina_id)[-1]["text"] == "💬 Marta: Am Montag um 10 Uhr?"
    with runtime.db.connect() as conn:  # the relayed texts are kept by the outbox alone
        relays = conn.execute(select(nudges.c.payload).where(nudges.c.kind == "mentoring_relay"))
        assert [sorted(p) for p in relays.scalars()] == [["match_id", "side"]] * 2

    # A week later: "have you met?"
    clock.advance(days=7, hours=1)
    assert run_sweep(runtime.db, clock)["met"] == 1
    assert fire(runtime, clock) == 2
    amina.last = [inbox(runtime, amina_id)[-1]]
    assert "Haben Sie Marta schon getroffen" in amina.text()
    amina.press("✅ Ja")
    assert match_row(runtime, match_id).met_at == clock()

    # Amina ends it with one word; Marta is told kindly; both may rate.
    amina.send("Beenden")
    assert "wirklich beenden" in amina.text()
    amina.press("✅ Ja, beenden")
    assert "War der Kontakt hilfreich" in amina.text()
    amina.press("😀")
    row = match_row(runtime, match_id)
    assert (row.status, row.ended_by, row.participant_rating) == ("ended", "participant", 4)
    assert request_status(runtime) == states.CLOSED
    assert fire(runtime, clock) == 1
    marta.last = [inbox(runtime, marta_id)[-2], inbox(runtime, marta_id)[-1]]
    assert "Der Kontakt mit Amina ist jetzt beendet" in marta.text()
    marta.press("🙂")
    assert match_row(runtime, match_id).mentor_rating == 3


def test_mentor_says_no_participant_never_hears(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    _amina, marta, amina_id, marta_id, match_id = setup(runtime, client)
    fire(runtime, clock)
    got(runtime, marta, marta_id)
    marta.press("intro.mentor_ask:not_now")
    row = match_row(runtime, match_id)
    assert (row.status, row.declined_by, row.decline_reason) == ("declined", "mentor", "not_now")
    assert request_status(runtime) == states.WAITING
    with runtime.db.connect() as conn:
        paused = conn.execute(
            select(mentor_profiles.c.paused_until).where(mentor_profiles.c.person_id == marta_id)
        ).scalar_one()
    assert paused is not None and (paused - clock()).days == states.NOT_NOW_PAUSE_DAYS
    assert fire(runtime, clock) == 0
    assert inbox(runtime, amina_id) == []


def test_participant_says_no_mentor_hears_not_this_time(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina, marta, amina_id, marta_id, match_id = setup(runtime, client)
    fire(runtime, clock)
    got(runtime, marta, marta_id)
    marta.press("intro.mentor_ask:yes")
    fire(runtime, clock)
    amina.last = [inbox(runtime, amina_id)[-1]]
    amina.press("❌ Nein")
    assert match_row(runtime, match_id).declined_by == "participant"
    assert request_status(runtime) == states.WAITING
    assert fire(runtime, clock) == 1
    told = inbox(runtime, marta_id)[-1]["text"]
    assert "Dieses Mal hat es leider nicht gepasst" in told and "Amina" not in told


def test_reminder_after_three_days_lapse_after_six(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    _amina, marta, amina_id, marta_id, match_id = setup(runtime, client)
    fire(runtime, clock)
    clock.advance(days=2, hours=23)
    assert run_sweep(runtime.db, clock)["reminded"] == 0
    clock.advance(hours=2)
    assert run_sweep(runtime.db, clock)["reminded"] == 1
    assert run_sweep(runtime.db, clock)["reminded"] == 0
    fire(runtime, clock)
    texts = [m["text"] for m in inbox(runtime, marta_id)]
    assert "Hier ist die Frage noch einmal" in texts[-2] and "Vorname: Amina" in texts[-1]
    clock.advance(days=3)
    assert run_sweep(runtime.db, clock)["lapsed"] == 1
    assert match_row(runtime, match_id).status == states.LAPSED
    assert request_status(runtime) == states.WAITING
    got(runtime, marta, marta_id)
    marta.press("intro.mentor_ask:yes")  # too late: nothing changes
    assert match_row(runtime, match_id).status == states.LAPSED
    assert fire(runtime, clock) == 0 and inbox(runtime, amina_id) == []


def both_in_contact(runtime: Runtime, client: TestClient, clock: FrozenClock) -> Any:
    """Both said yes; each is asked how to be reached (the messages on their phones)."""
    amina, marta, amina_id, marta_id, match_id = setup(runtime, client)
    fire(runtime, clock)
    got(runtime, marta, marta_id)
    marta.press("intro.mentor_ask:yes")
    fire(runtime, clock)
    got(runtime, amina, amina_id)
    amina.press("intro.participant_ask:yes")
    fire(runtime, clock)
    got(runtime, amina, amina_id)
    got(runtime, marta, marta_id)
    return amina, marta, amina_id, marta_id, match_id


def test_nothing_of_the_mentor_reaches_her_before_the_mentor_said_yes(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    _amina, marta, amina_id, marta_id, match_id = setup(runtime, client)
    with runtime.db.begin() as conn:
        conn.execute(update(people).where(people.c.id == marta_id).values(town="Drakenburg"))
    since = last_row(runtime)  # after both signed up (their own onboarding answers)
    fire(runtime, clock)
    clock.advance(days=3, hours=1)
    run_sweep(runtime.db, clock)  # the reminder, too
    fire(runtime, clock)
    for person, payload in all_outbox(runtime, since):
        if person == amina_id:  # not a word of the mentor, not even that one was asked
            for secret in ("Marta", "Schulz", "Drakenburg", "Mentorin"):
                assert secret not in payload
        if person == marta_id:  # the participant's first name and town only
            assert "Amina" in payload or "Vorname" not in payload
    got(runtime, marta, marta_id)
    marta.press("intro.mentor_ask:yes")
    fire(runtime, clock)
    shown = inbox(runtime, amina_id)[-1]["text"]
    assert "Vorname: Marta" in shown and "Ort: Drakenburg" in shown
    assert "Schulz" not in shown  # never her surname
    assert match_row(runtime, match_id).status == states.ASKING_PARTICIPANT


def test_shared_contact_needs_her_consent_and_goes_to_the_other_only(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina, _marta, amina_id, marta_id, match_id = both_in_contact(runtime, client, clock)
    amina.press("📱 Direkt")
    assert "Sind Sie einverstanden?" in amina.text()
    amina.press("✅ Einverstanden")
    with runtime.db.connect() as conn:
        purposes = set(
            conn.execute(
                select(consents.c.purpose).where(
                    consents.c.person_id == amina_id, consents.c.withdrawn_at.is_(None)
                )
            ).scalars()
        )
    assert "contact_sharing" in purposes
    assert match_row(runtime, match_id).participant_contact == "shared"
    assert fire(runtime, clock) == 1
    shared, then = (m["text"] for m in inbox(runtime, marta_id)[-2:])
    assert shared.startswith("📱 Amina möchte, dass Sie ihr direkt schreiben: ")
    assert shared.endswith("amina")  # her simulator address, as her channel knows it
    assert then.startswith("✍️ Schreiben Sie hier Ihre Nachricht an Amina")
    assert all("marta" not in p for person, p in all_outbox(runtime) if person == amina_id)


def test_a_problem_goes_to_the_team_as_urgent(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    _amina, marta, amina_id, marta_id, match_id = both_in_contact(runtime, client, clock)
    marta.press("💬 Über den Bot")
    marta.press("⚠️ Problem")
    assert "Nur das Team liest es, nicht Amina" in marta.text()
    marta.send("Sie kommt nie zu den Treffen.")
    assert "Das Team meldet sich bald" in marta.text()
    with runtime.db.connect() as conn:
        thread = conn.execute(
            select(inbox_threads.c.urgent).where(inbox_threads.c.person_id == marta_id)
        ).one()
    assert thread.urgent
    assert match_row(runtime, match_id).problem_reported_at == clock()
    assert fire(runtime, clock) == 0  # nothing of it goes to Amina
    assert all("Treffen" not in p for person, p in all_outbox(runtime) if person == amina_id)


def test_a_check_in_every_thirty_days_on_both_sides(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina, marta, amina_id, marta_id, _match_id = both_in_contact(runtime, client, clock)
    clock.advance(days=29)
    assert run_sweep(runtime.db, clock)["checkin"] == 0
    clock.advance(days=1, hours=1)
    assert run_sweep(runtime.db, clock)["checkin"] == 1
    assert run_sweep(runtime.db, clock)["checkin"] == 0
    fire(runtime, clock)
    assert "Wie geht es Ihnen mit Amina?" in got(runtime, marta, marta_id)
    assert "Wie geht es Ihnen mit Marta?" in got(runtime, amina, amina_id)
    assert [c["label"] for c in amina.last[-1]["choices"]] == [
        "🙂 Gut",
        "💬 Schreiben",
        "⚠️ Problem",
        "🔚 Beenden",
    ]
    clock.advance(days=30)
    assert run_sweep(runtime.db, clock)["checkin"] == 1


def test_erasing_her_removes_the_match_and_what_was_still_to_be_sent(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina, marta, _amina_id, marta_id, _match_id = both_in_contact(runtime, client, clock)
    amina.press("💬 Über den Bot")
    marta.press("💬 Über den Bot")
    amina.send("Bis morgen!")  # a relayed message waits for Marta
    amina.send("/delete")
    amina.press(amina.labels()[0])  # yes, delete everything
    with runtime.db.connect() as conn:
        assert conn.execute(select(mentor_matches)).first() is None
        assert conn.execute(select(mentoring_requests)).first() is None
    fire(runtime, clock)  # not the relayed message (its match is gone), but a goodbye
    assert all("Bis morgen" not in p for _person, p in all_outbox(runtime))
    (told,) = [m for m in inbox(runtime, marta_id) if "beendet" in m["text"]]
    assert told["text"] == "🌷 Der Kontakt mit Amina ist jetzt beendet. Vielen Dank für Ihre Zeit!"
    assert told["choices"] == []  # no question about a match that no longer exists
    marta.send("Menü")
    marta.press("🤝 Mentorin")
    marta.press("💬 Kontakt")
    assert marta.labels() == ["🏠 Menü"]  # Amina is no longer listed
    with runtime.db.connect() as conn:  # her first name left the nudge row once it fired
        payloads = conn.execute(select(nudges.c.payload)).scalars().all()
    assert [sorted(p) for p in payloads if p.get("step") == "gone"] == [
        ["match_id", "side", "step"]
    ]


def test_erasing_herself_while_asked_tells_the_mentor_who_said_yes_not_this_time(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina, marta, amina_id, marta_id, _match_id = setup(runtime, client)
    fire(runtime, clock)
    got(runtime, marta, marta_id)
    marta.press("intro.mentor_ask:yes")
    fire(runtime, clock)
    got(runtime, amina, amina_id)
    amina.send("/delete")
    amina.press(amina.labels()[0])
    assert fire(runtime, clock) == 1
    told = inbox(runtime, marta_id)[-1]["text"]
    assert told.startswith("🌱 Dieses Mal hat es leider nicht gepasst.")
    assert "Amina" not in told


def test_from_the_menu_a_mentor_picks_whom_she_writes_to(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    """Later, from the menu: "🤝 Mentorin" → her hub → "💬 Kontakt" → the woman → a message."""
    amina, marta, amina_id, _marta_id, _match_id = both_in_contact(runtime, client, clock)
    amina.press("💬 Über den Bot")
    marta.press("💬 Über den Bot")
    marta.send("Menü")
    marta.press("🤝 Mentorin")
    marta.press("💬 Kontakt")
    assert "Mit wem möchten Sie schreiben?" in marta.text()
    assert marta.labels() == ["💬 Amina", "🏠 Menü"]
    marta.press("💬 Amina")
    assert "Nachricht an Amina" in marta.text()
    marta.send("Guten Tag, Amina!")
    assert fire(runtime, clock) == 1
    assert inbox(runtime, amina_id)[-1]["text"] == "💬 Marta: Guten Tag, Amina!"

    # A participant without a mentor finds nobody to write to, and is told why.
    amina.send("Beenden")
    amina.press("✅ Ja, beenden")
    amina.send("Menü")
    amina.press("🤝 Mentorin")
    amina.press("💬 Kontakt")
    assert "Steht hier niemand, gibt es gerade keinen Kontakt." in amina.text()
    assert amina.labels() == ["🏠 Menü"]


def test_staff_ending_a_match_tells_both_kindly_and_asks_the_one_question(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    from bot.features.mentoring.matching import MatchingService
    from tests.auxil.people import principal

    amina, marta, amina_id, marta_id, match_id = both_in_contact(runtime, client, clock)
    amina.press("💬 Über den Bot")
    marta.press("💬 Über den Bot")
    org = match_row(runtime, match_id).organisation_id
    staff = principal(runtime, "k@example.org", {org: "coordinator"}, clock())
    MatchingService(runtime.db, clock).end(staff, match_id)
    assert fire(runtime, clock) == 2
    for sim, person, other in ((amina, amina_id, "Marta"), (marta, marta_id, "Amina")):
        sim.last = inbox(runtime, person)[-2:]
        assert f"Der Kontakt mit {other} ist jetzt beendet" in sim.text()
        assert "War der Kontakt hilfreich" in sim.text()
    amina.press("🙂")
    row = match_row(runtime, match_id)
    assert (row.status, row.ended_by, row.participant_rating) == ("ended", "staff", 3)


def test_a_proposal_taken_back_after_the_mentors_yes_tells_her_not_this_time(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    from bot.features.mentoring.matching import MatchingService
    from tests.auxil.people import principal

    amina, marta, amina_id, marta_id, match_id = setup(runtime, client)
    fire(runtime, clock)
    got(runtime, marta, marta_id)
    marta.press("intro.mentor_ask:yes")
    fire(runtime, clock)  # Amina is asked now
    org = match_row(runtime, match_id).organisation_id
    staff = principal(runtime, "k@example.org", {org: "coordinator"}, clock())
    MatchingService(runtime.db, clock).take_back(staff, match_id)
    assert fire(runtime, clock) == 1
    told = inbox(runtime, marta_id)[-1]["text"]
    assert told.startswith("🌱 Dieses Mal hat es leider nicht gepasst.")
    assert "Amina" not in told
    got(runtime, amina, amina_id)
    amina.press("intro.participant_ask:yes")  # too late: nothing changes, nothing is shared
    assert match_row(runtime, match_id).status == states.TAKEN_BACK
    assert fire(runtime, clock) == 0


def test_one_word_from_anywhere_ends_the_contact(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    """ "beenden" (or "إنهاء", "завершити", …) at the menu: whom, then confirm; in the chat the
    chat's own button "🔚 Beenden" answers first (no question whom)."""
    amina, marta, amina_id, _marta_id, match_id = both_in_contact(runtime, client, clock)
    amina.press("💬 Über den Bot")
    marta.press("💬 Über den Bot")
    marta.send("Menü")
    marta.send("beenden")
    assert "Mit wem möchten Sie den Kontakt beenden?" in marta.text()
    assert marta.labels() == ["🔚 Amina", "🏠 Menü"]
    marta.press("🔚 Amina")
    assert "Möchten Sie den Kontakt mit Amina wirklich beenden?" in marta.text()
    marta.press("✅ Ja, beenden")
    row = match_row(runtime, match_id)
    assert (row.status, row.ended_by) == ("ended", "mentor")
    fire(runtime, clock)
    assert "Der Kontakt mit Marta ist jetzt beendet" in inbox(runtime, amina_id)[-2]["text"]
    # With nobody left, the word says so and offers the menu.
    marta.send("beenden")
    assert "Steht hier niemand" in marta.text() and marta.labels() == ["🏠 Menü"]


def test_the_word_works_in_her_language_and_not_before_she_signed_up(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina, _marta, _amina_id, _marta_id, _match_id = setup(
        runtime, client, participant_language="العربية", participant_name="أمينة"
    )
    amina.send("إنهاء")
    assert "🔚" in amina.text() and amina.labels() == ["🏠 القائمة"]
    newcomer = Simulator(client, "newcomer")
    newcomer.send("hallo")
    newcomer.send("beenden")
    assert "Mit wem" not in newcomer.text()
