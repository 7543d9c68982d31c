"""Coordinator broadcasts in one process, over the simulator channel: four languages
with one missing translation, de-duplication across segments, exclusions, placeholders,
scheduling around quiet hours, cancel mid-way, follow-up, audit.  The real dispatcher sends;
assertions look at what each person's screen shows and at what is stored."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.db.models import AuditEntry, Broadcast, BroadcastExclusion, OutboxMessage
from bot.features.broadcasts.compose import BroadcastError, Draft, read_draft
from bot.features.broadcasts.service import BroadcastService
from bot.outbox.dispatcher import _Session
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.crowd import Member, add_people

outbox = OutboxMessage.__table__
exclusions = BroadcastExclusion.__table__
audit = AuditEntry.__table__

TEXTS = {
    "de": "📢 Hallo {name}! Neuer Kurs in Hoya ab Montag. Ihr Team von {org}.",
    "ar": "📢 مرحبا {name}! دورة جديدة في هويا من يوم الاثنين.",
    "uk": "📢 Привіт, {name}! Новий курс у Хої з понеділка.",
    "en": "📢 Hello {name}! A new course in Hoya from Monday.",
}
GREETING = {"de": "Hallo", "ar": "مرحبا", "uk": "Привіт", "en": "Hello"}


def service(runtime: Runtime, actor: str = "cli:test") -> BroadcastService:
    return BroadcastService(runtime.db, runtime.flow_engine.catalogs, runtime.clock, actor)


def send_all(runtime: Runtime) -> int:
    """Run the real dispatcher until nothing is left to send; return how many rows it took."""
    total = 0
    while handled := asyncio.run(runtime.dispatcher.dispatch()):
        total += handled
    return total


def crowd(per_language: int = 60) -> list[Member]:
    """De, ar, uk and fa speakers (no fa text: they get German), in two towns; and people
    who must not get anything."""
    members = []
    for language in ("de", "ar", "uk", "fa"):
        for n in range(per_language):
            members.append(
                Member(
                    f"{language}-{n}",
                    language,
                    name=f"{language.upper()}name{n}" if n % 10 else None,
                    town="Hoya" if n % 2 else "Nienburg (Weser)",
                    interests=("jobs",) if n % 3 == 0 else (),
                )
            )
    members += [
        Member("stopped", "de", name="S", status="opted_out"),
        Member("stopped-channel", "ar", name="T", identity_status="opted_out"),
        Member("no-consent", "uk", name="U", status="new", consent=False),
        Member("blocked", "de", name="V", identity_status="unreachable"),
    ]
    return members


def transcript(runtime: Runtime, user: str) -> list[str]:
    return [m["text"] for m in runtime.screen.transcript(user) if m["direction"] == "out"]


def test_placeholders_and_languages_are_checked_before_anything_is_stored(
    sqlite_runtime: Runtime,
) -> None:
    bc = service(sqlite_runtime)
    everyone = {"all": True}
    for texts, problem in (
        ({"de": "Hallo {nmae}!"}, "unknown placeholder {nmae}"),
        ({"de": "Hallo {name!r}"}, "plain name"),
        ({"de": "Hallo {name"}, "broken braces"),
        ({"de": "Hallo", "xx": "Hi"}, "unknown language code 'xx'"),
        ({"ar": "مرحبا"}, "de text first"),
        ({"de": "   "}, "empty"),
    ):
        with pytest.raises(BroadcastError, match=problem):
            bc.create(Draft(texts, everyone), "vnb-nienburg")
    with pytest.raises(BroadcastError, match="choose an audience"):
        bc.create(Draft({"de": "Hallo"}, {}), "vnb-nienburg")
    with pytest.raises(BroadcastError, match="no course 'nope'"):
        bc.create(Draft({"de": "Hallo"}, {"courses": ["nope"]}), "vnb-nienburg")
    with pytest.raises(BroadcastError, match="unknown language 'arb'"):
        bc.create(Draft({"de": "Hallo"}, {"languages": ["arb"]}), "vnb-nienburg")
    with pytest.raises(BroadcastError, match="longer than 200"):
        bc.create(Draft({"de": "Hallo"}, everyone, title="x" * 201), "vnb-nienburg")
    with sqlite_runtime.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit)).scalar_one() == 0
    draft = bc.create(Draft({"de": "Hallo"}, everyone), "vnb-nienburg")["id"]
    with pytest.raises(BroadcastError, match="tomorrow 9"):
        bc.send(draft, at="tomorrow 9")  # a clean message, not a traceback


def test_a_nameless_person_gets_the_neutral_greeting_in_the_template_too(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    add_people(sqlite_runtime.db, TEST_SECRET, [Member("nameless", name=None)], clock())
    bc = service(sqlite_runtime)
    broadcast = bc.create(Draft(TEXTS, {"towns": ["Hoya"]}), "vnb-nienburg")["id"]
    bc.send(broadcast)
    with sqlite_runtime.db.connect() as conn:
        (payload,) = conn.execute(
            select(outbox.c.payload).where(outbox.c.broadcast_id == broadcast)
        ).scalars()
    assert payload["values"]["name"] == "liebe Teilnehmerin"  # never empty: templates refuse it
    assert payload["text"].startswith("📢 Hallo liebe Teilnehmerin!")


def test_announcement_file_short_and_long_form(tmp_path: Path) -> None:
    short = tmp_path / "short.yaml"
    short.write_text("de: Hallo {name}\nar: مرحبا {name}\n", encoding="utf-8")
    assert read_draft(short).texts == {"de": "Hallo {name}", "ar": "مرحبا {name}"}
    long = tmp_path / "long.yaml"
    long.write_text(
        "title: Feiertag\ntexts:\n  de: Geschlossen\naudience:\n  towns: [Hoya]\n"
        "  languages: ar\nurgent: true\n",
        encoding="utf-8",
    )
    draft = read_draft(long)
    assert draft.audience == {"towns": ["Hoya"], "languages": ["ar"]}
    assert draft.urgent and draft.title == "Feiertag"
    bad = tmp_path / "bad.yaml"
    bad.write_text("texts:\n  de: x\naudience:\n  villages: [Hoya]\n", encoding="utf-8")
    with pytest.raises(BroadcastError, match="unknown audience segment 'villages'"):
        read_draft(bad)


def test_broadcast_in_four_languages_reaches_each_person_once_in_her_language(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ids = add_people(runtime.db, TEST_SECRET, crowd(), clock())
    bc = service(runtime)
    # Overlapping segments: Hoya, the jobs interest and three languages share many people.
    # German speakers are in only if they live in Hoya (odd n) or like jobs (n % 3 == 0): 40.
    audience = {"towns": ["Hoya"], "interests": ["jobs"], "languages": ["ar", "uk", "fa"]}
    created = bc.create(Draft(TEXTS, audience, title="Neuer Kurs"), "vnb-nienburg")
    assert created["missing"] == {"fa": {"people": 60, "get": {"de": 60}}}

    preview = bc.preview(created["id"])
    assert preview["recipients"] == 220
    assert {(r["language"], r["people"]) for r in preview["by_language_channel"]} == {
        ("de", 100),  # 40 German speakers and 60 Persian speakers on the German text
        ("ar", 60),
        ("uk", 60),
    }
    assert preview["excluded"] == {"opted_out": 2, "no_consent": 1, "unreachable": 1}
    assert preview["examples"]["ar"].startswith("📢 مرحبا")
    assert "VNB – Pilot Landkreis Nienburg" in preview["examples"]["de"]

    sent = bc.send(created["id"])
    assert sent["enqueued"] == 220
    assert send_all(runtime) == 220
    for user in ids:
        got = transcript(runtime, user)
        if user in ("stopped", "stopped-channel", "no-consent", "blocked"):
            assert got == [], user
            continue
        language, n = user.split("-")
        if language == "de" and int(n) % 2 == 0 and int(n) % 3:
            assert got == [], user  # in no segment
            continue
        shown = "de" if language == "fa" else language
        assert len(got) == 1, (user, got)
        assert got[0].startswith(f"📢 {GREETING[shown]}"), got
        assert "{" not in got[0]
        if int(n) % 10:
            assert f"{language.upper()}name{n}" in got[0]
    assert "liebe Teilnehmerin" in transcript(runtime, "de-0")[0]
    assert "عزيزتي المشاركة" in transcript(runtime, "ar-0")[0]

    bc.tick()
    status = bc.status(created["id"])
    assert status["status"] == "sent"
    assert status["totals"]["sent"] == 220 and status["totals"]["queued"] == 0
    assert status["excluded"] == {"opted_out": 2, "no_consent": 1, "unreachable": 1}
    rows = {(r["language"], r["channel"]): r["sent"] for r in status["by_language_channel"]}
    assert rows == {
        ("ar", "simulator"): 60,
        ("de", "simulator"): 40,
        ("fa → de", "simulator"): 60,  # Persian speakers, on the German text
        ("uk", "simulator"): 60,
    }
    assert [h["action"] for h in status["history"]] == ["create", "preview", "send"]
    assert {h["by"] for h in status["history"]} == {"cli:test"}

    # Sending again (a coordinator who is not sure) changes nothing.
    assert bc.enqueue(created["id"]) == 0
    with runtime.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == 220
        assert conn.execute(select(func.count()).select_from(exclusions)).scalar_one() == 4


def test_interrupted_enqueue_resumes_without_doubles(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    """An enqueue killed after its first batch: the scheduler's tick writes the rest."""
    add_people(sqlite_runtime.db, TEST_SECRET, crowd(150), clock())
    bc = service(sqlite_runtime)
    broadcast = bc.create(Draft(TEXTS, {"all": True}), "vnb-nienburg")["id"]
    bc.send(broadcast, at=None)
    with sqlite_runtime.db.begin() as conn:  # as if the process died after the first batch
        keep = select(outbox.c.id).order_by(outbox.c.id).limit(500).scalar_subquery()
        conn.execute(outbox.delete().where(outbox.c.id.not_in(keep)))
        conn.execute(exclusions.delete())
        conn.execute(update(Broadcast.__table__).values(enqueued_at=None))
    assert bc.tick()["enqueued"] == 102  # 600 participants and the 2 demo mentors
    with sqlite_runtime.db.connect() as conn:
        keys = list(conn.execute(select(outbox.c.idempotency_key)).scalars())
    assert len(keys) == len(set(keys)) == 602
    assert send_all(sqlite_runtime) == 602


def test_cancel_mid_way_sends_nothing_more(sqlite_runtime: Runtime, clock: FrozenClock) -> None:
    ids = add_people(sqlite_runtime.db, TEST_SECRET, crowd(50), clock())
    bc = service(sqlite_runtime)
    broadcast = bc.create(Draft(TEXTS, {"all": True}), "vnb-nienburg")["id"]
    bc.send(broadcast)
    first = asyncio.run(sqlite_runtime.dispatcher.dispatch())  # one batch goes out
    assert first == 50
    assert bc.send(broadcast)["enqueued"] == 0  # a second "send" changes nothing
    with pytest.raises(BroadcastError, match="too late for --at"):
        bc.send(broadcast, at="2026-12-24 10:00")
    # A running dispatcher holds the next rows claimed in its queue when the cancel comes.
    dispatcher = sqlite_runtime.dispatcher
    queued = dispatcher.claim()
    assert len(queued) == 50
    cancelled = bc.cancel(broadcast)
    assert cancelled["withdrawn"] == 152  # 200 participants and the 2 demo mentors, less 50
    session = _Session(dispatcher)
    session.add(queued)
    asyncio.run(session.drain())  # it finds them withdrawn: none of them goes
    assert send_all(sqlite_runtime) == 0
    reached = [u for u in ids if transcript(sqlite_runtime, u)]
    assert len(reached) == 48  # the first batch: the 2 demo mentors and 48 participants
    status = bc.status(broadcast)
    assert status["status"] == "cancelled"
    assert status["totals"]["sent"] == 50 and status["totals"]["cancelled"] == 152
    assert [h["action"] for h in status["history"]] == ["create", "send", "send", "cancel"]
    lines = bc.people(broadcast)
    outcomes = Counter(line["outcome"] for line in lines)
    assert outcomes == Counter({"sent": 50, "cancelled": 152, "excluded": 4})
    line = next(x for x in lines if x["person"] == ids["fa-3"])
    assert (line["language"], line["text"], line["channel"]) == ("fa", "de", "simulator")
    assert next(x for x in lines if x["person"] == ids["blocked"])["reason"] == "unreachable"
    with pytest.raises(BroadcastError, match="cancelled already"):
        bc.send(broadcast)


def test_scheduled_broadcast_waits_and_quiet_hours_move_it(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    add_people(sqlite_runtime.db, TEST_SECRET, crowd(3), clock())
    bc = service(sqlite_runtime)
    broadcast = bc.create(Draft(TEXTS, {"all": True}), "vnb-nienburg")["id"]
    # 22:30 local is in the quiet hours (20:00–08:00): moved to 08:00 the next morning.
    answer = bc.send(broadcast, at="2026-11-30 22:30")
    assert answer == {
        "id": broadcast,
        "send_at": "2026-12-01 08:00",
        "moved_out_of_quiet_hours": True,
        "scheduled": True,
        "enqueued": 0,
    }
    assert bc.tick()["enqueued"] == 0
    clock.advance(hours=21, minutes=59)  # 07:59 local
    assert bc.tick()["enqueued"] == 0
    clock.advance(minutes=1)
    assert bc.tick()["enqueued"] == 14  # 12 participants and the 2 demo mentors
    assert send_all(sqlite_runtime) == 14
    assert bc.tick()["finished"] == 1

    urgent = bc.create(Draft(TEXTS, {"all": True}), "vnb-nienburg")["id"]
    clock.advance(hours=14)  # 22:00 local
    assert bc.send(urgent, urgent=True)["enqueued"] == 14  # urgent: now, quiet hours or not
    plain = bc.create(Draft(TEXTS, {"all": True}), "vnb-nienburg")["id"]
    assert bc.send(plain)["send_at"] == "2026-12-02 08:00"


def test_follow_up_goes_once_by_her_other_channel(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    """WhatsApp messages delivered but not read after N hours go again, once, on Telegram
    (here: the simulator) if she has it; those who read it get nothing more."""
    members = [
        Member(f"wa-{n}", "ar", name=f"N{n}", channel="whatsapp", also=(("simulator", f"wa-{n}"),))
        for n in range(4)
    ]
    ids = add_people(sqlite_runtime.db, TEST_SECRET, members, clock())
    bc = service(sqlite_runtime)
    broadcast = bc.create(Draft(TEXTS, {"languages": ["ar"]}), "vnb-nienburg")["id"]
    bc.send(broadcast, followup_hours=24)
    with sqlite_runtime.db.begin() as conn:  # what WhatsApp's status callbacks would record
        for n, delivery in enumerate(("read", "delivered", "sent", "read")):
            conn.execute(
                update(outbox)
                .where(outbox.c.person_id == ids[f"wa-{n}"])
                .values(status="sent", delivery_status=delivery)
            )
    clock.advance(hours=23)
    assert bc.tick()["followups"] == 0
    clock.advance(hours=1)
    assert bc.tick()["followups"] == 2
    assert bc.tick()["followups"] == 0  # once
    send_all(sqlite_runtime)
    assert transcript(sqlite_runtime, "wa-0") == []
    assert transcript(sqlite_runtime, "wa-1")[0].startswith("📢 مرحبا N1")
    assert len(transcript(sqlite_runtime, "wa-2")) == 1
    status = bc.status(broadcast)
    assert status["followup"]["sent_to"] == 2
    assert status["totals"]["read"] == 2
    assert [h["action"] for h in status["history"]][-1] == "followup"
    # Nothing will send it again: no row keeps the text or her name, only what the report
    # counts by.
    assert bodies(sqlite_runtime, broadcast) == [("sent", "ar", False)] * 6


def bodies(runtime: Runtime, broadcast: int) -> list[tuple[str, str, bool]]:
    """Each row's status, the language kept, and whether it still holds a text or a name."""
    with runtime.db.connect() as conn:
        rows = conn.execute(
            select(outbox.c.status, outbox.c.payload)
            .where(outbox.c.broadcast_id == broadcast)
            .order_by(outbox.c.id)
        ).all()
    return [
        (row.status, row.payload["language"], "text" in row.payload or "values" in row.payload)
        for row in rows
    ]


def test_a_sent_announcement_keeps_no_text_and_a_cancelled_one_none_either(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    """Without a follow-up, the platform having it is the end of its text in the database;
    with one, the text waits (encrypted) for the follow-up; a cancel clears what was withdrawn.
    """
    ids = add_people(sqlite_runtime.db, TEST_SECRET, crowd(2), clock())
    assert ids
    bc = service(sqlite_runtime)
    plain = bc.create(Draft(TEXTS, {"languages": ["ar"]}), "vnb-nienburg")["id"]
    bc.send(plain)
    assert {has for _s, _l, has in bodies(sqlite_runtime, plain)} == {True}  # waiting
    send_all(sqlite_runtime)
    assert bodies(sqlite_runtime, plain) == [("sent", "ar", False)] * 2

    later = bc.create(Draft(TEXTS, {"languages": ["ar"]}), "vnb-nienburg")["id"]
    bc.send(later, followup_hours=24)
    send_all(sqlite_runtime)
    assert bodies(sqlite_runtime, later) == [("sent", "ar", True)] * 2  # for the follow-up

    withdrawn = bc.create(Draft(TEXTS, {"languages": ["ar"]}), "vnb-nienburg")["id"]
    bc.send(withdrawn, followup_hours=24)
    bc.cancel(withdrawn)
    assert bodies(sqlite_runtime, withdrawn) == [("cancelled", "ar", False)] * 2


def test_match_all_narrows_the_audience_to_people_in_every_segment(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    """ "Arabic speakers in Hoya" — not "Arabic speakers, and everyone in Hoya"."""
    add_people(sqlite_runtime.db, TEST_SECRET, crowd(20), clock())
    bc = service(sqlite_runtime)
    either = bc.create(Draft(TEXTS, {"languages": ["ar"], "towns": ["Hoya"]}), "vnb-nienburg")
    both = bc.create(
        Draft(TEXTS, {"languages": ["ar"], "towns": ["Hoya"], "match": "all"}), "vnb-nienburg"
    )
    # Hoya: odd n of each language (4 × 10) plus the excluded extras; Arabic: 20.
    assert bc.preview(either["id"])["recipients"] == 40 + 10
    assert bc.preview(both["id"])["recipients"] == 10
    bc.send(both["id"])
    send_all(sqlite_runtime)
    assert transcript(sqlite_runtime, "ar-1") and not transcript(sqlite_runtime, "ar-2")
    assert not transcript(sqlite_runtime, "de-1")
    with pytest.raises(BroadcastError, match="choose an audience"):
        bc.create(Draft(TEXTS, {"match": "all"}), "vnb-nienburg")


def test_what_cannot_go_before_the_quiet_hours_waits_for_the_morning(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    clock.now = datetime(2026, 12, 1, 18, 50, tzinfo=UTC)  # 19:50 in Nienburg
    members = [Member(f"{7000 + n}", channel="telegram") for n in range(300)]
    add_people(sqlite_runtime.db, TEST_SECRET, members, clock())
    bc = BroadcastService(
        sqlite_runtime.db,
        sqlite_runtime.flow_engine.catalogs,
        clock,
        "cli:test",
        rates={"telegram": 0.5},  # a slow channel: 0.45 a second for the broadcast
    )
    broadcast = bc.create(Draft(TEXTS, {"all": True}), "vnb-nienburg")["id"]
    bc.send(broadcast)

    # 8 minutes (10 until 20:00, less 2 of margin) at 0.45/s: 216 go now, the rest at 08:00.
    with sqlite_runtime.db.connect() as conn:
        due = Counter(
            conn.execute(
                select(outbox.c.next_attempt_at).where(
                    outbox.c.broadcast_id == broadcast, outbox.c.channel == "telegram"
                )
            ).scalars()
        )
    assert due == {clock(): 216, datetime(2026, 12, 2, 7, 0, tzinfo=UTC): 84}
    state = bc.progress(broadcast)
    assert (state["remaining"], state["waiting"]) == (302, 84)  # and the 2 demo mentors

    urgent = bc.create(Draft(TEXTS, {"all": True}, urgent=True), "vnb-nienburg")["id"]
    bc.send(urgent)
    assert bc.progress(urgent)["waiting"] == 0


def test_the_report_counts_by_the_languages_in_the_clear_and_reads_older_rows_payloads(
    runtime: Runtime, clock: FrozenClock
) -> None:
    """The languages are stored in the clear (migration 0017) and the report counts them in
    SQL; a row written before has none, and the report reads its payload instead: the same
    numbers either way, and for a mix of both."""
    members = [  # on WhatsApp; every other one on the simulator too (for the follow-up)
        Member(
            f"{language}-{n}",
            language,
            name=f"N{n}",
            channel="whatsapp",
            also=() if n % 2 else (("simulator", f"{language}-{n}"),),
        )
        for language in ("de", "ar", "uk", "fa")
        for n in range(6)
    ]
    ids = add_people(runtime.db, TEST_SECRET, members, clock())
    bc = service(runtime)
    broadcast = bc.create(Draft(TEXTS, {"languages": ["de", "ar", "uk", "fa"]}), "vnb-nienburg")[
        "id"
    ]
    bc.send(broadcast, followup_hours=24)
    with runtime.db.connect() as conn:
        stored = {
            (row.language, row.her_language)
            for row in conn.execute(
                select(outbox.c.language, outbox.c.her_language).where(
                    outbox.c.broadcast_id == broadcast
                )
            )
        }
    assert stored == {("de", "de"), ("ar", "ar"), ("uk", "uk"), ("de", "fa")}
    with runtime.db.begin() as conn:  # outcomes as the platform's callbacks would record them
        outcomes = (
            ("sent", "read", None, None),
            ("sent", "undelivered", "unreachable", 63024),
            ("failed", None, "blocked", 403),
            ("needs_template", None, None, None),
            ("skipped", None, None, None),
        )
        for n, user in enumerate(sorted(ids)):
            state, delivery, error, code = outcomes[n % len(outcomes)]
            conn.execute(
                update(outbox)
                .where(outbox.c.person_id == ids[user])
                .values(status=state, delivery_status=delivery, error=error, error_code=code)
            )
    clock.advance(hours=24)
    assert bc.tick()["followups"] > 0

    expected = bc.status(broadcast), bc.people(broadcast)
    assert expected[0]["failures"] == {
        "63024: unreachable": 5,
        "403: blocked": 5,
        "needs_template": 5,
    }
    assert {r["language"]: r["sent"] for r in expected[0]["by_language_channel"]} == {
        "ar": 0,
        "de": 0,
        "fa → de": 0,
        "uk": 0,
    }
    assert sum(r["read"] for r in expected[0]["by_language_channel"]) == 5
    # These 24 and the German speaker the organisation has already (still queued).
    assert expected[0]["recipients"] == len(ids) + 1 and expected[0]["followup"]["sent_to"] > 0
    assert {(line["language"], line["text"]) for line in expected[1] if line["text"]} == {
        ("de", "de"),
        ("ar", "ar"),
        ("uk", "uk"),
        ("fa", "de"),
    }

    def forget_languages(*people: int) -> None:
        """As if these rows were written before migration 0017."""
        with runtime.db.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.broadcast_id == broadcast)
                .where(outbox.c.person_id.in_(people) if people else outbox.c.id.is_not(None))
                .values(language=None, her_language=None)
            )

    forget_languages(*[ids[user] for user in sorted(ids)[::2]])
    assert (bc.status(broadcast), bc.people(broadcast)) == expected  # a mix
    forget_languages()
    assert (bc.status(broadcast), bc.people(broadcast)) == expected  # all of them before 0017
