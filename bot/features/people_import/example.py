"""The example file a coordinator downloads: German headers, two fictional rows.

Made here rather than shipped, so it always has the columns the importer reads and the
organisation's own towns (a row with a town it does not know would be held back).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from bot.csvsafe import SafeWriter

HEADERS = (
    "Vorname",
    "Nachname",
    "Sprache",
    "Wohnort",
    "Handy",
    "Telegram",
    "Einwilligungsdatum",
    "Interessen",
    "Kurs",
)
#: Fictional people (numbers from the range the importer's tests use).
ROWS = (
    ("Amina", "Beispiel", "Arabisch", "", "0176 12345678", "", "01.11.2026", "Kurs, Arbeit", ""),
    ("Olena", "Muster", "Ukrainisch", "", "", "123456789", "", "Treffen", ""),
)
DEFAULT_TOWNS = ("Nienburg (Weser)", "Hoya")


def example_rows(towns: Sequence[str] = ()) -> list[tuple[str, ...]]:
    """The two rows with the organisation's first towns."""
    chosen = [*towns, *DEFAULT_TOWNS][:2] if towns else list(DEFAULT_TOWNS)
    if len(chosen) < 2:
        chosen.append(chosen[0])
    return [(*row[:3], town, *row[4:]) for row, town in zip(ROWS, chosen, strict=True)]


def example_csv(towns: Sequence[str] = ()) -> bytes:
    """Semicolon-separated UTF-8 with BOM: what Excel in German opens correctly."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in example_rows(towns):
        writer.writerow(row)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def example_xlsx(towns: Sequence[str] = ()) -> bytes:
    """The same as an Excel file (phone numbers as text, so the leading 0 stays)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Personen"
    sheet.append(HEADERS)
    for row in example_rows(towns):
        sheet.append(list(row))
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.number_format = "@"
    for column, width in zip("ABCDEFGHI", (12, 12, 12, 18, 16, 12, 18, 16, 12), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


__all__ = ["HEADERS", "example_csv", "example_rows", "example_xlsx"]
