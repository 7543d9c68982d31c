"""``/staff/reports``: the funder's numbers for a period, as tables, bar charts and CSV.

* ``GET /staff/reports``: the report of one organisation (``organisation``: its id, when she
  belongs to several) for a period: a preset (``preset=this_month|last_month|last_quarter|
  this_year|last_year``) or two dates (``from``, ``to``, ``YYYY-MM-DD``, local days); this
  month by default.
* ``GET /staff/reports.csv``: the same report as CSV (same parameters).
* ``GET /staff/reports/flows``: choose a flow and dates; ``GET /staff/reports/flows.csv``:
  the answers to that flow's questions, pseudonymous (an ``audit_log`` entry per download).

Another organisation's id is a 404, like one that does not exist; wrong dates are said in
plain words (400) and nothing is counted.  Everything is read in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from babel.dates import format_date
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.features.reports.charts import bar_chart
from bot.features.reports.export import flow_results_csv, report_csv
from bot.features.reports.period import (
    PRESETS,
    Period,
    PeriodError,
    between,
    local_today,
    parse_day,
    preset,
)
from bot.features.reports.service import OrganisationRef, ReportService
from bot.features.reports.view import sections
from bot.staff.audit import record
from bot.web.staff.i18n import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

PATH = "/staff/reports"
FLOWS_PATH = "/staff/reports/flows"
BARRIERS_PATH = "/staff/barriers"
MAX_ID = 2**31 - 1
PRESET_LABELS = {
    "this_month": N_("Dieser Monat"),
    "last_month": N_("Letzter Monat"),
    "last_quarter": N_("Letztes Quartal"),
    "this_year": N_("Dieses Jahr"),
    "last_year": N_("Letztes Jahr"),
}
BAD_DATES = N_(
    "Bitte geben Sie zwei Tage an (von, bis), der zweite nicht vor dem ersten, höchstens "
    "zehn Jahre auseinander."
)
NO_FLOW = N_("Bitte wählen Sie einen Ablauf, zu dem es Antworten gibt.")


@dataclass(frozen=True, slots=True)
class Asked:
    """What the query string asks for: an organisation and a period (or why not)."""

    organisation: OrganisationRef
    period: Period
    preset: str
    error: str | None = None


class ReportPages:
    """The report pages of one running app."""

    def __init__(self, runtime: Runtime, shell: StaffShell) -> None:
        self.runtime = runtime
        self.shell = shell
        self.service = ReportService(runtime.db, runtime.settings.secret_key)

    def routes(self) -> list[BaseRoute]:
        page = self.shell.page
        return [
            Route(PATH, page(self.show), methods=["GET"]),
            Route(f"{PATH}.csv", page(self.download), methods=["GET"]),
            Route(FLOWS_PATH, page(self.flows), methods=["GET"]),
            Route(f"{FLOWS_PATH}.csv", page(self.flows_download), methods=["GET"]),
        ]

    # ---- the report -----------------------------------------------------------------------

    async def show(self, request: Request) -> Response:
        asked = await self._asked(request)
        if asked is None:
            return self.shell.not_found(request)
        _ = self.shell.gettext(request)
        lang = self.shell.language(request)
        context = await self._form_context(request, asked)
        if asked.error is not None:
            return self.shell.render(
                request, "reports/report.html", {**context, "error": _(asked.error)}, 400
            )
        report = await run_in_threadpool(
            self.service.report, asked.organisation, asked.period, self.runtime.clock()
        )
        shown = [
            (section, bar_chart(section.title, section.chart, f"chart-{section.key}"))
            if section.chart
            else (section, None)
            for section in sections(report, lang, _)
        ]
        return self.shell.render(
            request,
            "reports/report.html",
            {**context, "report": report, "sections": shown},
        )

    async def download(self, request: Request) -> Response:
        asked = await self._asked(request)
        if asked is None:
            return self.shell.not_found(request)
        if asked.error is not None:
            _ = self.shell.gettext(request)
            return self.shell.refused(request, 400, _(asked.error))
        report = await run_in_threadpool(
            self.service.report, asked.organisation, asked.period, self.runtime.clock()
        )
        text = report_csv(report, self.shell.language(request), self.shell.gettext(request))
        name = f"report-{asked.organisation.slug}-{asked.period.start}-{asked.period.end}.csv"
        return _csv(text, name)

    # ---- flow results ---------------------------------------------------------------------

    async def flows(self, request: Request) -> Response:
        asked = await self._asked(request)
        if asked is None:
            return self.shell.not_found(request)
        _ = self.shell.gettext(request)
        context = await self._form_context(request, asked)
        flows = await run_in_threadpool(self.service.flows, asked.organisation.id)
        flow = request.query_params.get("flow", "")
        context.update(flows=flows, flow=flow if flow in flows else "")
        if asked.error is not None:
            return self.shell.render(
                request, "reports/flows.html", {**context, "error": _(asked.error)}, 400
            )
        return self.shell.render(request, "reports/flows.html", context)

    async def flows_download(self, request: Request) -> Response:
        staff: StaffUser = request.state.staff
        asked = await self._asked(request)
        if asked is None:
            return self.shell.not_found(request)
        _ = self.shell.gettext(request)
        if asked.error is not None:
            return self.shell.refused(request, 400, _(asked.error))
        flow = request.query_params.get("flow", "")
        flows = await run_in_threadpool(self.service.flows, asked.organisation.id)
        if flow not in flows:
            return self.shell.refused(request, 400, _(NO_FLOW))
        organisation, period = asked.organisation, asked.period

        def export() -> str:
            answers = list(self.service.flow_results(organisation, flow, period))
            with self.runtime.db.begin() as conn:
                record(
                    conn,
                    self.runtime.clock(),
                    staff.actor,
                    "reports.flow_results",
                    {
                        "flow": flow,
                        "from": str(period.start),
                        "to": str(period.end),
                        "rows": len(answers),
                    },
                    organisation_id=organisation.id,
                )
            return flow_results_csv(answers, period.timezone)

        text = await run_in_threadpool(export)
        name = f"flow-{flow}-{organisation.slug}-{period.start}-{period.end}.csv"
        return _csv(text, name)

    # ---- helpers --------------------------------------------------------------------------

    async def _asked(self, request: Request) -> Asked | None:
        """The organisation and period of the query; ``None`` when the organisation is not
        hers (a 404)."""
        staff: StaffUser = request.state.staff
        mine = await run_in_threadpool(self.service.organisations, sorted(staff.organisation_ids))
        if not mine:
            return None
        wanted = request.query_params.get("organisation", "")
        if wanted:
            if not wanted.isdigit() or not 0 < int(wanted) <= MAX_ID:
                return None
            chosen = next((o for o in mine if o.id == int(wanted)), None)
            if chosen is None:
                return None
        else:
            chosen = mine[0]
        today = local_today(self.runtime.clock(), chosen.timezone)
        name = request.query_params.get("preset", "")
        start, end = request.query_params.get("from", ""), request.query_params.get("to", "")
        if name in PRESETS or not (start or end):
            name = name if name in PRESETS else "this_month"
            return Asked(chosen, preset(name, today, chosen.timezone), name)
        try:
            period = between(parse_day(start), parse_day(end), chosen.timezone)
        except PeriodError:
            return Asked(chosen, preset("this_month", today, chosen.timezone), "", BAD_DATES)
        return Asked(chosen, period, "")

    async def _form_context(self, request: Request, asked: Asked) -> dict[str, Any]:
        staff: StaffUser = request.state.staff
        _ = self.shell.gettext(request)
        mine = await run_in_threadpool(self.service.organisations, sorted(staff.organisation_ids))
        query = {
            "organisation": asked.organisation.id,
            "from": asked.period.start.isoformat(),
            "to": asked.period.end.isoformat(),
        }
        lang = self.shell.language(request)
        start = format_date(asked.period.start, "medium", locale=lang)
        end = format_date(asked.period.end, "medium", locale=lang)
        return {
            "period_label": f"{start} – {end}",
            "organisation": asked.organisation,
            "organisations": mine,
            "period": asked.period,
            "preset": asked.preset,
            "presets": [(key, _(label)) for key, label in PRESET_LABELS.items()],
            "query": urlencode(query),
            "from_value": request.query_params.get("from", "")[:10]
            if asked.error
            else asked.period.start.isoformat(),
            "to_value": request.query_params.get("to", "")[:10]
            if asked.error
            else asked.period.end.isoformat(),
            "barriers_path": BARRIERS_PATH,
            "error": None,
        }


def _csv(text: str, name: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The feature's routes (``Feature.staff_pages``)."""
    return ReportPages(runtime, shell).routes()


__all__ = ["FLOWS_PATH", "PATH", "ReportPages", "staff_pages"]
