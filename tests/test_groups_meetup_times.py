"""Reading the times an organiser types, the vote's deadline, and time labels that fit a
WhatsApp button (20 characters) in every language with the time whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.features.groups.meetup_effects import button_when, when
from bot.features.groups.meetup_times import deadline_for, read_time
from conversations.languages import default_languages

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
BERLIN = "Europe/Berlin"
SAT_15 = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "typed",
    [
        "5.12. 15:00",
        "5.12.2026 15:00",
        "5.12.26, 15 Uhr",
        "05.12 um 15.00",
        "٥.١٢. ١٥:٠٠",
        "۵.۱۲. ۱۵:۰۰",
    ],
)
def test_typed_times_are_read(typed: str) -> None:
    assert read_time(typed, NOW, BERLIN) == SAT_15


@pytest.mark.parametrize(
    "typed", ["morgen", "30.11. 08:00", "30.11. 10:30", "31.2. 15:00", "5.12."]
)
def test_past_soon_or_unreadable_times_are_refused(typed: str) -> None:
    assert read_time(typed, NOW, BERLIN) is None


def test_a_month_gone_is_next_year() -> None:
    assert read_time("5.1. 15:00", NOW, BERLIN) == datetime(2027, 1, 5, 14, 0, tzinfo=UTC)


def test_the_deadline_is_two_days_before_or_half_way() -> None:
    assert deadline_for(SAT_15, NOW) == SAT_15 - timedelta(days=2)
    soon = NOW + timedelta(days=1)
    assert deadline_for(soon, NOW) == NOW + timedelta(hours=12)


def test_button_labels_fit_in_every_language() -> None:
    for language in default_languages().languages:
        for day in range(7):
            for hour in (7, 14, 21):
                moment = datetime(2026, 12, 20, hour, 0, tzinfo=UTC) + timedelta(days=day)
                label = button_when(moment, language, BERLIN)
                assert len(label) <= 20, (language.code, label)
                assert when(moment, language, BERLIN)
