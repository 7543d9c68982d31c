"""Issue 16, a meetup on WhatsApp outside the 24-hour window: Amina (Arabic) has not written
for a day, so the meetup's question reaches her only as the approved ``meetup_vote`` template
(the group, what, and the times on one line: "1 = …; 2 = …"); she answers "1, 2" and then
"تم" (done) and both votes are stored.  The confirmation goes as the ``meetup_confirmed``
template (group, what, when, where on one line); her "1" is "✅ I am coming".  The reminder
the day before goes as ``meetup_reminder``; the meetup moved, the news as ``meetup_changed``
("moved to …" in her language), and her "2" is "maybe".

The real ``twilio`` client sends to the Twilio stand-in (Prism checks every request against
Twilio's API description); her answers come in as signed webhooks.  Frozen clock (Monday
30 November 2026, 10:00 in Berlin); SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import insert, select, update
from starlette.testclient import TestClient

from bot.db.migrate import upgrade
from bot.db.tables import consents, identities, meetup_options, meetup_rsvps, outbox
from bot.demo import load_demo
from bot.features.groups.meetup_changes import move_meetup
from bot.features.groups.meetup_replies import confirm_meetup
from bot.features.groups.meetup_schedule import VOTE_KIND, tell_members
from bot.features.groups.meetup_votes import counts
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web.app import create_app
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.meetups import add_group, add_meetup
from tests.auxil.people import DEMO, add_person, organisation_id
from tests.auxil.twilio import TwilioStandIn
from tests.auxil.whatsapp import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    SECRET,
    SENDER,
    WhatsAppPhone,
    write_templates,
)

AMINA_WA = "+4915112345611"
VOTE = {"de": "HX" + "6" * 32, "ar": "HX" + "7" * 32}
CONFIRMED = {"de": "HX" + "8" * 32, "ar": "HX" + "9" * 32}
REMINDER = {"ar": "HX" + "ab" * 16}
CHANGED = {"ar": "HX" + "cd" * 16}
SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 15:00 in Berlin
SUNDAY = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)
MOVED_TO = datetime(2026, 12, 12, 13, 30, tzinfo=UTC)


@pytest.fixture
def wa(
    database_url: str, clock: FrozenClock, tmp_path: Path, twilio_stand_in: TwilioStandIn
) -> Iterator[Runtime]:
    """A runtime whose WhatsApp channel talks to the stand-in, with the meetup templates."""
    templates = write_templates(tmp_path / "whatsapp_templates.yaml")
    data = yaml.safe_load(templates.read_text(encoding="utf-8"))
    data["templates"]["meetup_vote"] = {
        lang: {"content_sid": sid, "variables": ["group", "what", "times_line"]}
        for lang, sid in VOTE.items()
    }
    data["templates"]["meetup_confirmed"] = {
        lang: {"content_sid": sid, "variables": ["group", "what", "when", "place_line"]}
        for lang, sid in CONFIRMED.items()
    }
    data["templates"]["meetup_reminder"] = {
        lang: {"content_sid": sid, "variables": ["what", "when", "place_line"]}
        for lang, sid in REMINDER.items()
    }
    data["templates"]["meetup_changed"] = {
        lang: {"content_sid": sid, "variables": ["group", "what", "change"]}
        for lang, sid in CHANGED.items()
    }
    templates.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = Settings(
        database_url=database_url,
        environment="test",
        secret_key=SECRET,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=SENDER,
        public_url=PUBLIC_URL,
        twilio_api_url=twilio_stand_in.url,
        twilio_templates=templates,
    )
    upgrade(database_url)
    runtime = build_runtime(settings, clock=clock)
    load_demo(runtime.db, SECRET, clock())
    yield runtime
    runtime.close()


def test_vote_and_confirmation_reach_her_as_templates_outside_the_window(
    wa: Runtime, twilio_stand_in: TwilioStandIn, clock: FrozenClock
) -> None:
    runtime, db = wa, wa.db
    org = organisation_id(runtime, DEMO)
    now = clock()
    organiser = add_person(runtime, org, "Leyla", now, language="de")
    amina = add_person(
        runtime,
        org,
        "Amina",
        now,
        language="ar",
        channels=[("whatsapp", f"whatsapp:{AMINA_WA}", "ok")],
    )
    with db.begin() as conn:  # she agreed to messages and last wrote a day ago (no window)
        conn.execute(
            insert(consents).values(
                person_id=amina,
                purpose="messages",
                wording_version="test",
                language="ar",
                channel="whatsapp",
                given_at=now,
            )
        )
        conn.execute(
            update(identities)
            .where(identities.c.person_id == amina)
            .values(last_inbound_at=now - timedelta(hours=25))
        )
    group = add_group(db, now, organisers=[organiser], members=[amina])
    meetup = add_meetup(db, group, now, [SATURDAY, SUNDAY], proposed_by=organiser)
    with db.begin() as conn:
        tell_members(conn, meetup, [amina], VOTE_KIND, now)
    assert fire_due(db, runtime.turns, clock) == 1

    with TestClient(create_app(runtime, background=False)) as client:
        phone = WhatsAppPhone(client, runtime, twilio_stand_in, AMINA_WA)
        (vote,) = phone.deliver()
        assert vote.form["ContentSid"] == VOTE["ar"]
        variables = json.loads(vote.form["ContentVariables"])
        assert variables["1"] == "Frauencafé Hoya" and variables["2"] == "Kaffee trinken"
        # The times on one line, numbered as the question numbers them, in her language.
        assert variables["3"] == "1 = السبت، 5\u200f/12، 3:00 م; 2 = الأحد، 6\u200f/12، 3:00 م"

        phone.send("1, 2")  # the numbers of the times that fit, as the template says
        phone.send("تم")  # "done"
        assert "سنخبركِ متى يكون اللقاء" in phone.text()
        with db.connect() as conn:
            assert [n for _, _, n in counts(conn, meetup)] == [1, 1]

        # A day later she has not written again: the confirmation is a template too.
        clock.advance(hours=25)
        with db.begin() as conn:
            conn.execute(
                update(identities)
                .where(identities.c.person_id == amina)
                .values(last_inbound_at=clock() - timedelta(hours=25))
            )
            option = conn.execute(
                select(meetup_options.c.id).where(
                    meetup_options.c.meetup_id == meetup, meetup_options.c.position == 1
                )
            ).scalar_one()
            assert confirm_meetup(conn, meetup, group, option, SUNDAY, clock()) == 2
        assert fire_due(db, runtime.turns, clock) == 2
        (confirmed,) = phone.deliver()
        assert confirmed.form["ContentSid"] == CONFIRMED["ar"]
        variables = json.loads(confirmed.form["ContentVariables"])
        assert variables["1"] == "Frauencafé Hoya" and variables["2"] == "Kaffee trinken"
        assert variables["3"] == "الأحد، 6\u200f/12، 3:00 م"
        assert variables["4"].startswith("Café am Markt · 👶 ")
        assert all("\n" not in value for value in variables.values())

        phone.send("1")  # "1 = سآتي" in the template: she is coming

        # The day before at 17:00 in Berlin, four days after she last wrote: the reminder.
        clock.advance(seconds=(datetime(2026, 12, 5, 16, 0, tzinfo=UTC) - clock()).total_seconds())
        assert fire_due(db, runtime.turns, clock) == 1
        (reminder,) = phone.deliver()
        assert reminder.form["ContentSid"] == REMINDER["ar"]
        variables = json.loads(reminder.form["ContentVariables"])
        assert variables["1"] == "Kaffee trinken" and variables["2"] == "الأحد، 6\u200f/12، 3:00 م"
        assert variables["3"].startswith("Café am Markt · 👶 ")

        # Moved a week on: the news as the meetup_changed template; her "2" is "maybe".
        with db.begin() as conn:
            assert move_meetup(conn, meetup, group, MOVED_TO, clock()) == 1
        assert fire_due(db, runtime.turns, clock) == 1
        (changed,) = phone.deliver()
        assert changed.form["ContentSid"] == CHANGED["ar"]
        variables = json.loads(changed.form["ContentVariables"])
        assert variables["3"] == "تأجّل إلى السبت، 12\u200f/12، 2:30 م"
        phone.send("2")
    with db.connect() as conn:
        answers = dict(conn.execute(select(meetup_rsvps.c.person_id, meetup_rsvps.c.answer)).all())
        kinds = list(
            conn.execute(
                select(outbox.c.kind).where(outbox.c.person_id == amina).order_by(outbox.c.id)
            ).scalars()
        )
    assert answers == {amina: "maybe"}
    started = [k for k in kinds if k != "reply"]
    assert started == ["meetup_vote", "meetup_confirmed", "meetup_reminder", "meetup_changed"]
