"""Bar charts as server-rendered SVG: no JavaScript, readable on a phone, described for screen
readers.

A chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says every bar in
words ("Arabisch: 12, Persisch: < 5"), and every page shows the same numbers in a table next
to it.  Each bar has its label on the line above it, so long town names fit 360 px.  A small
count (1–4) is drawn as a pale bar of the length of 5 with the label "< 5": the chart gives
away no more than the table.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from bot.features.reports.service import SMALL, shown

#: The chart's drawing width in SVG units (it scales to the page).
WIDTH = 320
#: Height of one bar and of its label line.
BAR, LINE, GAP = 14, 16, 8
#: The bars' colour: dark enough for 3:1 against white (WCAG non-text contrast).
FILL = "#1d5c96"

_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label and its count (unrounded; drawn and labelled rounded)."""

    label: str
    count: int


def bar_chart(title: str, bars: Sequence[Bar], chart_id: str | None = None) -> Markup:
    """An SVG bar chart of ``bars`` with ``title`` and a text alternative."""
    ident = chart_id or f"chart-{next(_ids)}"
    drawn = [max(b.count, SMALL) if 0 < b.count < SMALL else b.count for b in bars]
    top = max(drawn, default=0) or 1
    value_room = 44  # right of the longest bar: the number
    scale = (WIDTH - value_room) / top
    row = LINE + BAR + GAP
    height = max(row * len(bars), row)
    words = ", ".join(f"{b.label}: {shown(b.count)}" for b in bars) or "—"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{ident}-title {ident}-desc" data-chart="{escape(ident)}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(words)}</desc>',
    ]
    for index, (bar, length) in enumerate(zip(bars, drawn, strict=True)):
        y = index * row
        small = 0 < bar.count < SMALL
        width = max(round(length * scale, 1), 1.0 if bar.count else 0.0)
        pale = ' fill-opacity="0.45"' if small else ""
        parts.append(
            f'<g class="bar" data-label="{escape(bar.label)}" '
            f'data-value="{escape(shown(bar.count))}">'
            f'<text x="0" y="{y + LINE - 4}" font-size="12" fill="currentColor">'
            f"{escape(bar.label)}</text>"
            f'<rect x="0" y="{y + LINE}" width="{width}" height="{BAR}" fill="{FILL}"'
            f"{pale}></rect>"
            f'<text x="{width + 4}" y="{y + LINE + BAR - 3}" font-size="12" '
            f'fill="currentColor">{escape(shown(bar.count))}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped


__all__ = ["Bar", "bar_chart"]
