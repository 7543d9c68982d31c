"""The report and the flow results as CSV, safe to open in a spreadsheet (``bot.csvsafe``).

The report's CSV has one block per section of the page (a heading line, the column names,
the rows, an empty line), with the same rounded counts ("< 5") as the page.  The flow
results CSV has one line per answer: a pseudonym, the flow, the question (node), the answer
(the choice's id) and the local date and time.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from bot.csvsafe import SafeWriter
from bot.features.reports.service import FlowAnswer, Report
from bot.features.reports.view import Gettext, sections
from bot.localtime import show_local

#: What a spreadsheet needs to read UTF-8 (Excel guesses otherwise).
BOM = "\ufeff"


def report_csv(report: Report, lang: str, _: Gettext) -> str:
    """The whole report as CSV text."""
    out = io.StringIO()
    out.write(BOM)
    writer = SafeWriter(out, lineterminator="\r\n")
    writer.writerow([_("Bericht"), report.organisation])
    writer.writerow([_("Zeitraum"), f"{report.period.start} – {report.period.end}"])
    writer.writerow(
        [_("Zahlen von 1 bis 4 stehen als „< 5“ da, damit niemand erkannt werden kann.")]
    )
    writer.writerow([])
    for section in sections(report, lang, _):
        writer.writerow([section.title])
        writer.writerow(section.columns)
        writer.writerows(section.rows)
        if section.extra:
            writer.writerow([])
            writer.writerow(section.extra_columns)
            writer.writerows(section.extra)
        if section.note:
            writer.writerow([section.note])
        writer.writerow([])
    return out.getvalue()


FLOW_COLUMNS = ("pseudonym", "flow", "question", "answer", "answered_at")


def flow_results_csv(answers: Iterable[FlowAnswer], timezone: str) -> str:
    """The answers as CSV text (column names in English: they are data, for analysis)."""
    out = io.StringIO()
    out.write(BOM)
    writer = SafeWriter(out, lineterminator="\r\n")
    writer.writerow(FLOW_COLUMNS)
    for answer in answers:
        writer.writerow(
            [
                answer.pseudonym,
                answer.flow,
                answer.node,
                answer.answer,
                show_local(answer.answered_at, timezone),
            ]
        )
    return out.getvalue()


__all__ = ["BOM", "FLOW_COLUMNS", "flow_results_csv", "report_csv"]
