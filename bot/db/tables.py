"""The tables, by the short names the Core queries use.

SQLAlchemy Core statements are written against ``Table`` objects; every module used to make its
own aliases (``people = Person.__table__`` …).  One list here keeps the names the same
everywhere.
"""

from __future__ import annotations

from bot.db.models import (
    Attendance,
    AuditEntry,
    Broadcast,
    BroadcastExclusion,
    ChannelIdentity,
    ConsentRecord,
    ConversationState,
    Course,
    CourseSession,
    Enrolment,
    HumanRequest,
    InboundMessage,
    Nudge,
    Organisation,
    OutboxMessage,
    Person,
    TelegramGroup,
)

attendance = Attendance.__table__
audit = AuditEntry.__table__
broadcast_exclusions = BroadcastExclusion.__table__
broadcasts = Broadcast.__table__
consents = ConsentRecord.__table__
courses = Course.__table__
enrolments = Enrolment.__table__
human_requests = HumanRequest.__table__
identities = ChannelIdentity.__table__
inbound_ids = InboundMessage.__table__
nudges = Nudge.__table__
organisations = Organisation.__table__
outbox = OutboxMessage.__table__
people = Person.__table__
sessions = CourseSession.__table__
states = ConversationState.__table__
telegram_groups = TelegramGroup.__table__
