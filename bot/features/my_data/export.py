"""Her data as two files: JSON for computers (documented keys) and text to read in her language.

Made when they are needed (when the message carrying them is sent, when Twilio fetches them,
when a coordinator runs ``twc people export``) and never stored.  The keys of the JSON file
are documented in ``docs/my-data.md`` ("The export file"); ``format`` names the version of
that layout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.features.my_data import texts as t
from bot.features.my_data.gather import PersonalData
from bot.features.my_data.summary import Renderer
from conversations.flow_engine import FlowEngine

#: The layout of the JSON file (change it when a key changes meaning).
FORMAT = "twc-personal-data/1"
JSON_NAME = "my-data.json"
TEXT_NAME = "my-data.txt"


@dataclass(frozen=True, slots=True)
class ExportFile:
    """One file of the export."""

    name: str
    content_type: str
    data: bytes


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _plain(value: Any) -> Any:
    """Times as ISO 8601 text, everything else as it is (JSON types)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def as_json(data: PersonalData, now: datetime) -> dict[str, Any]:
    """The machine-readable export (keys documented in ``docs/my-data.md``)."""
    document: dict[str, Any] = _plain(
        {
            "format": FORMAT,
            "exported_at": _time(now),
            "person_id": data.person_id,
            "organisation": {
                "slug": data.organisation.get("slug"),
                "name": data.organisation.get("name"),
            },
            "profile": data.profile,
            "channels": [
                {
                    "channel": c.channel,
                    "address": c.address,
                    "status": c.status,
                    "created_at": c.created_at,
                    "last_message_at": c.last_inbound_at,
                }
                for c in data.channels
            ],
            "courses": [
                {
                    "code": c.code,
                    "title": c.title,
                    "enrolled_at": c.enrolled_at,
                    "next_session": c.next_session,
                    "next_session_place": c.next_place,
                }
                for c in data.courses
            ],
            "attendance": [
                {
                    "session_starts_at": a.starts_at,
                    "course_title": a.course_title,
                    "answer": a.intention,
                    "reason": a.reason,
                    "answered_at": a.answered_at,
                    "feedback": a.feedback,
                    "feedback_at": a.feedback_at,
                }
                for a in data.answers
            ],
            "attendance_marks": [
                {
                    "session_starts_at": m.starts_at,
                    "course_title": m.course_title,
                    "present": m.present,
                    "marked_at": m.marked_at,
                }
                for m in data.marks
            ],
            "consents": data.consents,
            "requests_to_team": [
                {
                    "created_at": r.created_at,
                    "status": r.status,
                    "language": r.language,
                    "text": r.text,
                }
                for r in data.requests
            ],
            "media": [
                {
                    "channel": m.channel,
                    "kind": m.kind,
                    "content_type": m.content_type,
                    "url": m.url,
                    "received_at": m.received_at,
                }
                for m in data.media
            ],
            "conversation": data.conversation,
            "scheduled_messages": data.scheduled,
            "messages_to_her": data.messages,
            "left_out_of_broadcasts": data.left_out_of_broadcasts,
            "days_she_wrote": [day.isoformat() for day in data.activity_days],
            "answers_to_questions": data.flow_results,
            "mentor_profile": data.mentor_profile,
            "mentoring_requests": [
                {
                    "created_at": r.created_at,
                    "status": r.status,
                    "topics": r.topics,
                    "language": r.language,
                    "closed_at": r.closed_at,
                }
                for r in data.mentoring_requests
            ],
            "mentoring_introductions": [
                {
                    "as": i.role,
                    "status": i.status,
                    "proposed_at": i.proposed_at,
                    "started_at": i.started_at,
                    "ended_at": i.ended_at,
                    "her_rating": i.rating,
                }
                for i in data.introductions
            ],
            "job_answers": data.job_answers,
            "job_offers_told": [
                {
                    "title": n.title,
                    "town": n.town,
                    "sent_at": n.sent_at,
                    "her_answer": n.status,
                    "answered_at": n.answered_at,
                    "outcome": n.outcome,
                }
                for n in data.job_notices
            ],
        }
    )
    return document


def as_text(data: PersonalData, engine: FlowEngine, language: str, now: datetime) -> str:
    """The readable export in her language: every section in full."""
    table = engine.languages
    found = table.get(language) or table.get(table.master)
    assert found is not None
    renderer = Renderer(engine, found, str(data.organisation.get("timezone") or "Europe/Berlin"))
    title = renderer.tr(t.EXPORT_TITLE, date=renderer.day(now))
    return "\n\n".join([title, *renderer.sections(data, full=True)]) + "\n"


def text_file(data: PersonalData, engine: FlowEngine, language: str, now: datetime) -> ExportFile:
    """The readable export in her language, as a file."""
    text = as_text(data, engine, language, now)
    return ExportFile(TEXT_NAME, "text/plain; charset=utf-8", text.encode())


def json_file(data: PersonalData, now: datetime) -> ExportFile:
    """The machine-readable export, as a file."""
    document = json.dumps(as_json(data, now), ensure_ascii=False, indent=2) + "\n"
    return ExportFile(JSON_NAME, "application/json", document.encode())


def export_files(
    data: PersonalData, engine: FlowEngine, language: str, now: datetime
) -> tuple[ExportFile, ExportFile]:
    """The readable text and the JSON file, in the order she gets them."""
    return text_file(data, engine, language, now), json_file(data, now)


__all__ = [
    "FORMAT",
    "JSON_NAME",
    "TEXT_NAME",
    "ExportFile",
    "as_json",
    "as_text",
    "export_files",
    "json_file",
    "text_file",
]
