"""People import: the lists coordinators already have, from the browser
(``/staff/people/import``: upload, preview, confirm) or ``twc people import FILE``; both run
:class:`PeopleImporter`.

CSV (any common encoding and delimiter) or Excel, headers and language names in German,
English, Italian, Portuguese and Greek (:mod:`.reading`, :mod:`.language_names`); phone
numbers to E.164 in the organisation's country, towns checked against the organisation's,
paper consent with its date, enrolment in a course (its reminders scheduled through the
courses feature), every bad row reported with its line and reason; running it twice changes
nothing.  Between preview and confirm the rows are kept encrypted on the server only
(:mod:`.pending`).
"""

from bot.features.feature import Feature
from bot.features.people_import.cli import register
from bot.features.people_import.importer import PeopleImporter, PeopleImportError
from bot.features.people_import.pages import BODY_LIMIT, PATH, staff_pages

FEATURE = Feature(
    name="people_import",
    cli=register,
    staff_pages=staff_pages,
    body_limits={PATH: BODY_LIMIT},
)

__all__ = ["FEATURE", "PeopleImportError", "PeopleImporter"]
