"""Courses: sessions, reminders before each, "I'm coming / I can't come", attendance lists,
and "add to calendar" files.

Coordinators plan with ``twc courses|sessions|enrol|nudges`` (:mod:`.cli` over
:mod:`.service`); reminders are nudge rows (:mod:`.reminders`, kind :data:`.nudges.REMINDER`)
that fire ``flows/course.yaml``; her answer is the ``record_attendance`` action
(:mod:`.effects`); a reminder brings its session's calendar file (:mod:`.attachments`, served
at ``/calendar/session/<token>.ics`` by :mod:`.calendar`).  Staff plan courses and sessions
in the browser at ``/staff/courses`` (:mod:`.pages`, templates in ``templates/courses/``),
through the same service as the command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.features.courses.attachments import CalendarAttachments
from bot.features.courses.calendar import calendar_routes, session_link
from bot.features.courses.cli import register
from bot.features.courses.effects import AttendanceWriter, RecordAttendance, record_attendance
from bot.features.courses.nudges import REMINDER
from bot.features.courses.pages import PATH, staff_pages
from bot.features.courses.reminders import schedule_session, schedule_sessions
from bot.features.courses.service import CourseError, CourseService
from bot.features.feature import Feature, NavItem
from bot.web.staff.i18n import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime

#: The outbox kind of a reminder (it brings a calendar file).
REMINDER_MESSAGE = "course_reminder"


def _routes(runtime: Runtime) -> list[Any]:
    return calendar_routes(runtime.db, runtime.settings.secret_key, runtime.clock)


def _calendar_files(runtime: Runtime) -> CalendarAttachments:
    return CalendarAttachments(runtime.db, runtime.clock)


FEATURE = Feature(
    name="courses",
    flows=Path(__file__).resolve().parent / "flows",
    actions={"record_attendance": record_attendance},
    effect_writers=(AttendanceWriter,),
    nudge_kinds=(REMINDER,),
    attachments={REMINDER_MESSAGE: _calendar_files},
    routes=_routes,
    cli=register,
    staff_pages=staff_pages,
    staff_nav=(NavItem(PATH, N_("Kurse"), order=30),),
)

__all__ = [
    "FEATURE",
    "CourseError",
    "CourseService",
    "RecordAttendance",
    "schedule_session",
    "schedule_sessions",
    "session_link",
]
