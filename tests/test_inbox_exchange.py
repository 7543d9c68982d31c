"""How the conversation page lists the bot's messages whose text is gone (sent, then dropped):
one line with a count and their kinds, never a wall of "text not kept"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.features.inbox.service import Entry, fold_untold

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_untold_bot_messages_in_a_row_are_one_entry_and_hers_stay_apart() -> None:
    entries = [
        Entry(at(0), "bot", None, kind="reply", status="sent"),
        Entry(at(1), "bot", None, kind="reply", status="sent"),
        Entry(at(2), "bot", None, kind="course_reminder", status="sent"),
        Entry(at(3), "in", "Mein Sohn ist krank."),
        Entry(at(4), "bot", "📨 Danke! Ihre Nachricht ist bei unserem Team.", kind="reply"),
        Entry(at(5), "bot", None, kind="reply", status="sent"),
        Entry(at(6), "out", "Gute Besserung!"),
    ]

    folded = fold_untold(entries)

    assert [(e.direction, e.count, e.kinds, e.text) for e in folded] == [
        ("bot", 3, ("reply", "course_reminder"), None),
        ("in", 1, (), "Mein Sohn ist krank."),
        ("bot", 1, (), "📨 Danke! Ihre Nachricht ist bei unserem Team."),
        ("bot", 1, ("reply",), None),
        ("out", 1, (), "Gute Besserung!"),
    ]
    assert folded[0].at == at(0)  # the run is shown when it began
