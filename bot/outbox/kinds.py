"""The outbox kind of a scheduled message, and the values a WhatsApp template needs.

Course reminders are their own kind, so that outside WhatsApp's 24-hour window they go as the
approved ``course_reminder`` template with her name, course, date, time and place; every other
message the bot starts is a ``nudge``, unless the trigger names its template kind itself:
a feature's nudge puts ``template: <kind>`` among a trigger's values (a mentor's introduction
goes as the ``introduction`` template), and the trigger's values fill that template.
"""

from __future__ import annotations

from conversations.events import Event, TriggerIn
from conversations.model import Profile

#: The trigger value that names the outbox kind (the WhatsApp template) of its message.
TEMPLATE_KEY = "template"


def kind_and_values(event: Event, profile: Profile) -> tuple[str, dict[str, str] | None]:
    """The outbox kind of a scheduled message and the values a WhatsApp template may need.

    Course reminders are their own kind, so that outside WhatsApp's 24-hour window they go
    as the approved ``course_reminder`` template with her name, course, date, time and place.
    """
    if isinstance(event, TriggerIn) and event.target == "course.reminder":
        values = {key: str(value) for key, value in event.values.items()}
        values.setdefault("date", values.get("day", ""))
        values["name"] = profile.display_name or ""
        return "course_reminder", values
    if isinstance(event, TriggerIn) and event.values.get(TEMPLATE_KEY):
        values = {key: str(value) for key, value in event.values.items() if key != TEMPLATE_KEY}
        values.setdefault("name", profile.display_name or "")
        return str(event.values[TEMPLATE_KEY]), values
    return "nudge", None
