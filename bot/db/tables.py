"""The tables, by the short names the Core queries use.

SQLAlchemy Core statements are written against ``Table`` objects; every module used to make its
own aliases (``people = Person.__table__`` …).  One list here keeps the names the same
everywhere.  ``DeclarativeBase.__table__`` is typed as a plain ``FromClause`` (a mapped class
may map a join); ours are all tables, so each is given here as the ``Table`` it is, which is
what lets mypy check every Core statement.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from bot.db.models import (
    ActivityDay,
    Attendance,
    AttendanceMark,
    AuditEntry,
    Broadcast,
    BroadcastExclusion,
    ChannelIdentity,
    ConsentRecord,
    ConsentWording,
    ConversationState,
    Course,
    CourseSession,
    Enrolment,
    FlowResult,
    Group,
    GroupMember,
    InboundMedia,
    InboundMessage,
    InboxMessage,
    InboxThread,
    InviteCode,
    JobImportSettings,
    JobNotice,
    JobOffer,
    JobProfile,
    LoginFailure,
    Meetup,
    MeetupOption,
    MeetupRsvp,
    MeetupVote,
    MentoringRequest,
    MentoringSettings,
    MentorMatch,
    MentorProfile,
    Nudge,
    Organisation,
    OutboxMessage,
    Person,
    QuickReply,
    SimulatorMessage,
    StaffMember,
    StaffMembership,
    StaffSession,
    TelegramGroup,
    WhatsAppTemplateStatus,
)

activity_days = cast(Table, ActivityDay.__table__)
attendance = cast(Table, Attendance.__table__)
attendance_marks = cast(Table, AttendanceMark.__table__)
audit = cast(Table, AuditEntry.__table__)
broadcast_exclusions = cast(Table, BroadcastExclusion.__table__)
broadcasts = cast(Table, Broadcast.__table__)
consents = cast(Table, ConsentRecord.__table__)
consent_wordings = cast(Table, ConsentWording.__table__)
courses = cast(Table, Course.__table__)
enrolments = cast(Table, Enrolment.__table__)
flow_results = cast(Table, FlowResult.__table__)
identities = cast(Table, ChannelIdentity.__table__)
inbound_ids = cast(Table, InboundMessage.__table__)
nudges = cast(Table, Nudge.__table__)
organisations = cast(Table, Organisation.__table__)
outbox = cast(Table, OutboxMessage.__table__)
people = cast(Table, Person.__table__)
sessions = cast(Table, CourseSession.__table__)
states = cast(Table, ConversationState.__table__)
telegram_groups = cast(Table, TelegramGroup.__table__)
invite_codes = cast(Table, InviteCode.__table__)
media = cast(Table, InboundMedia.__table__)
simulator_screens = cast(Table, SimulatorMessage.__table__)
inbox_threads = cast(Table, InboxThread.__table__)
inbox_messages = cast(Table, InboxMessage.__table__)
quick_replies = cast(Table, QuickReply.__table__)
staff = cast(Table, StaffMember.__table__)
staff_memberships = cast(Table, StaffMembership.__table__)
staff_sessions = cast(Table, StaffSession.__table__)
login_failures = cast(Table, LoginFailure.__table__)
whatsapp_template_status = cast(Table, WhatsAppTemplateStatus.__table__)
mentor_profiles = cast(Table, MentorProfile.__table__)
mentoring_requests = cast(Table, MentoringRequest.__table__)
mentor_matches = cast(Table, MentorMatch.__table__)
mentoring_settings = cast(Table, MentoringSettings.__table__)
job_offers = cast(Table, JobOffer.__table__)
job_profiles = cast(Table, JobProfile.__table__)
job_notices = cast(Table, JobNotice.__table__)
job_import_settings = cast(Table, JobImportSettings.__table__)
groups = cast(Table, Group.__table__)
group_members = cast(Table, GroupMember.__table__)
meetups = cast(Table, Meetup.__table__)
meetup_options = cast(Table, MeetupOption.__table__)
meetup_votes = cast(Table, MeetupVote.__table__)
meetup_rsvps = cast(Table, MeetupRsvp.__table__)
