"""Everything stored about her as readable text in her language: the "my data" messages and
the readable file of her export.

Stored codes are shown as the words she saw when she chose them (her interests, "I can't
come", "I am ill"), dates the way her language writes them in her organisation's time zone.
In the chat her addresses are masked ("+49 … 23") and her questions shortened to their first
words; the export file has them in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.features.my_data import texts as t
from bot.features.my_data.gather import PersonalData
from conversations import system_texts as st
from conversations.consent import MESSAGES, PURPOSES
from conversations.flow_engine import FlowEngine
from conversations.i18n import format_day, format_moment
from conversations.languages import Language
from conversations.texts import Text

#: A message in the chat stays below this many characters: WhatsApp takes 1 600 per message,
#: and the last one may still get a numbered menu.
MESSAGE_LIMIT = 1200
#: How much of a question to the team the chat shows.
FIRST_WORDS = 60
#: Where her answers about sessions come from (labels she pressed): flow and node ids.
REMINDER = ("course", "reminder")
REASONS = ("course", "ask_reason")
FEEDBACK = ("checkin", "feedback")
INTENTION_CHOICE = {"coming": "coming", "not_coming": "cannot"}
CHANNEL_NAMES = {"whatsapp": "WhatsApp", "telegram": "Telegram", "simulator": "Simulator"}


def mask(address: str) -> str:
    """An address she recognises but a shoulder-surfer cannot use: ``+49 … 23``."""
    plain = address.removeprefix("whatsapp:").strip()
    if plain.startswith("+") and len(plain) > 6:
        return f"{plain[:3]} … {plain[-2:]}"
    if len(plain) > 4:
        return f"… {plain[-2:]}"
    return "…"


@dataclass(frozen=True, slots=True)
class Renderer:
    """Writes one person's data in one language."""

    engine: FlowEngine
    language: Language
    timezone: str

    def tr(self, text: Text, **values: object) -> str:
        return self.engine.catalogs.render(self.language, text, **values)

    def day(self, moment: datetime) -> str:
        return format_day(moment, self.language, self.timezone)

    def comma(self) -> str:
        """The comma of her language between a date and a course ("، " in Arabic)."""
        return self.tr(st.LIST_SEPARATOR)

    def choice_label(self, where: tuple[str, str], choice_id: str) -> str:
        """The label of a flow's choice in her language (the code if the flow is gone)."""
        flow = self.engine.flows.get(where[0])
        node = flow.nodes.get(where[1]) if flow else None
        if node is None:
            return choice_id
        for option in self.engine.static_options(where[0], node, self.language):
            if option.id == choice_id:
                return option.label
        return choice_id

    def course_title(self, titles: dict[str, str]) -> str:
        """A course title in her language, else the organisation's, else any."""
        return (
            titles.get(self.language.code)
            or titles.get("de")
            or next(iter(titles.values()), "")
            or self.tr(st.NOT_GIVEN)
        )

    def sections(self, data: PersonalData, *, full: bool = False) -> list[str]:
        """Every part of her data, each a heading and its lines."""
        none = self.tr(st.NOT_GIVEN)
        # The team's marks only when there are any: most sessions are never marked, and an
        # empty heading about being checked on would only puzzle her.
        marks = [self.section(t.MARKS, self.marks(data), none)] if data.marks else []
        mentoring = self.mentoring(data)
        mentoring_section = [self.section(t.MENTORING, mentoring, none)] if mentoring else []
        jobs = self.jobs(data)
        jobs_section = [self.section(t.JOBS, jobs, none)] if jobs else []
        return [
            self.about(data),
            self.section(t.CHANNELS, self.channels(data, full), none),
            self.section(t.COURSES, self.courses(data), none),
            self.section(t.ATTENDANCE, self.attendance(data), none),
            self.section(t.FEEDBACK, self.feedback(data), none),
            *marks,
            *mentoring_section,
            *jobs_section,
            self.section(t.CONSENTS, self.consents(data), none),
            self.section(t.REQUESTS, self.requests(data, full), none),
            self.section(t.MEDIA, self.media(data), none),
            self.section(t.STATISTICS, self.statistics(data, full), none),
        ]

    def mentoring(self, data: PersonalData) -> list[str]:
        """Her mentor profile, her requests for a mentor, her side of each introduction:
        topics and times as the buttons she pressed, languages named by Babel."""
        separator = self.tr(st.LIST_SEPARATOR)
        none = self.tr(st.NOT_GIVEN)
        names = self.language.babel_locale.languages

        def listed(items: Sequence[str]) -> str:
            return separator.join(items) or none

        def topics(ids: Sequence[str], flow: str) -> str:
            return listed([self.choice_label((flow, "ask_topics"), i) for i in ids])

        lines = []
        profile = data.mentor_profile
        if profile is not None:
            status = self.tr(t.MENTOR_STATUS.get(profile["status"], t.MENTOR_STATUS["active"]))
            paused = profile.get("paused_until")
            if paused is not None and profile["status"] == "active":
                status = self.tr(t.MENTOR_PAUSED, date=self.day(paused))
            lines.append(
                self.tr(
                    t.MENTOR_PROFILE,
                    status=status,
                    languages=listed([names.get(c, c) for c in profile.get("languages") or []]),
                    topics=topics(profile.get("topics") or [], "mentor"),
                    capacity=profile.get("capacity"),
                    times=listed(
                        [
                            self.choice_label(("mentor", "ask_time"), i)
                            for i in profile.get("availability") or []
                        ]
                    ),
                )
            )
        for request in data.mentoring_requests:
            lines.append(
                self.tr(
                    t.MENTORING_REQUEST,
                    date=self.day(request.created_at),
                    status=self.tr(t.REQUEST_STATUS[request.status])
                    if request.status in t.REQUEST_STATUS
                    else request.status,
                    topics=topics(request.topics, "mentee"),
                    wished=names.get(request.language, none) if request.language else none,
                )
            )
        for introduction in data.introductions:
            state = t.INTRODUCTION_STATUS.get(introduction.status)
            lines.append(
                self.tr(
                    t.INTRODUCTION,
                    date=self.day(introduction.proposed_at),
                    status=self.tr(state) if state else introduction.status,
                )
            )
        return lines

    def jobs(self, data: PersonalData) -> list[str]:
        """Her answers for job offers (as the buttons she pressed) and the offers we told
        her about, with her answer."""
        lines = []
        answers = data.job_answers
        if answers is not None:
            hours, travel = answers.get("hours"), answers.get("travel_km")
            lines.append(
                self.tr(
                    t.JOB_ANSWERS,
                    german=self.choice_label(
                        ("jobs", "ask_german"), str(answers.get("german", "none")).lower()
                    ),
                    hours=self.choice_label(("jobs", "ask_hours"), f"h{hours}"),
                    travel=self.choice_label(
                        ("jobs", "ask_travel"), f"km{travel}" if travel else "town"
                    ),
                )
            )
        for notice in data.job_notices:
            status = t.JOB_NOTICE_STATUS.get(notice.status)
            lines.append(
                self.tr(
                    t.JOB_NOTICE,
                    date=self.day(notice.sent_at),
                    title=self.course_title(notice.title),
                    town=notice.town,
                    status=self.tr(status) if status else notice.status,
                )
            )
        return lines

    def section(self, heading: Text, lines: Sequence[str], none: str) -> str:
        title = self.tr(heading)
        if not lines:
            return f"{title}: {none}"
        return "\n".join([title, *(f"• {line}" for line in lines)])

    def about(self, data: PersonalData) -> str:
        engine = self.engine
        p = data.profile
        none = self.tr(st.NOT_GIVEN)
        separator = self.tr(st.LIST_SEPARATOR)
        language = engine.languages.get(p.get("language"))

        def labels(field_name: str) -> str:
            items = p.get(field_name) or []
            return separator.join(engine.field_label(self.language, field_name, i) for i in items)

        town = p.get("town")
        lines = [
            (t.NAME, p.get("display_name") or ""),
            (t.LANGUAGE, language.name if language else (p.get("language") or "")),
            (t.TOWN, engine.field_label(self.language, "town", town) if town else ""),
            (t.INTERESTS, labels("interests")),
            (t.ATTEND_HELP, labels("attend_help")),
        ]
        body = [f"• {self.tr(label)}: {value or none}" for label, value in lines]
        # She gets messages only while active with a standing consent to ``messages``.
        gets_messages = p.get("status") == "active" and any(
            c.get("purpose") == MESSAGES and c.get("withdrawn_at") is None for c in data.consents
        )
        status = t.MESSAGES_ON if gets_messages else t.MESSAGES_OFF
        return "\n".join([self.tr(t.ABOUT), *body, self.tr(status)])

    def channels(self, data: PersonalData, full: bool) -> list[str]:
        return [
            f"{CHANNEL_NAMES.get(c.channel, c.channel)}: "
            + (c.address.removeprefix("whatsapp:") if full else mask(c.address))
            for c in data.channels
        ]

    def courses(self, data: PersonalData) -> list[str]:
        lines = []
        for course in data.courses:
            if course.next_session is not None:
                when = format_moment(course.next_session, self.language, self.timezone)
                upcoming = self.tr(t.NEXT_SESSION, when=when)
            else:
                upcoming = self.tr(t.NO_NEXT_SESSION)
            lines.append(f"{self.course_title(course.title)} – {upcoming}")
        return lines

    def attendance(self, data: PersonalData) -> list[str]:
        lines = []
        for answer in data.answers:
            said = self.choice_label(REMINDER, INTENTION_CHOICE.get(answer.intention, ""))
            if answer.intention not in INTENTION_CHOICE:
                said = answer.intention
            if answer.reason:
                said += f" – {self.choice_label(REASONS, answer.reason)}"
            course = self.course_title(answer.course_title)
            lines.append(f"{self.day(answer.starts_at)}{self.comma()}{course}: {said}")
        return lines

    def feedback(self, data: PersonalData) -> list[str]:
        lines = []
        faces = self.faces()
        for answer in data.answers:
            if answer.feedback is None:
                continue
            face = faces.get(answer.feedback, str(answer.feedback))
            course = self.course_title(answer.course_title)
            lines.append(f"{self.day(answer.starts_at)}{self.comma()}{course}: {face}")
        return lines

    def marks(self, data: PersonalData) -> list[str]:
        """Whether she was there, as the team marked it after each session."""
        lines = []
        for mark in data.marks:
            said = self.tr(t.MARK_PRESENT if mark.present else t.MARK_ABSENT)
            course = self.course_title(mark.course_title)
            lines.append(f"{self.day(mark.starts_at)}{self.comma()}{course}: {said}")
        return lines

    def faces(self) -> dict[int, str]:
        """Feedback scores (1 … 4) as the faces she pressed."""
        flow = self.engine.flows.get(FEEDBACK[0])
        node = flow.nodes.get(FEEDBACK[1]) if flow else None
        if node is None:
            return {}
        options = self.engine.static_options(FEEDBACK[0], node, self.language)
        return {index: option.label for index, option in enumerate(options, start=1)}

    def consents(self, data: PersonalData) -> list[str]:
        lines = []
        for consent in data.consents:
            purpose = str(consent.get("purpose") or "")
            known = PURPOSES.get(purpose)
            label = self.tr(known.name) if known else purpose
            version = str(consent.get("wording_version") or "")
            given = consent.get("given_at")
            withdrawn = consent.get("withdrawn_at")
            if withdrawn is not None:
                when = self.tr(
                    t.CONSENT_WITHDRAWN,
                    date=self.day(given) if given else "",
                    withdrawn=self.day(withdrawn),
                    version=version,
                )
            else:
                when = self.tr(
                    t.CONSENT_GIVEN, date=self.day(given) if given else "", version=version
                )
            lines.append(f"{label}: {when}")
        return lines

    def requests(self, data: PersonalData, full: bool) -> list[str]:
        lines = []
        for request in data.requests:
            text = " ".join(request.text.split())
            if not full and len(text) > FIRST_WORDS:
                text = text[:FIRST_WORDS].rsplit(" ", 1)[0] + " …"
            status = t.REQUEST_OPEN if request.status == "open" else t.REQUEST_DONE
            lines.append(f"{self.day(request.created_at)} ({self.tr(status)}): {text}")
        return lines

    def statistics(self, data: PersonalData, full: bool) -> list[str]:
        """The days she wrote and her answers to questions (counted, without names, in the
        team's reports); every answer in the full export."""
        if not data.activity_days and not data.flow_results:
            return []
        lines = [
            self.tr(t.DAYS_WRITTEN, count=len(data.activity_days)),
            self.tr(t.ANSWERS_KEPT, count=len(data.flow_results)),
        ]
        if full:
            for result in data.flow_results:
                answer = str(result["answer"])
                label = self.choice_label((result["flow"], result["question"]), answer)
                language = self.engine.languages.get(answer) if label == answer else None
                shown = language.name if language else label
                lines.append(f"{self.day(result['answered_at'])}: {shown}")
        return lines

    def media(self, data: PersonalData) -> list[str]:
        counts: dict[str, int] = {}
        for kind, count in data.media_counts().items():
            label = (
                self.tr(t.MEDIA_KINDS[kind]) if kind in t.MEDIA_KINDS else self.tr(t.MEDIA_OTHER)
            )
            counts[label] = counts.get(label, 0) + count
        return [f"{label}: {count}" for label, count in counts.items()]


def pack(parts: Sequence[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Sections joined into as few messages as fit under ``limit`` characters each (a section
    longer than that is cut at its lines)."""
    messages: list[str] = []
    current = ""
    for part in parts:
        for piece in _lines_within(part, limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined) <= limit:
                current = joined
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _lines_within(part: str, limit: int) -> list[str]:
    """``part`` as pieces under ``limit``, cut between lines (a single long line is cut)."""
    if len(part) <= limit:
        return [part]
    pieces: list[str] = []
    current = ""
    for line in part.split("\n"):
        while len(line) > limit:
            pieces.append(line[:limit])
            line = line[limit:]
        joined = f"{current}\n{line}" if current else line
        if len(joined) <= limit:
            current = joined
        else:
            pieces.append(current)
            current = line
    if current:
        pieces.append(current)
    return pieces


__all__ = ["MESSAGE_LIMIT", "Renderer", "mask", "pack"]
