"""What staff do to a person from her profile: enrol her, export her data, delete her data.

Each action first checks that she belongs to one of the staff member's organisations (else
:class:`PersonNotFoundError`, as for an id that does not exist) and is written to
``audit_log`` with the staff member as actor, by the same code the command line uses:

* enrol: the courses feature's ``CourseService.enrol`` (audit ``course.enrol``; her reminders
  for the coming sessions are scheduled in the same transaction);
* export: ``my_data``'s ``gather``, ``as_json`` and ``as_text``, the two files of
  ``twc people export``, handed to the staff member's browser in one zip file, never stored
  (audit ``people.export``);
* delete: ``retention``'s ``delete_person``, the path of ``twc people delete``: the one
  :class:`bot.erasure.Eraser`, then a WAL checkpoint (audit ``person.erase`` under a random
  erasure id, reason ``request``).

What she is told when staff delete her data: nothing by the bot.  She asked by phone, letter
or in person, and the staff member answers her the same way: a last chat message would need
her address kept after the erasure, and could be read by whoever holds her phone.  The page
says so to the staff member.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.db.tables import courses
from bot.erasure import Erased
from bot.features.courses.service import CourseService
from bot.features.my_data.export import JSON_NAME, TEXT_NAME, as_json, as_text
from bot.features.my_data.gather import gather
from bot.features.people.profile import scoped_person
from bot.features.people.scope import PersonNotFoundError, Staff
from bot.features.retention.service import delete_person
from bot.staff.audit import record

if TYPE_CHECKING:
    from bot.runtime import Runtime


class ActionError(ValueError):
    """A request that cannot be done as asked; the code says why (for a friendly message)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Enrolled:
    """The result of an enrolment: the course, and whether she was in it already."""

    course_code: str
    already: bool


@dataclass(frozen=True, slots=True)
class Export:
    """Her data as the staff member downloads it: one zip with the JSON and the text file."""

    filename: str
    data: bytes
    json_text: str
    text: str


class PersonActions:
    """The profile's actions, for one runtime; each is one audited transaction."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def enrol(self, staff: Staff, person_id: int, course_id: int) -> Enrolled:
        """Enrol her in a course of her own organisation."""
        with self.runtime.db.connect() as conn:
            person = scoped_person(conn, staff, person_id)
            code = conn.execute(
                select(courses.c.code).where(
                    courses.c.id == course_id,
                    courses.c.organisation_id == person["organisation_id"],
                )
            ).scalar_one_or_none()
        if code is None:
            raise ActionError("no_such_course")
        service = CourseService(
            self.runtime.db, self.runtime.flow_engine.catalogs, self.runtime.clock, staff.actor
        )
        result = service.enrol(code, [person_id])
        if result["unknown"]:  # erased meanwhile
            raise PersonNotFoundError(person_id)
        return Enrolled(code, already=bool(result["already"]))

    def export(self, staff: Staff, person_id: int, language: str | None = None) -> Export:
        """Her data as ``twc people export`` writes it: the JSON and the text in ``language``
        (default: hers), zipped for one download."""
        now = self.runtime.clock()
        with self.runtime.db.begin() as conn:
            person = scoped_person(conn, staff, person_id)
            data = gather(conn, person_id, now)
            if data is None:
                raise PersonNotFoundError(person_id)
            chosen = language or str(data.profile.get("language") or "de")
            if self.runtime.flow_engine.languages.get(chosen) is None:
                raise ActionError("no_such_language")
            document = json.dumps(as_json(data, now), ensure_ascii=False, indent=2) + "\n"
            text = as_text(data, self.runtime.flow_engine, chosen, now)
            record(
                conn,
                now,
                staff.actor,
                "people.export",
                # "people": erasing her later removes her id from this entry.
                {"people": [person_id], "to": "web", "language": chosen},
                organisation_id=person["organisation_id"],
            )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            stamp = now.timetuple()[:6]
            for name, content in ((JSON_NAME, document), (TEXT_NAME, text)):
                archive.writestr(zipfile.ZipInfo(name, date_time=stamp), content.encode())
        filename = f"person-{person_id}-{now.date().isoformat()}.zip"
        return Export(filename, buffer.getvalue(), document, text)

    def delete(self, staff: Staff, person_id: int, *, confirmed: bool) -> Erased:
        """Delete her and everything about her, on her request; only when ``confirmed``."""
        with self.runtime.db.connect() as conn:
            scoped_person(conn, staff, person_id)
        if not confirmed:
            raise ActionError("not_confirmed")
        erased = delete_person(self.runtime, person_id, staff.actor)
        if erased is None:  # deleted meanwhile (she asked in the chat, or the purge)
            raise PersonNotFoundError(person_id)
        return erased


__all__ = ["ActionError", "Enrolled", "Export", "PersonActions"]
