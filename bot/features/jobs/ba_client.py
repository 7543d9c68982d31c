"""A client for the Bundesagentur für Arbeit's job search ("Jobsuche", its public REST API).

Only the search is used: ``GET {base}/pc/v4/jobs`` with the header ``X-API-Key:
jobboerse-jobsuche`` (the public client id of the BA's own app) and the query ``was``, ``wo``,
``umkreis``, ``angebotsart``, ``arbeitszeit``, ``veroeffentlichtseit``, ``page`` (from 1),
``size``.  The answer lists ``stellenangebote`` (``refnr``, ``titel``, ``beruf``,
``arbeitgeber``, ``arbeitsort`` {``ort``, ``plz``, ``region``, ``koordinaten``},
``eintrittsdatum``, ``aktuelleVeroeffentlichungsdatum``, ``modifikationsTimestamp``,
``externeUrl``) and ``maxErgebnisse`` (all hits, as a string).  The interface is the one the
BA's app uses, described by the community at https://jobsuche.api.bund.dev (bundesAPI).

The BA is an outside service that can be slow, down or change its answer: every call has a
timeout and three tries (network errors, 429, 5xx), and every failure becomes a
:class:`JobSearchError` with a plain sentence (shown to staff as the import's last error).
Nothing about the women is ever sent there: only the organisation's place, radius and words.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

#: The public service (``TWC_BA_JOBSEARCH_URL`` overrides it).
DEFAULT_URL = "https://rest.arbeitsagentur.de/jobboerse/jobsuche-service"
#: The public client id of the BA's job search app, sent as ``X-API-Key``.
API_KEY = "jobboerse-jobsuche"
#: Seconds to connect and to wait for a page of results.
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
#: Results per page (the API allows up to 100).
PAGE_SIZE = 50
#: At most this many pages per search: a daily import of a district needs far fewer.
MAX_PAGES = 4
#: Where a person reads an offer without an employer's own page.
DETAIL_URL = "https://www.arbeitsagentur.de/jobsuche/jobdetail/{refnr}"


#: Why a search failed (stored as ``code`` or ``code:status`` in ``last_error``), in English
#: for the command line; the staff page has its own translated sentences for the codes.
REASONS = {
    "timeout": "The job search did not answer in time.",
    "unreachable": "The job search could not be reached.",
    "server_error": "The job search answered with an error ({status}).",
    "refused": "The job search refused the search ({status}).",
    "unreadable": "The job search sent an answer we cannot read.",
    "no_place": "No place is set for the import.",
    "busy": "Another import of the same offers was running at the same time; try again.",
}


class JobSearchError(RuntimeError):
    """The job search could not be read (down, refused, too slow, an answer we cannot read)."""

    def __init__(self, code: str, status: int | None = None) -> None:
        self.code = code
        self.status = status
        super().__init__(describe(self.stored))

    @property
    def stored(self) -> str:
        """``timeout`` or ``server_error:503``: what ``job_import_settings.last_error`` keeps."""
        return f"{self.code}:{self.status}" if self.status is not None else self.code


def split_reason(stored: str) -> tuple[str, str]:
    """``"server_error:503"`` → ``("server_error", "503")``."""
    code, _, status = stored.partition(":")
    return code, status


def describe(stored: str) -> str:
    """A stored reason as an English sentence (an unknown one as it is)."""
    code, status = split_reason(stored)
    return REASONS[code].format(status=status) if code in REASONS else stored


class _RetryableError(JobSearchError):
    """A failure worth another try (network, timeout, 5xx, 429)."""


@dataclass(frozen=True, slots=True)
class Search:
    """One search: the organisation's place, radius and one keyword, one kind of offer."""

    place: str
    radius_km: int
    keyword: str = ""
    angebotsart: int = 1
    """1 work, 4 training (Ausbildung), 34 internship (Praktikum/Trainee)."""
    arbeitszeit: str | None = None
    """``mj`` mini-job, ``tz`` part-time, ``vz`` full-time (work only)."""
    published_within_days: int = 28

    def params(self, page: int) -> dict[str, str]:
        """The query of one page."""
        params = {
            "wo": self.place,
            "umkreis": str(self.radius_km),
            "angebotsart": str(self.angebotsart),
            "veroeffentlichtseit": str(self.published_within_days),
            "page": str(page),
            "size": str(PAGE_SIZE),
        }
        if self.keyword:
            params["was"] = self.keyword
        if self.arbeitszeit:
            params["arbeitszeit"] = self.arbeitszeit
        return params


@dataclass(frozen=True, slots=True)
class FoundOffer:
    """What one search result says, as far as an offer in review needs it."""

    refnr: str
    title: str
    employer: str | None
    town: str
    published_on: date | None
    starts_on: date | None
    url: str


def _date(value: Any) -> date | None:
    """An ISO date (``2026-12-01``, or the date part of a timestamp); anything else: none."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _text(value: Any, limit: int) -> str:
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def parse_offer(item: Mapping[str, Any]) -> FoundOffer | None:
    """One entry of ``stellenangebote``; ``None`` when it lacks a reference or a title."""
    refnr = _text(item.get("refnr"), 64)
    title = _text(item.get("titel"), 200) or _text(item.get("beruf"), 200)
    if not refnr or not title:
        return None
    place = item.get("arbeitsort")
    town = _text(place.get("ort"), 200) if isinstance(place, Mapping) else ""
    url = _text(item.get("externeUrl"), 500)
    if not url.startswith(("https://", "http://")):
        url = DETAIL_URL.format(refnr=refnr)
    return FoundOffer(
        refnr=refnr,
        title=title,
        employer=_text(item.get("arbeitgeber"), 200) or None,
        town=town,
        published_on=_date(item.get("aktuelleVeroeffentlichungsdatum")),
        starts_on=_date(item.get("eintrittsdatum")),
        url=url,
    )


class JobSearchClient:
    """The search, page by page (thread-safe; one per import run or process)."""

    def __init__(
        self,
        url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        self.url = (url or DEFAULT_URL).rstrip("/") + "/pc/v4/jobs"
        self.client = httpx.Client(
            timeout=timeout,
            transport=transport,
            headers={"X-API-Key": API_KEY, "Accept": "application/json"},
        )

    def search(self, search: Search) -> Iterator[FoundOffer]:
        """Every offer of the search, up to :data:`MAX_PAGES` pages (entries without a
        reference or a title are left out)."""
        seen = 0
        for page in range(1, MAX_PAGES + 1):
            body = self._page(search.params(page))
            items = body.get("stellenangebote") or []
            if not isinstance(items, list):
                raise JobSearchError("unreadable")
            for item in items:
                if isinstance(item, Mapping) and (found := parse_offer(item)) is not None:
                    yield found
            seen += len(items)
            total = _int(body.get("maxErgebnisse"))
            if len(items) < PAGE_SIZE or (total is not None and seen >= total):
                return

    def _page(self, params: dict[str, str]) -> dict[str, Any]:
        try:
            return self._get(params)
        except _RetryableError as error:
            raise JobSearchError(error.code, error.status) from None

    @retry(
        retry=retry_if_exception_type(_RetryableError),
        stop=stop_after_attempt(3),
        wait=wait_exponential(multiplier=0.5, max=4),
        reraise=True,
    )
    def _get(self, params: dict[str, str]) -> dict[str, Any]:
        try:
            response = self.client.get(self.url, params=params)
        except httpx.TimeoutException:
            raise _RetryableError("timeout") from None
        except httpx.InvalidURL:
            raise JobSearchError("unreachable") from None  # TWC_BA_JOBSEARCH_URL is wrong
        except httpx.HTTPError:
            raise _RetryableError("unreachable") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise _RetryableError("server_error", response.status_code)
        if response.status_code == 204:
            return {}
        if response.status_code != 200:
            raise JobSearchError("refused", response.status_code)
        try:
            body = response.json()
        except ValueError:
            raise JobSearchError("unreadable") from None
        if not isinstance(body, dict):
            raise JobSearchError("unreadable")
        return body

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


__all__ = [
    "DEFAULT_URL",
    "REASONS",
    "FoundOffer",
    "JobSearchClient",
    "JobSearchError",
    "Search",
    "describe",
    "split_reason",
]
