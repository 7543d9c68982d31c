"""CSV files a spreadsheet opens safely: no cell is ever taken for a formula.

A name, a place or a reason typed by someone outside ("=HYPERLINK(…)", "+49 …", "@SUM(…)")
lands in exports coordinators open in Excel or LibreOffice, which would run it as a formula
(CSV injection: it can leak other cells or start programs).  Every text cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single quote, which
spreadsheets show as text and do not evaluate (OWASP's advice).  Numbers we write ourselves
stay numbers.  Every CSV the bot writes goes through :class:`SafeWriter`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def neutralise(value: Any) -> Any:
    """``value`` as a spreadsheet may show it: text that could start a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """A :func:`csv.writer` whose every text cell is :func:`neutralise`\\ d."""

    def __init__(self, handle: _Writable, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, each cell neutralised."""
        self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write many rows, each cell neutralised."""
        for row in rows:
            self.writerow(row)


__all__ = ["FORMULA_STARTS", "SafeWriter", "neutralise"]
