"""Reading the file a coordinator has: CSV in any common encoding and delimiter, or Excel.

A list kept in an office is a spreadsheet saved as "CSV" by whatever program was at hand
(UTF-8 with or without BOM, Windows-1252 from an old Excel, ``;`` in German settings, ``,``
elsewhere) or the ``.xlsx`` itself.  Both end as the same thing: the columns found and every
data row with its line number, the line a person sees in her spreadsheet program.

Column headers are matched in German, English, Italian, Portuguese and Greek, with case,
accents, spaces, dots, dashes and underscores ignored ("Einwilligungs-Datum" is
"einwilligungsdatum"); a file with ``Vorname`` and ``Nachname`` has both joined as the name.

Limits come first, before anything is parsed: :data:`MAX_BYTES` of file, :data:`MAX_ROWS`
rows, :data:`MAX_COLUMNS` columns, and for Excel the unpacked size of the zip
(:data:`MAX_UNPACKED_BYTES`), since an ``.xlsx`` of 2 MB can unpack to gigabytes.
Every refusal is a :class:`ReadError` with a German message (the staff catalog's msgid) and
an English one (the command line's).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.staff.texts import N_

#: The largest file read (the page says so; the web's body limit for the path is a bit more).
MAX_BYTES = 2 * 1024 * 1024
#: Data rows at most (a district's list is hundreds; 5 000 is a whole region).
MAX_ROWS = 5000
#: Columns read at most (the rest of a wide sheet is ignored).
MAX_COLUMNS = 50
#: An Excel file's parts unpacked, at most (a zip bomb stops here, before openpyxl).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
#: Longest cell kept (a name or a town; a pasted essay is cut).
MAX_CELL = 500

XLSX_MAGIC = b"PK\x03\x04"


def normalise(text: str) -> str:
    """Lower case, accents and marks gone, only letters and digits: how headers and names
    are compared ("Língua" → "lingua", "Γλώσσα" → "γλωσσα", "E-Mail" → "email")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "", kept)


def _aliases(column: str, names: str) -> dict[str, str]:
    return {normalise(name): column for name in names.split("|")}


#: Header spellings (normalised by :func:`normalise`) → the column each stands for.
COLUMNS: dict[str, str] = {
    **_aliases(
        "name",
        "name|vollständiger name|full name|nome|nome completo|όνομα|ονοματεπώνυμο"
        "|teilnehmerin|participant",
    ),
    **_aliases(
        "first_name",
        "vorname|first name|given name|primeiro nome|nome proprio|μικρό όνομα",
    ),
    **_aliases(
        "last_name",
        "nachname|familienname|last name|surname|family name|cognome|apelido|sobrenome|επώνυμο",
    ),
    **_aliases("language", "sprache|muttersprache|language|lingua|língua|idioma|γλώσσα"),
    **_aliases(
        "town",
        "ort|wohnort|stadt|gemeinde|town|city|place|comune|città|localidade|cidade|concelho"
        "|πόλη|τόπος|δήμος|περιοχή",
    ),
    **_aliases(
        "whatsapp",
        "handy|handynummer|telefon|telefonnummer|mobil|mobilnummer|whatsapp|whatsapp nummer"
        "|whatsapp number|phone|phone number|mobile|mobile number|cellulare|telefono"
        "|numero di telefono|telemóvel|telefone|celular|κινητό|τηλέφωνο",
    ),
    **_aliases("telegram", "telegram|telegram chat id|telegram id"),
    **_aliases(
        "consent",
        "einwilligung|einwilligungsdatum|datum der einwilligung|einverständnis|consent"
        "|consent date|date of consent|date of consent given on paper|consenso"
        "|data del consenso|consentimento|data do consentimento|συναίνεση|συγκατάθεση"
        "|ημερομηνία συναίνεσης",
    ),
    **_aliases(
        "purposes",
        "zwecke|einwilligung für|consent purposes|purposes|finalità|finalidades|σκοποί",
    ),
    **_aliases("interests", "interessen|interests|interessi|interesses|ενδιαφέροντα"),
    **_aliases("course", "kurs|course|corso|curso|μάθημα"),
}


class ReadError(ValueError):
    """The file as a whole cannot be read: ``message`` is the German msgid (with
    ``%(name)s`` fields from ``params``), ``english`` the command line's text."""

    def __init__(self, message: str, english: str, params: dict[str, Any] | None = None):
        super().__init__(english)
        self.message = message
        self.english = english
        self.params = params or {}


TOO_LARGE = N_("Die Datei ist zu groß: höchstens %(mb)s MB. Bitte teilen Sie die Liste auf.")
TOO_MANY_ROWS = N_(
    "Die Datei hat mehr als %(rows)s Zeilen. Bitte teilen Sie die Liste in kleinere Dateien."
)
WRONG_TYPE = N_(
    "Diese Datei können wir nicht lesen. Bitte laden Sie eine CSV-Datei (.csv) oder eine "
    "Excel-Datei (.xlsx) hoch."
)
BROKEN_EXCEL = N_(
    "Diese Excel-Datei lässt sich nicht öffnen. Bitte speichern Sie sie neu als .xlsx."
)
EMPTY = N_("Die Datei ist leer.")
NO_NAME_OR_CHANNEL = N_(
    "In der ersten Zeile fehlen Spalten: nötig sind ein Name (Name oder Vorname) und eine "
    "Handynummer oder Telegram. Gefunden: %(found)s"
)


def too_large() -> ReadError:
    return ReadError(
        TOO_LARGE,
        f"the file is too large (at most {MAX_BYTES // (1024 * 1024)} MB)",
        {"mb": MAX_BYTES // (1024 * 1024)},
    )


@dataclass
class Table:
    """What a file holds: the columns recognised and the data rows with their line."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]
    unknown_headers: list[str] = field(default_factory=list)
    """Headers we did not recognise (shown, so a typo in a header is seen)."""


def read_table(data: bytes, filename: str = "", limited: bool = True) -> Table:
    """Read an uploaded or given file (CSV or ``.xlsx``, told by its content, not its
    name); :class:`ReadError` when it cannot be.  ``limited``: the upload's limits of size
    and rows (the command line reads any size)."""
    if limited and len(data) > MAX_BYTES:
        raise too_large()
    max_rows = MAX_ROWS if limited else None
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if data.startswith(XLSX_MAGIC):
        return _table(_xlsx_rows(data, max_rows), max_rows)
    if suffix in ("xlsx", "xlsm", "xls", "ods", "numbers", "pdf", "docx", "doc") or (
        b"\x00" in data[:4096]
    ):
        raise ReadError(WRONG_TYPE, "not a CSV or .xlsx file")
    return _table(_csv_rows(_decode(data), max_rows), max_rows)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (what Excel on Windows writes)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _csv_rows(text: str, max_rows: int | None) -> list[tuple[int, list[str]]]:
    first = text.split("\n", 1)[0]
    try:
        dialect: Any = csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows: list[tuple[int, list[str]]] = []
    try:
        for values in reader:
            if max_rows is not None and len(rows) > max_rows + 1:
                break
            if any(v.strip() for v in values[:MAX_COLUMNS]):
                rows.append((reader.line_num, values[:MAX_COLUMNS]))
    except csv.Error as error:
        raise ReadError(WRONG_TYPE, f"the file cannot be read as CSV ({error})") from error
    return rows


def _xlsx_rows(data: bytes, max_rows: int | None) -> list[tuple[int, list[str]]]:
    """The first sheet's rows (openpyxl in read-only mode: streamed, no formulas run)."""
    from openpyxl import load_workbook  # only when an Excel file comes

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise too_large()
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ReadError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ReadError(BROKEN_EXCEL, "the Excel file cannot be opened") from error
    try:
        sheet = book.worksheets[0]
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(
            sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1
        ):
            if max_rows is not None and len(rows) > max_rows + 1:
                break
            cells = [_cell(v) for v in values]
            if any(c.strip() for c in cells):
                rows.append((number, cells))
        return rows
    except Exception as error:
        raise ReadError(BROKEN_EXCEL, "the Excel file cannot be read") from error
    finally:
        book.close()


def _cell(value: Any) -> str:
    """An Excel cell as the text a person sees (a date as ``2026-11-20``, a whole number
    without ``.0``: a phone number typed as a number)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(rows: list[tuple[int, list[str]]], max_rows: int | None) -> Table:
    rows = [(n, v) for n, v in rows if any(str(c).strip() for c in v)]
    if not rows:
        raise ReadError(EMPTY, "empty file")
    _line, header = rows[0]
    columns = [COLUMNS.get(normalise(h), "") for h in header]
    found = set(columns)
    if not ({"name", "first_name", "last_name"} & found) or not ({"whatsapp", "telegram"} & found):
        shown = ", ".join(h.strip() for h in header if h.strip())[:300]
        raise ReadError(
            NO_NAME_OR_CHANNEL,
            "the header needs at least 'name' and 'whatsapp number' or 'telegram chat id' "
            f"(found: {shown})",
            {"found": shown},
        )
    data = rows[1:]
    if max_rows is not None and len(data) > max_rows:
        raise ReadError(
            TOO_MANY_ROWS, f"more than {MAX_ROWS} rows; split the file", {"rows": MAX_ROWS}
        )
    records = []
    for line, values in data:
        record: dict[str, str] = {}
        for column, value in zip(columns, values, strict=False):
            if column and column not in record:  # the first of two like columns wins
                record[column] = str(value).strip()[:MAX_CELL]
        if not record.get("name"):
            parts = [record.get("first_name", ""), record.get("last_name", "")]
            record["name"] = " ".join(p for p in parts if p)
        elif record.get("last_name") and "first_name" not in record:
            # "Nome" and "Cognome": the name column is the first name.
            record["name"] = f"{record['name']} {record['last_name']}"
        record.pop("first_name", None)
        record.pop("last_name", None)
        records.append((line, record))
    unknown = [h.strip() for h, c in zip(header, columns, strict=True) if h.strip() and not c]
    kept = [c for c in dict.fromkeys(columns) if c and c not in ("first_name", "last_name")]
    if "name" not in kept:
        kept.insert(0, "name")
    return Table(kept, records, unknown)


__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "ReadError",
    "Table",
    "normalise",
    "read_table",
]
