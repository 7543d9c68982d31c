"""Dates, times and numbers as each language writes them (Babel, plus native digits)."""

from __future__ import annotations

from datetime import UTC, datetime

from conversations.i18n import format_clock, format_day, format_number
from conversations.languages import load_languages

LANGUAGES = load_languages()
MOMENT = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def test_persian_and_dari_write_dates_and_times_with_persian_digits() -> None:
    # Dari names the month as Afghanistan does.
    for code, day in (("fa", "پنجشنبه ۳ دسامبر ۲۰۲۶"), ("prs", "پنجشنبه ۳ دسمبر ۲۰۲۶")):
        language = LANGUAGES.get(code)
        assert language is not None
        assert format_day(MOMENT, language, "Europe/Berlin") == day
        assert format_clock(MOMENT, language, "Europe/Berlin") == "۹:۰۰"
        assert format_number(1234.5, language) == "۱٬۲۳۴٫۵"


def test_other_languages_keep_their_own_digits() -> None:
    german, arabic = LANGUAGES.get("de"), LANGUAGES.get("ar")
    assert german is not None and arabic is not None
    assert format_day(MOMENT, german, "Europe/Berlin") == "Donnerstag, 3. Dezember 2026"
    assert format_clock(MOMENT, german, "Europe/Berlin") == "09:00"
    assert format_number(1234.5, german) == "1.234,5"
    assert "3" in format_day(MOMENT, arabic, "Europe/Berlin")  # Babel's Arabic: Latin digits
