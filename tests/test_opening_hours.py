"""Opening hours: the plain syntax, the stored form, open or closed, the next opening, and how
they read in German, Arabic, Persian and English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.opening_hours import (
    DAYS,
    HoursError,
    WeeklyHours,
    format_hours,
    format_opening,
    is_open,
    next_opening,
)

BERLIN = "Europe/Berlin"
WEEK = WeeklyHours.parse("mon-fri 09:00-13:00; thu 14:00-17:00")


def test_the_plain_syntax_becomes_the_stored_form() -> None:
    assert WEEK.to_json() == {
        "mon": [["09:00", "13:00"]],
        "tue": [["09:00", "13:00"]],
        "wed": [["09:00", "13:00"]],
        "thu": [["09:00", "13:00"], ["14:00", "17:00"]],
        "fri": [["09:00", "13:00"]],
    }
    assert WEEK.spec() == "mon-fri 09:00-13:00; thu 14:00-17:00"
    assert WeeklyHours.parse("Mon,Wed 9-12, 14-16").to_json() == {
        "mon": [["09:00", "12:00"], ["14:00", "16:00"]],
        "wed": [["09:00", "12:00"], ["14:00", "16:00"]],
    }
    assert WeeklyHours.parse("fri-mon 10:00-24:00").to_json() == {
        day: [["10:00", "24:00"]] for day in ("mon", "fri", "sat", "sun")
    }
    assert not WeeklyHours.parse("")
    assert WeeklyHours.from_json(WEEK.to_json()) == WEEK


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("mon-fri", "write days, then times"),
        ("mon-fry 09:00-13:00", "unknown day 'fry'"),
        ("mon 09:00", "time range"),
        ("mon 13:00-09:00", "end must be after the start"),
        ("mon 09:00-25:00", "not a time of day"),
        ("mon 9h-12h", "not a time"),
        ("mon 09:00-12:00; mon 11:00-13:00", "overlap"),
    ],
)
def test_bad_hours_say_what_is_wrong_in_one_line(text: str, reason: str) -> None:
    with pytest.raises(HoursError, match=reason) as raised:
        WeeklyHours.parse(text)
    assert "\n" not in str(raised.value)


def test_bad_stored_hours_are_refused() -> None:
    for data in ({"monday": [["09:00", "12:00"]]}, {"mon": "09-12"}, {"mon": [["09:00"]]}):
        with pytest.raises(HoursError):
            WeeklyHours.from_json(data)


def test_open_and_the_next_opening_in_the_organisations_time_zone() -> None:
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)  # 11:00 in Berlin
    assert not is_open(WEEK, BERLIN, saturday)
    assert next_opening(WEEK, BERLIN, saturday) == datetime.fromisoformat(
        "2026-12-07T09:00:00+01:00"
    )
    monday_morning = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)  # 09:30 in Berlin
    assert is_open(WEEK, BERLIN, monday_morning)
    thursday_lunch = datetime(2026, 12, 10, 12, 30, tzinfo=UTC)  # 13:30: between the two
    assert not is_open(WEEK, BERLIN, thursday_lunch)
    assert next_opening(WEEK, BERLIN, thursday_lunch) == datetime.fromisoformat(
        "2026-12-10T14:00:00+01:00"
    )
    closing = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # 13:00 exactly: closed
    assert not is_open(WEEK, BERLIN, closing)
    assert next_opening(WeeklyHours(), BERLIN, closing) is None


def test_summer_time_keeps_the_local_opening() -> None:
    # Saturday before the change to summer time (29 March 2026): Monday opens at 09:00 CEST.
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    opening = next_opening(WEEK, BERLIN, saturday)
    assert opening is not None
    assert opening.isoformat() == "2026-03-30T09:00:00+02:00"
    assert opening.astimezone(UTC).hour == 7


def test_formatted_in_her_language() -> None:
    assert format_hours(WEEK, "de_DE") == "Mo–Fr 09:00–13:00 Uhr und Do 14:00–17:00 Uhr"
    assert format_hours(WEEK, "en_GB") == "Mon–Fri 09:00–13:00 and Thu 14:00–17:00"
    arabic = format_hours(WEEK, "ar")
    assert arabic.startswith("الاثنين–الجمعة 09:00–13:00")
    assert "الخميس 14:00–17:00" in arabic
    assert "دوشنبه–جمعه" in format_hours(WEEK, "fa_IR")
    monday = datetime.fromisoformat("2026-12-07T09:00:00+01:00")
    assert format_opening(monday, "de_DE") == "Montag, 09:00"
    assert format_opening(monday, "ar") == "الاثنين 09:00"
    assert format_opening(monday, "el_GR") == "Δευτέρα 09:00"
    assert format_hours(WeeklyHours(), "de_DE") == ""


# ---- properties -------------------------------------------------------------------------------

# Built, not filtered: a filter threw away half the drawn pairs, and Hypothesis's health
# check failed the test now and then ("filtering out a lot of inputs").
_interval = st.integers(min_value=0, max_value=24 * 60 - 1).flatmap(
    lambda start: st.tuples(st.just(start), st.integers(min_value=start + 1, max_value=24 * 60))
)


@st.composite
def weeks(draw: st.DrawFn) -> WeeklyHours:
    """Any week of non-overlapping intervals."""
    days = []
    for _ in DAYS:
        intervals = sorted(draw(st.lists(_interval, max_size=3)))
        kept: list[tuple[int, int]] = []
        for start, end in intervals:
            if not kept or start >= kept[-1][1]:
                kept.append((start, end))
        days.append(tuple(kept))
    return WeeklyHours(tuple(days))


@given(weeks())
def test_the_plain_syntax_and_the_stored_form_round_trip(week: WeeklyHours) -> None:
    assert WeeklyHours.parse(week.spec()) == week
    assert WeeklyHours.from_json(week.to_json()) == week


@given(st.text(max_size=60))
def test_any_text_parses_or_fails_cleanly(text: str) -> None:
    try:
        week = WeeklyHours.parse(text)
    except HoursError as error:
        reason = str(error)
    else:
        assert WeeklyHours.parse(week.spec()) == week
        return
    assert reason
    assert "\n" not in reason


@given(weeks(), st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)))
def test_the_next_opening_is_open_and_in_the_future(week: WeeklyHours, moment: datetime) -> None:
    now = moment.replace(tzinfo=UTC)
    opening = next_opening(week, BERLIN, now)
    if not week:
        assert opening is None
        return
    assert opening is not None
    assert opening > now
    assert is_open(week, BERLIN, opening) or _starts_in_a_gap(opening)


def _starts_in_a_gap(opening: datetime) -> bool:
    """An opening at a local time that does not exist (the spring change) or at 24:00."""
    local = opening.astimezone(opening.tzinfo)
    return local.utcoffset() != opening.astimezone(UTC).astimezone(opening.tzinfo).utcoffset()
