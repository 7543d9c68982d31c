"""A stand-in for the Bundesagentur für Arbeit's job search (``GET /pc/v4/jobs``) over real HTTP.

A small Starlette app served by uvicorn on a free port (:func:`ba_jobsearch`).  It answers in
the real service's shape (``stellenangebote`` with ``refnr``, ``titel``, ``beruf``,
``arbeitgeber``, ``arbeitsort`` {``plz``, ``ort``, ``region``, ``land``, ``koordinaten``},
``eintrittsdatum``, ``aktuelleVeroeffentlichungsdatum``, ``modifikationsTimestamp``,
``externeUrl``, ``hashId``; ``maxErgebnisse``, ``page``, ``size`` as strings, as the service
sends them), as described by bundesAPI/jobsuche-api (``openapi.yaml``; see
``tests/peers/README.md``), and checks what the real one requires or refuses:

* the header ``X-API-Key: jobboerse-jobsuche`` (else 403, as the service does);
* ``umkreis`` 0–200, ``veroeffentlichtseit`` 0–100, ``page`` ≥ 1, ``size`` 1–100,
  ``angebotsart`` one of 1, 2, 4, 34, ``arbeitszeit`` among ``vz tz snw ho mj`` (else 400).

It filters its offers by ``angebotsart``, ``arbeitszeit``, ``was`` (in the title or the
occupation) and ``veroeffentlichtseit`` (days before :attr:`JobSearchStandIn.today`), pages
them, and keeps every query it was asked (:attr:`JobSearchStandIn.requests`).  Told to, it
fails: ``fail_next`` (a list of status codes answered in turn, after
``ok_before_failing`` good answers), ``slow_next`` (that many
answers after ``slow_seconds``), ``garbage_next`` (answers that are not JSON).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.auxil.served import served

API_KEY = "jobboerse-jobsuche"
WORKING_TIMES = {"vz", "tz", "snw", "ho", "mj"}


@dataclass
class StandInOffer:
    """One offer the stand-in knows, with what its filters read."""

    refnr: str
    titel: str
    beruf: str
    ort: str
    plz: str
    published: date
    angebotsart: int = 1
    arbeitszeit: str = "tz"
    arbeitgeber: str = "Muster GmbH"
    eintrittsdatum: date | None = None
    externe_url: str | None = None

    def answer(self) -> dict[str, Any]:
        """The entry of ``stellenangebote``, as the service writes it."""
        item: dict[str, Any] = {
            "beruf": self.beruf,
            "titel": self.titel,
            "refnr": self.refnr,
            "arbeitsort": {
                "plz": self.plz,
                "ort": self.ort,
                "region": "Niedersachsen",
                "land": "Deutschland",
                "koordinaten": {"lat": 52.64, "lon": 9.21},
            },
            "arbeitgeber": self.arbeitgeber,
            "aktuelleVeroeffentlichungsdatum": self.published.isoformat(),
            "modifikationsTimestamp": f"{self.published.isoformat()}T08:15:02.123",
            "kundennummerHash": "Z-HzVkUCLGQiQFxQSAICs302sSdB9Sp7XtgOiO4GGCA=",
            "hashId": f"hash-{self.refnr}",
        }
        if self.eintrittsdatum is not None:
            item["eintrittsdatum"] = self.eintrittsdatum.isoformat()
        if self.externe_url is not None:
            item["externeUrl"] = self.externe_url
        return item


@dataclass
class JobSearchStandIn:
    """The service's state; the test adds offers and reads the requests."""

    today: date
    offers: list[StandInOffer] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    ok_before_failing: int = 0
    """Answer this many requests well before ``fail_next`` starts (a run that fails halfway)."""
    slow_next: int = 0
    slow_seconds: float = 2.0
    garbage_next: int = 0
    url: str = ""

    def matching(self, query: dict[str, str]) -> list[StandInOffer]:
        art = int(query.get("angebotsart", "1"))
        times = set(query["arbeitszeit"].split(";")) if "arbeitszeit" in query else None
        word = query.get("was", "").casefold()
        since = self.today - timedelta(days=int(query.get("veroeffentlichtseit", "100")))
        return [
            o
            for o in self.offers
            if o.angebotsart == art
            and (times is None or o.arbeitszeit in times)
            and (not word or word in o.titel.casefold() or word in o.beruf.casefold())
            and o.published >= since
        ]


def _bad(query: dict[str, str]) -> str | None:
    """What the real service would refuse in the query (``None``: nothing)."""
    ranges = {"umkreis": (0, 200), "veroeffentlichtseit": (0, 100), "page": (1, 10_000)}
    ranges["size"] = (1, 100)
    for name, (low, high) in ranges.items():
        if name in query:
            value = query[name]
            if not value.isdigit() or not low <= int(value) <= high:
                return f"bad {name}"
    if "angebotsart" in query and query["angebotsart"] not in {"1", "2", "4", "34"}:
        return "bad angebotsart"
    if "arbeitszeit" in query and not set(query["arbeitszeit"].split(";")) <= WORKING_TIMES:
        return "bad arbeitszeit"
    return None


def _app(state: JobSearchStandIn) -> Starlette:
    async def jobs(request: Request) -> Response:
        query = dict(request.query_params)
        state.requests.append(query)
        if request.headers.get("x-api-key") != API_KEY:
            return JSONResponse({"message": "Forbidden"}, status_code=403)
        if state.fail_next and len(state.requests) > state.ok_before_failing:
            return JSONResponse({"message": "Service Unavailable"}, state.fail_next.pop(0))
        if state.slow_next:
            state.slow_next -= 1
            await asyncio.sleep(state.slow_seconds)
        if state.garbage_next:
            state.garbage_next -= 1
            return PlainTextResponse("<html>Wartungsarbeiten</html>", status_code=200)
        if (problem := _bad(query)) is not None:
            return JSONResponse({"message": problem}, status_code=400)
        found = state.matching(query)
        page, size = int(query.get("page", "1")), int(query.get("size", "25"))
        shown = found[(page - 1) * size : page * size]
        body: dict[str, Any] = {
            "maxErgebnisse": str(len(found)),
            "page": str(page),
            "size": str(size),
            "facetten": [],
        }
        if shown:
            body["stellenangebote"] = [o.answer() for o in shown]
        return JSONResponse(body)

    return Starlette(routes=[Route("/pc/v4/jobs", jobs, methods=["GET"])])


@contextmanager
def ba_jobsearch(today: date) -> Iterator[JobSearchStandIn]:
    """The stand-in on a free port; ``url`` is what ``TWC_BA_JOBSEARCH_URL`` takes."""
    state = JobSearchStandIn(today=today)
    with served(_app(state)) as url:
        state.url = url
        yield state
