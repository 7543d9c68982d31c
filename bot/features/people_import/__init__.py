"""People import: the lists coordinators already have (``twc people import FILE.csv``).

Phone numbers to E.164 in the organisation's country, paper consent with its date, enrolment
in a course (its reminders scheduled through the courses feature), every bad row reported with
its line and reason; running it twice changes nothing.
"""

from bot.features.feature import Feature
from bot.features.people_import.cli import register
from bot.features.people_import.importer import PeopleImporter, PeopleImportError

FEATURE = Feature(name="people_import", cli=register)

__all__ = ["FEATURE", "PeopleImportError", "PeopleImporter"]
