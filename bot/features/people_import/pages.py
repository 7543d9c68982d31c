"""The import pages under ``/staff/people/import`` (reached from the people directory).

* ``GET /staff/people/import``: help, the example files and the upload form.
* ``POST /staff/people/import``: the file is read (:mod:`.reading`) and imported as a dry run
  by the same :class:`~.importer.PeopleImporter` as ``twc people import``; the preview lists
  every row with its problem in plain words, or what will happen to it.  The rows are kept
  server-side only (:mod:`.pending`), tied to the staff session.
* ``POST /staff/people/import/confirm``: imports exactly the rows the preview showed as
  importable, deletes the kept upload and says how many were imported, enrolled, skipped.
* ``POST /staff/people/import/cancel``: deletes the kept upload.
* ``GET /staff/people/import/example.xlsx`` and ``.csv``: the example file.

The organisation is one of the staff member's (another is a 404, like one that does not
exist).  The file is limited before it is parsed: the web's body limit for this path is
:data:`BODY_LIMIT` (a clear page up to there), the file itself :data:`~.reading.MAX_BYTES`
and :data:`~.reading.MAX_ROWS` rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.db.tables import organisations
from bot.features.people_import.example import example_csv, example_xlsx
from bot.features.people_import.importer import ImportReport, PeopleImporter
from bot.features.people_import.pending import PendingUploads
from bot.features.people_import.reading import (
    MAX_BYTES,
    MAX_ROWS,
    WRONG_TYPE,
    ReadError,
    read_table,
    too_large,
)
from bot.web.staff.i18n import N_, language_name

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

PATH = "/staff/people/import"
#: The request body this path may have: four times the file, so a file somewhat too large
#: still gets the page that says so (beyond it the web's plain 413).
BODY_LIMIT = 4 * MAX_BYTES
ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx")
EXPIRED = N_(
    "Die Vorschau ist abgelaufen oder wurde schon importiert. Bitte laden Sie die Datei noch "
    "einmal hoch."
)
NO_FILE = N_("Bitte wählen Sie eine Datei aus.")
UNKNOWN_ORGANISATION = N_("Diese Organisation gibt es nicht.")
CHANNELS = {"whatsapp": "WhatsApp", "telegram": "Telegram"}


class ImportPages:
    """The endpoints; each wrapped in ``shell.page`` (login required)."""

    def __init__(self, runtime: Runtime, shell: StaffShell, uploads: PendingUploads) -> None:
        self.runtime = runtime
        self.shell = shell
        self.uploads = uploads

    @staticmethod
    def staff(request: Request) -> StaffUser:
        found: StaffUser = request.state.staff
        return found

    def importer(self, staff: StaffUser) -> PeopleImporter:
        return PeopleImporter(
            self.runtime.db,
            self.runtime.settings.secret_key,
            self.runtime.flow_engine.catalogs.languages,
            self.runtime.clock,
            staff.actor,
        )

    def _organisations(self, staff: StaffUser) -> list[tuple[int, str, list[str]]]:
        """Her organisations: id, name, towns."""
        with self.runtime.db.connect() as conn:
            rows = conn.execute(
                select(organisations.c.id, organisations.c.name, organisations.c.towns)
                .where(organisations.c.id.in_(sorted(staff.organisation_ids)))
                .order_by(organisations.c.name)
            ).all()
        return [(int(r.id), str(r.name), list(r.towns or [])) for r in rows]

    async def _form_async(
        self, request: Request, error: str | None = None, status: int = 200
    ) -> Response:
        orgs = await run_in_threadpool(self._organisations, self.staff(request))
        return self.shell.render(
            request,
            "people_import/upload.html",
            {
                "organisations": orgs,
                "error": error,
                "max_mb": MAX_BYTES // (1024 * 1024),
                "max_rows": MAX_ROWS,
            },
            status,
        )

    def _session_id(self, request: Request) -> int:
        session = self.shell.session_of(request)
        assert session is not None  # shell.page let only a session through
        return session.id

    # ---- pages ----------------------------------------------------------------------------

    async def form(self, request: Request) -> Response:
        return await self._form_async(request)

    async def upload(self, request: Request) -> Response:
        _ = self.shell.gettext(request)
        staff = self.staff(request)
        form = await request.form(max_files=1, max_fields=10)
        try:
            upload = form.get("file")
            organisation = self._chosen(staff, str(form.get("organisation", "")))
            if organisation is None:
                return self.shell.refused(request, 404, _(UNKNOWN_ORGANISATION))
            if not isinstance(upload, UploadFile) or not upload.filename:
                return await self._form_async(request, _(NO_FILE), 400)
            filename = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:120]
            if not filename.lower().endswith(ALLOWED_SUFFIXES):
                return await self._form_async(request, _(WRONG_TYPE), 415)
            data = await upload.read(MAX_BYTES + 1)
        finally:
            await form.close()
        try:
            if len(data) > MAX_BYTES:
                raise too_large()
            table = await run_in_threadpool(read_table, data, filename)
        except ReadError as error:
            status = 413 if error.message == too_large().message else 400
            return await self._form_async(request, _(error.message) % error.params, status)
        report = await run_in_threadpool(
            lambda: self.importer(staff).run_table(table, organisation, dry_run=True)
        )
        await run_in_threadpool(
            self.uploads.save,
            self._session_id(request),
            staff.id,
            organisation,
            filename,
            table,
            report.importable_lines,
        )
        return self._preview(request, filename, table.unknown_headers, report)

    def _chosen(self, staff: StaffUser, value: str) -> int | None:
        """The organisation asked for, if hers; hers when she has only one and none is
        asked for."""
        if not value.strip():
            ids = sorted(staff.organisation_ids)
            return ids[0] if len(ids) == 1 else None
        if not value.strip().isdigit() or len(value) > 10:
            return None
        number = int(value)
        return number if number in staff.organisation_ids else None

    def _preview(
        self, request: Request, filename: str, unknown: list[str], report: ImportReport
    ) -> Response:
        outcomes = report.outcomes
        lang = self.shell.language(request)
        return self.shell.render(
            request,
            "people_import/preview.html",
            {
                "filename": filename,
                "unknown_headers": unknown,
                "problems": [o for o in outcomes if o.status == "problem"],
                "importable": [o for o in outcomes if o.status != "problem"],
                "new": sum(1 for o in outcomes if o.status == "new"),
                "existing": sum(1 for o in outcomes if o.status == "existing"),
                "enrolled": report.enrolled,
                "rows": report.rows,
                "say": self._say(request),
                "language_name": lambda code: language_name(code, lang),
                "channel_names": lambda channels: ", ".join(CHANNELS.get(c, c) for c in channels),
            },
        )

    def _say(self, request: Request) -> Callable[[str, dict[str, Any]], str]:
        """A German msgid with its fields, in the staff member's language."""
        _ = self.shell.gettext(request)
        return lambda message, params: _(message) % params if params else _(message)

    async def confirm(self, request: Request) -> Response:
        _ = self.shell.gettext(request)
        staff = self.staff(request)
        session_id = self._session_id(request)
        pending = await run_in_threadpool(self.uploads.load, session_id, staff.id)
        if pending is None or pending.organisation_id not in staff.organisation_ids:
            return await self._form_async(request, _(EXPIRED), 410)
        try:
            report = await run_in_threadpool(
                lambda: self.importer(staff).run_table(
                    pending.table, pending.organisation_id, only_lines=pending.lines
                )
            )
        finally:
            await run_in_threadpool(self.uploads.delete, session_id)
        skipped = len(pending.table.rows) - len(report.created) - len(report.existing)
        return self.shell.render(
            request,
            "people_import/done.html",
            {
                "created": len(report.created),
                "existing": len(report.existing),
                "enrolled": report.enrolled,
                "reminders": report.reminders,
                "skipped": skipped,
                "problems": [o for o in report.outcomes if o.status == "problem"],
                "say": self._say(request),
            },
        )

    async def cancel(self, request: Request) -> Response:
        await run_in_threadpool(self.uploads.delete, self._session_id(request))
        return RedirectResponse(PATH, status_code=303)

    async def example(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        orgs = await run_in_threadpool(self._organisations, self.staff(request))
        towns = orgs[0][2] if orgs else []
        if kind == "xlsx":
            data = await run_in_threadpool(example_xlsx, towns)
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        elif kind == "csv":
            data, media = example_csv(towns), "text/csv; charset=utf-8"
        else:
            return self.shell.not_found(request)
        return Response(
            data,
            media_type=media,
            headers={
                "content-disposition": f'attachment; filename="personen-beispiel.{kind}"',
                "cache-control": "no-store",
            },
        )


def staff_pages(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """The import routes, each behind the shell's login."""
    uploads = PendingUploads(runtime.settings.secret_key, runtime.clock)
    pages = ImportPages(runtime, shell, uploads)
    page: Callable[..., Any] = shell.page
    return [
        Route(PATH, page(pages.form), methods=["GET"]),
        Route(PATH, page(pages.upload), methods=["POST"]),
        Route(f"{PATH}/confirm", page(pages.confirm), methods=["POST"]),
        Route(f"{PATH}/cancel", page(pages.cancel), methods=["POST"]),
        Route(PATH + "/example.{kind}", page(pages.example), methods=["GET"]),
    ]


__all__ = ["BODY_LIMIT", "PATH", "ImportPages", "staff_pages"]
