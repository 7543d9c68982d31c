"""Demo data for trying the bot: the Nienburg pilot organisation, a course, two mentors.

Loading is idempotent: run it twice and nothing is duplicated.  The coordinator login (an
admin of the demo organisation, argon2 like every staff password) is printed by ``make run``
and works at ``/staff/login``; it is only for a local demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.db.models import (
    Attendance,
    AttendanceMark,
    ChannelIdentity,
    ConsentRecord,
    Course,
    CourseSession,
    Enrolment,
    Group,
    GroupMember,
    InviteCode,
    JobNotice,
    JobOffer,
    JobProfile,
    MentoringRequest,
    MentorMatch,
    MentorProfile,
    Organisation,
    Person,
    StaffMember,
    StaffMembership,
)
from bot.identity import lookup_key
from bot.staff.passwords import hash_password

ORG_SLUG = "vnb-nienburg"
ORG_NAME = "VNB – Pilot Landkreis Nienburg"
TIMEZONE = "Europe/Berlin"
TOWNS = [
    "Nienburg (Weser)",
    "Hoya",
    "Marklohe",
    "Steyerberg",
    "Stolzenau",
    "Uchte",
    "Rehburg-Loccum",
    "Liebenau",
]
COORDINATOR_EMAIL = "koordination@example.org"
DEMO_PASSWORD = "demo-nienburg"  # noqa: S105 - a documented local demo login, never production


@dataclass(frozen=True)
class DemoLogin:
    """What ``make run`` prints so a person can log in."""

    email: str
    password: str


#: The invite code on the demo course's flyer: ``https://t.me/<bot>?start=kurs-a2-nienburg``.
DEMO_INVITE_CODE = "kurs-a2-nienburg"


@cache
def demo_password_hash() -> str:
    """The argon2 hash of :data:`DEMO_PASSWORD`, made once per process (every test loads the
    demo data, and argon2 is slow on purpose)."""
    return hash_password(DEMO_PASSWORD)


def load_demo(db: Engine, secret_key: str, now: datetime, *, history: bool = False) -> DemoLogin:
    """Create the demo organisation and its data unless they exist (with ``history``: a few
    months of made-up history for the reports, which tests leave out)."""
    tz = ZoneInfo(TIMEZONE)
    with Session(db) as session, session.begin():
        org = session.scalar(select(Organisation).where(Organisation.slug == ORG_SLUG))
        if org is None:
            org = Organisation(
                slug=ORG_SLUG,
                name=ORG_NAME,
                timezone=TIMEZONE,
                default_language="de",
                towns=TOWNS,
                privacy_contact="datenschutz@example.org, 05021 000000",
                office_hours="Mo–Fr 9–13 Uhr",
                created_at=now,
            )
            session.add(org)
            session.flush()
        existing = session.scalar(
            select(StaffMember).where(StaffMember.email == COORDINATOR_EMAIL)
        )
        if existing is not None and not existing.password_hash.startswith("$argon2"):
            # A demo database from before argon2 (scrypt): the printed login works again.
            existing.password_hash = demo_password_hash()
        if existing is None:
            member = StaffMember(
                email=COORDINATOR_EMAIL,
                display_name="Koordination Nienburg",
                password_hash=demo_password_hash(),
                language="de",
                created_at=now,
            )
            session.add(member)
            session.flush()
            session.add(
                StaffMembership(
                    staff_id=member.id, organisation_id=org.id, role="admin", created_at=now
                )
            )
        if session.scalar(select(Course).where(Course.code == "deutsch-a2-nienburg")) is None:
            course = Course(
                organisation_id=org.id,
                code="deutsch-a2-nienburg",
                title={
                    "de": "Deutsch A2 mit Kinderbetreuung",
                    "en": "German A2 with childcare",
                    "ar": "اللغة الألمانية A2 مع رعاية الأطفال",
                    "uk": "Німецька A2 з доглядом за дітьми",
                },
                description={"de": "Dienstags und donnerstags, 9 bis 12 Uhr."},
                created_at=now,
            )
            session.add(course)
            session.flush()
            first_day = (now.astimezone(tz) + timedelta(days=1)).date()
            days = [first_day + timedelta(days=d) for d in range(28)]
            for day in [d for d in days if d.weekday() in (1, 3)][:6]:
                start = datetime.combine(day, time(9, 0), tz)
                session.add(
                    CourseSession(
                        course_id=course.id,
                        starts_at=start,
                        ends_at=start + timedelta(hours=3),
                        place="VHS Nienburg, Raum 2",
                        address="Rühmkorffstraße 12, 31582 Nienburg",
                        directions="Von der Haltestelle 2 Minuten zu Fuß. Eingang im Hof.",
                        transit_line="Bus 3",
                        transit_stop="Schloßplatz",
                        childcare=True,
                    )
                )
        course_id = session.scalar(select(Course.id).where(Course.code == "deutsch-a2-nienburg"))
        if session.scalar(select(InviteCode).where(InviteCode.code == DEMO_INVITE_CODE)) is None:
            session.add(
                InviteCode(
                    code=DEMO_INVITE_CODE,
                    organisation_id=org.id,
                    course_id=course_id,
                    active=True,
                    created_at=now,
                )
            )
        for name, language, address in (
            ("Anna", "de", "mentor-anna"),
            ("Leyla", "tr", "mentor-leyla"),
        ):
            key = lookup_key(secret_key, "simulator", address)
            known = session.scalar(
                select(ChannelIdentity.person_id).where(ChannelIdentity.lookup_key == key)
            )
            if known is not None:
                _mentor_profile(session, known, org.id, address, now)
                continue
            mentor = Person(
                organisation_id=org.id,
                role="mentor",
                language=language,
                display_name=name,
                town="Nienburg (Weser)",
                interests=["mentor"],
                attend_help=[],
                status="active",
                consent_given_at=now,
                created_at=now,
            )
            session.add(mentor)
            session.flush()
            session.add(
                ChannelIdentity(
                    person_id=mentor.id,
                    channel="simulator",
                    lookup_key=key,
                    address=address,
                    status="ok",
                    created_at=now,
                )
            )
            # A mentor signed the paper form: her profile, messages and mentoring.
            session.add_all(
                ConsentRecord(
                    person_id=mentor.id,
                    purpose=purpose,
                    wording_version="paper-2026-11",
                    language=language,
                    channel="paper",
                    given_at=now,
                )
                for purpose in ("profile", "messages", "mentoring")
            )
            _mentor_profile(session, mentor.id, org.id, address, now)
    if history:
        load_report_history(db, secret_key, now)
        load_job_offers(db, now)
        load_groups(db, now)
    return DemoLogin(COORDINATOR_EMAIL, DEMO_PASSWORD)


#: The demo's job offers in the pilot district: what, where, hours, German, kind (the titles
#: in German, Arabic and Ukrainian; the rest falls back to German in the chat).
DEMO_JOB_OFFERS: tuple[dict[str, object], ...] = (
    {
        "title": {
            "de": "Küchenhilfe in einer Kita",
            "ar": "مساعدة في مطبخ روضة أطفال",
            "uk": "Помічниця на кухні в дитсадку",
        },
        "description": {"de": "Gemüse schneiden, Essen ausgeben, abwaschen. Ein kleines Team."},
        "hours_note": {"de": "Nur vormittags, 8 bis 12 Uhr"},
        "employer": "Kita Sonnenschein",
        "town": "Nienburg (Weser)",
        "hours_per_week": 20,
        "kind": "part_time",
        "german_level": "A2",
        "childcare_friendly": True,
        "places": 1,
    },
    {
        "title": {
            "de": "Reinigung in einer Arztpraxis",
            "ar": "تنظيف في عيادة طبيب",
            "uk": "Прибирання в лікарській практиці",
        },
        "description": {"de": "Zweimal in der Woche am Abend die Praxis putzen."},
        "hours_note": {"de": "Montag und Donnerstag ab 18 Uhr"},
        "employer": None,
        "employer_shown": False,
        "town": "Marklohe",
        "hours_per_week": 6,
        "kind": "mini_job",
        "german_level": "none",
        "childcare_friendly": False,
        "places": 1,
    },
    {
        "title": {
            "de": "Ausbildung Pflegefachfrau",
            "ar": "تدريب مهني في التمريض",
            "uk": "Навчання на медсестру",
        },
        "description": {
            "de": "Drei Jahre Ausbildung im Krankenhaus und in der Schule. Mit Gehalt."
        },
        "employer": "Helios Klinik Nienburg",
        "town": "Nienburg (Weser)",
        "hours_per_week": 39,
        "kind": "training",
        "german_level": "B1",
        "childcare_friendly": False,
        "places": 3,
        "starts": 60,
    },
    {
        "title": {
            "de": "Ehrenamt im Second-Hand-Laden",
            "ar": "عمل تطوعي في متجر الملابس المستعملة",
            "uk": "Волонтерство в секонд-хенді",
        },
        "description": {"de": "Kleidung sortieren und an der Kasse helfen. Gut zum Deutsch üben."},
        "hours_note": {"de": "Dienstags 9 bis 12 Uhr"},
        "employer": "Kleiderkammer Hoya",
        "town": "Hoya",
        "hours_per_week": 3,
        "kind": "volunteering",
        "german_level": "A1",
        "childcare_friendly": True,
        "places": 2,
    },
)


def load_job_offers(db: Engine, now: datetime) -> None:
    """Four open offers in the pilot district, once, valid for six weeks from the day they
    are made: what ``make run`` shows on ``/staff/jobs`` and in the weekly digest; and a
    third of the history's women with job answers, a digest last week and what became of it.

    Loaded with the history (``--history``), not by the tests' demo, so a test's matching
    sees only the offers it wrote."""
    tz = ZoneInfo(TIMEZONE)
    today = now.astimezone(tz).date()
    made = now - timedelta(days=10)
    with Session(db) as session, session.begin():
        org_id = session.scalar(select(Organisation.id).where(Organisation.slug == ORG_SLUG))
        if org_id is None or session.scalar(
            select(JobOffer.id).where(JobOffer.organisation_id == org_id).limit(1)
        ):
            return
        offers = []
        for offer in DEMO_JOB_OFFERS:
            values = {k: v for k, v in offer.items() if k != "starts"}
            starts = offer.get("starts")
            starts_on = today + timedelta(days=starts) if isinstance(starts, int) else None
            row = JobOffer(
                organisation_id=org_id,
                status="open",
                source="staff",
                starts_on=starts_on,
                expires_on=today + timedelta(weeks=6),
                created_by="demo",
                created_at=made,
                updated_at=made,
                **values,
            )
            session.add(row)
            offers.append(row)
        session.flush()
        _job_seekers(session, org_id, [o.id for o in offers], now)


#: The demo's two groups: a women's café in Hoya (open, children welcome) and a sewing group
#: in Nienburg (an organiser decides who joins); names and texts in a few languages.
DEMO_GROUPS: tuple[dict[str, object], ...] = (
    {
        "code": "demo-cafe-hoya",
        "name": {
            "de": "Frauencafé Hoya",
            "en": "Women's café Hoya",
            "ar": "مقهى النساء في هويا",
            "uk": "Жіноче кафе Гоя",
        },
        "description": {
            "de": "Wir trinken Kaffee, reden und lernen uns kennen. Jede Frau ist willkommen.",
            "en": "We drink coffee, talk and get to know each other. Every woman is welcome.",
        },
        "town": "Hoya",
        "approval": False,
        "children_welcome": True,
        "usual_places": ["Gemeindehaus, Kirchstraße 3", "Café am Markt"],
        "directions": {"de": "Bus 30 bis Hoya Marktplatz, dann 2 Minuten zu Fuß."},
    },
    {
        "code": "demo-naehen-nienburg",
        "name": {
            "de": "Nähgruppe Nienburg",
            "en": "Sewing group Nienburg",
            "ar": "مجموعة الخياطة في نينبورغ",
            "uk": "Група шиття Нінбург",
        },
        "description": {
            "de": "Wir nähen zusammen und helfen uns. Nähmaschinen sind da.",
            "en": "We sew together and help each other. Sewing machines are there.",
        },
        "town": "Nienburg (Weser)",
        "approval": True,
        "children_welcome": False,
        "usual_places": ["Familienzentrum, Lange Straße 10"],
        "directions": {},
    },
)


def load_groups(db: Engine, now: datetime) -> None:
    """The demo's two groups, once, each with an organiser and a few members among the
    history's women (no real person: ``Demo <n>``): what ``/staff/groups`` and "👭 Gruppen"
    show.  Loaded with the history (``--history``), not by the tests' demo."""
    started = now - timedelta(days=30)
    with Session(db) as session, session.begin():
        org_id = session.scalar(select(Organisation.id).where(Organisation.slug == ORG_SLUG))
        if org_id is None or session.scalar(
            select(Group.id).where(Group.organisation_id == org_id).limit(1)
        ):
            return
        everyone = session.scalars(
            select(Person).where(Person.organisation_id == org_id).order_by(Person.id)
        ).all()  # names are encrypted: read in Python
        women = [p for p in everyone if (p.display_name or "").startswith("Demo ")]
        for index, values in enumerate(DEMO_GROUPS):
            group = Group(
                organisation_id=org_id,
                created_by="demo",
                created_at=started,
                updated_at=started,
                status="active",
                **values,
            )
            session.add(group)
            session.flush()
            for place, woman in enumerate(women[index * 5 + 1 : index * 5 + 5]):
                session.add(
                    GroupMember(
                        group_id=group.id,
                        person_id=woman.id,
                        role="organiser" if place == 0 else "member",
                        status="active",
                        joined_at=started + timedelta(days=place),
                    )
                )


#: The history women's job answers, in turn (German, hours a week, km she can travel).
_JOB_ANSWERS = (
    ("A2", 20, 25),
    ("none", 10, 0),
    ("B1", 60, 50),
    ("A1", 20, 10),
    ("A2", 30, 25),
    ("B2", 30, 25),
)
#: Last week's digest: (woman, offer index, her answer, the team's outcome).
_JOB_NOTICES = (
    (0, 0, "interested", "applied"),
    (0, 3, "more_like_this", None),
    (1, 3, "interested", "started"),
    (2, 2, "not_for_me", None),
    (4, 1, "interested", "contacted"),
    (5, 0, "sent", None),
)


def _job_seekers(session: Session, org_id: int, offer_ids: list[int], now: datetime) -> None:
    """Every third woman of the history answered the job questions and agrees to job offers;
    the first few got a digest last week (no real person: ``Demo <n>``)."""
    everyone = session.scalars(
        select(Person).where(Person.organisation_id == org_id).order_by(Person.id)
    ).all()  # names are encrypted: read in Python
    women = [p for p in everyone if (p.display_name or "").startswith("Demo ")][::3]
    answered = now - timedelta(days=20)
    for index, person in enumerate(women):
        german, hours, km = _JOB_ANSWERS[index % len(_JOB_ANSWERS)]
        session.add(
            JobProfile(
                person_id=person.id,
                answers={"german": german, "hours": hours, "travel_km": km},
                updated_at=answered,
            )
        )
        session.add(
            ConsentRecord(
                person_id=person.id,
                purpose="job_offers",
                wording_version="demo",
                language=person.language or "de",
                channel="simulator",
                given_at=answered,
            )
        )
    digest = now - timedelta(days=8)
    for woman, offer, status, outcome in _JOB_NOTICES:
        if woman >= len(women):
            continue
        person_id = women[woman].id
        session.add(
            JobNotice(
                organisation_id=org_id,
                person_id=person_id,
                offer_id=offer_ids[offer],
                status=status,
                digest=f"{person_id}:{digest.astimezone(ZoneInfo(TIMEZONE)).date()}",
                sent_at=digest,
                answered_at=digest + timedelta(hours=3) if status != "sent" else None,
                outcome=outcome,
                outcome_at=digest + timedelta(days=2) if outcome else None,
                outcome_by=COORDINATOR_EMAIL if outcome else None,
            )
        )


#: The demo mentors' profiles (what she answered in her onboarding), by simulator address.
MENTOR_PROFILES = {
    "mentor-anna": {
        "languages": ["de", "en"],
        "topics": ["paperwork", "work", "language"],
        "availability": ["evenings", "weekends"],
        "capacity": 2,
    },
    "mentor-leyla": {
        "languages": ["tr", "de", "ar"],
        "topics": ["school", "health", "everyday", "paperwork"],
        "availability": ["mornings", "afternoons"],
        "capacity": 2,
    },
}


def _mentor_profile(
    session: Session, person_id: int, organisation_id: int, address: str, now: datetime
) -> None:
    """Her mentor profile unless she has one (a demo database from before mentoring gets it
    on the next load)."""
    if session.get(MentorProfile, person_id) is not None:
        return
    session.add(
        MentorProfile(
            person_id=person_id,
            organisation_id=organisation_id,
            status="active",
            created_at=now,
            updated_at=now,
            **MENTOR_PROFILES[address],
        )
    )


def _mentoring_history(
    session: Session, organisation_id: int, women: list[Person], now: datetime
) -> None:
    """Mentoring for the staff page and the reports: three women waiting (Arabic, Persian,
    Ukrainian), one match running with Anna and one ended with Leyla (both rated)."""
    mentors = {
        name: person_id
        for name, person_id in session.execute(
            select(Person.display_name, Person.id).where(
                Person.organisation_id == organisation_id, Person.role == "mentor"
            )
        ).all()
    }
    if "Anna" not in mentors or "Leyla" not in mentors:
        return

    def ask(woman: Person, days: int, topics: list[str], status: str) -> MentoringRequest:
        since = now - timedelta(days=days)
        session.add(
            ConsentRecord(
                person_id=woman.id,
                purpose="mentoring",
                wording_version="demo",
                language=woman.language or "de",
                channel="simulator",
                given_at=since,
            )
        )
        request = MentoringRequest(
            organisation_id=organisation_id,
            person_id=woman.id,
            topics=topics,
            language=woman.language,
            status=status,
            created_at=since,
            updated_at=since,
            closed_at=now - timedelta(days=10) if status == "closed" else None,
        )
        session.add(request)
        session.flush()
        return request

    ask(women[0], 12, ["paperwork", "school"], "waiting")
    ask(women[3], 20, ["work", "language"], "waiting")
    ask(women[5], 4, ["health"], "waiting")
    running = ask(women[2], 40, ["paperwork"], "matched")
    session.add(
        MentorMatch(
            organisation_id=organisation_id,
            request_id=running.id,
            participant_id=women[2].id,
            mentor_id=mentors["Anna"],
            status="active",
            proposed_by="demo",
            score=0.7,
            reasons=["other_language", "topics_all", "town_same"],
            proposed_at=now - timedelta(days=30),
            asked_at=now - timedelta(days=29),
            mentor_answered_at=now - timedelta(days=29),
            participant_answered_at=now - timedelta(days=28),
            started_at=now - timedelta(days=28),
            mentor_contact="relay",
            participant_contact="relay",
            last_contact_at=now - timedelta(days=3),
            met_at=now - timedelta(days=20),
        )
    )
    ended = ask(women[7], 90, ["school", "everyday"], "closed")
    session.add(
        MentorMatch(
            organisation_id=organisation_id,
            request_id=ended.id,
            participant_id=women[7].id,
            mentor_id=mentors["Leyla"],
            status="ended",
            proposed_by="demo",
            score=0.9,
            reasons=["language", "topics_all", "town_near"],
            proposed_at=now - timedelta(days=85),
            asked_at=now - timedelta(days=84),
            mentor_answered_at=now - timedelta(days=84),
            participant_answered_at=now - timedelta(days=83),
            started_at=now - timedelta(days=83),
            mentor_contact="relay",
            participant_contact="shared",
            last_contact_at=now - timedelta(days=12),
            met_at=now - timedelta(days=76),
            ended_at=now - timedelta(days=10),
            ended_by="participant",
            mentor_rating=4,
            participant_rating=3,
        )
    )


#: Participants of the attendance demo: (simulator address, name, language, help asked for).
ATTENDANCE_PEOPLE: tuple[tuple[str, str, str, list[str]], ...] = (
    ("demo-amina", "Amina", "ar", ["childcare"]),
    ("demo-zahra", "Zahra", "fa", ["transport"]),
    ("demo-olena", "Olena", "uk", []),
    ("demo-maryam", "Maryam", "ar", ["childcare", "transport"]),
    ("demo-ayse", "Ayşe", "tr", []),
)


def load_attendance_demo(db: Engine, secret_key: str, now: datetime) -> None:
    """Participants of the demo course with answers and marks, so that a session's attendance
    page, the barrier report and the dashboard's "Tomorrow: help needed" show something in
    ``twc run --demo`` (idempotent; ``twc demo attendance``).  Kept out of :func:`load_demo`,
    which every test and ``twc run --demo`` load: five more participants there change what
    other tests count (``test_process_nudges`` enrols every participant)."""
    tz = ZoneInfo(TIMEZONE)
    with Session(db) as session, session.begin():
        org = session.scalar(select(Organisation).where(Organisation.slug == ORG_SLUG))
        course = session.scalar(select(Course).where(Course.code == "deutsch-a2-nienburg"))
        if org is None or course is None:
            return
        first_key = lookup_key(secret_key, "simulator", ATTENDANCE_PEOPLE[0][0])
        if session.scalar(select(ChannelIdentity).where(ChannelIdentity.lookup_key == first_key)):
            return
        enrolled_at = now - timedelta(days=30)
        ids: dict[str, int] = {}
        for address, name, language, help_asked in ATTENDANCE_PEOPLE:
            person = Person(
                organisation_id=org.id,
                role="participant",
                language=language,
                display_name=name,
                town="Nienburg (Weser)",
                interests=["course"],
                attend_help=help_asked,
                status="active",
                consent_given_at=enrolled_at,
                created_at=enrolled_at,
            )
            session.add(person)
            session.flush()
            ids[name] = person.id
            session.add(
                ChannelIdentity(
                    person_id=person.id,
                    channel="simulator",
                    lookup_key=lookup_key(secret_key, "simulator", address),
                    address=address,
                    status="ok",
                    created_at=enrolled_at,
                )
            )
            session.add_all(
                ConsentRecord(
                    person_id=person.id,
                    purpose=purpose,
                    wording_version="paper-2026-11",
                    language=language,
                    channel="paper",
                    given_at=enrolled_at,
                )
                for purpose in ("profile", "messages")
            )
            session.add(
                Enrolment(course_id=course.id, person_id=person.id, created_at=enrolled_at)
            )

        def add_session(day: date, childcare: bool = True) -> int:
            start = datetime.combine(day, time(9, 0), tz)
            found = CourseSession(
                course_id=course.id,
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                place="VHS Nienburg, Raum 2",
                address="Rühmkorffstraße 12, 31582 Nienburg",
                directions="Von der Haltestelle 2 Minuten zu Fuß. Eingang im Hof.",
                transit_line="Bus 3",
                transit_stop="Schloßplatz",
                childcare=childcare,
            )
            session.add(found)
            session.flush()
            return found.id

        today = now.astimezone(tz).date()
        week_ago, days_ago = (
            add_session(today - timedelta(days=7)),
            add_session(today - timedelta(days=3), childcare=False),
        )
        tomorrow = session.scalar(
            select(CourseSession.id).where(
                CourseSession.course_id == course.id,
                CourseSession.starts_at
                >= datetime.combine(today + timedelta(days=1), time(0), tz),
                CourseSession.starts_at < datetime.combine(today + timedelta(days=2), time(0), tz),
            )
        ) or add_session(today + timedelta(days=1))
        answered = now - timedelta(days=8)
        for session_id, name, intention, reason in (
            (week_ago, "Amina", "coming", None),
            (week_ago, "Olena", "coming", None),
            (week_ago, "Zahra", "not_coming", "transport"),
            (week_ago, "Maryam", "not_coming", "childcare"),
            (days_ago, "Amina", "not_coming", "ill"),
            (tomorrow, "Maryam", "not_coming", "childcare"),
            (tomorrow, "Olena", "coming", None),
        ):
            session.add(
                Attendance(
                    session_id=session_id,
                    person_id=ids[name],
                    intention=intention,
                    reason=reason,
                    answered_at=answered,
                )
            )
        for session_id, name, present in (
            (week_ago, "Amina", True),
            (week_ago, "Olena", True),
            (week_ago, "Ayşe", True),
            (week_ago, "Zahra", False),
            (week_ago, "Maryam", False),
            (days_ago, "Amina", False),
            (days_ago, "Olena", True),
            (days_ago, "Zahra", True),
        ):
            session.add(
                AttendanceMark(
                    session_id=session_id,
                    person_id=ids[name],
                    present=present,
                    marked_at=now - timedelta(days=2),
                    marked_by="demo",
                )
            )


# ---- report history (bot.features.reports) ------------------------------------------------

#: The course whose past sessions carry the demo history (its code marks the history loaded).
HISTORY_COURSE = "frauencafe-nienburg"
_HISTORY_LANGUAGES = ("ar", "ar", "ar", "fa", "fa", "uk", "uk", "tr", "ru", "ar", "uk", "fa")


def load_report_history(db: Engine, secret_key: str, now: datetime) -> None:
    """A few months of made-up history so that ``/staff/reports`` (and ``twc reports
    summary``) have something to show: 36 women joining over four months, the days they
    wrote, a weekly café with what they said beforehand and who was there, requests to the
    team and the answers, a broadcast with what became of it.  Idempotent (the café's code
    marks it as loaded); no real person, every address is ``demo-history-<n>``."""
    import random

    from bot.db.models import (
        ActivityDay,
        Attendance,
        AttendanceMark,
        Broadcast,
        InboxMessage,
        InboxThread,
        OutboxMessage,
    )

    rng = random.Random(13)  # the same history every time
    tz = ZoneInfo(TIMEZONE)
    with Session(db) as session, session.begin():
        if session.scalar(select(Course).where(Course.code == HISTORY_COURSE)) is not None:
            return
        org = session.scalar(select(Organisation).where(Organisation.slug == ORG_SLUG))
        staff_id = session.scalar(
            select(StaffMember.id).where(StaffMember.email == COORDINATOR_EMAIL)
        )
        if org is None or staff_id is None:
            return
        women: list[tuple[Person, datetime]] = []
        for index in range(36):
            joined = now - timedelta(days=120 - index * 3, hours=rng.randint(0, 8))
            person = Person(
                organisation_id=org.id,
                role="participant",
                language=_HISTORY_LANGUAGES[index % len(_HISTORY_LANGUAGES)],
                display_name=f"Demo {index + 1}",
                town=TOWNS[rng.choice((0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7))],
                interests=["course"],
                attend_help=[],
                status="active",
                consent_given_at=joined,
                created_at=joined,
            )
            session.add(person)
            women.append((person, joined))
        session.flush()
        for index, (person, joined) in enumerate(women):
            address = f"demo-history-{index + 1}"
            session.add(
                ChannelIdentity(
                    person_id=person.id,
                    channel="simulator",
                    lookup_key=lookup_key(secret_key, "simulator", address),
                    address=address,
                    status="ok",
                    created_at=joined,
                    last_inbound_at=joined,
                )
            )
            session.add_all(
                ConsentRecord(
                    person_id=person.id,
                    purpose=purpose,
                    wording_version="demo",
                    language=person.language or "de",
                    channel="simulator",
                    given_at=joined,
                )
                for purpose in ("profile", "messages")
            )
            days = {joined.astimezone(tz).date()}
            day = joined
            while (day := day + timedelta(days=rng.randint(2, 12))) < now:
                days.add(day.astimezone(tz).date())
            session.add_all(
                ActivityDay(person_id=person.id, day=d, organisation_id=org.id) for d in days
            )
        cafe = Course(
            organisation_id=org.id,
            code=HISTORY_COURSE,
            title={"de": "Frauencafé Nienburg", "en": "Women's café Nienburg"},
            description={},
            created_at=now - timedelta(days=125),
        )
        session.add(cafe)
        session.flush()
        first = (now - timedelta(days=119)).astimezone(tz).date()
        for week in range(17):
            cafe_day = first + timedelta(days=7 * week)
            starts = datetime.combine(cafe_day, time(15, 0), tz)
            if starts >= now:
                break
            cafe_session = CourseSession(
                course_id=cafe.id,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                place="Familienzentrum Nienburg",
                childcare=True,
                status="cancelled" if week == 6 else "planned",
            )
            session.add(cafe_session)
            session.flush()
            if week == 6:
                continue
            joined_by_then = [p for p, j in women if j < starts]
            for person in rng.sample(joined_by_then, min(len(joined_by_then), 9)):
                coming = rng.random() < 0.8
                session.add(
                    Attendance(
                        session_id=cafe_session.id,
                        person_id=person.id,
                        intention="coming" if coming else "not_coming",
                        reason=None if coming else rng.choice(("childcare", "transport", "ill")),
                        answered_at=starts - timedelta(hours=20),
                    )
                )
                session.add(
                    AttendanceMark(
                        session_id=cafe_session.id,
                        person_id=person.id,
                        present=coming and rng.random() < 0.85,
                        marked_at=starts + timedelta(hours=2),
                        marked_by="demo",
                    )
                )
        for index, (person, joined) in enumerate(women[::2]):
            opened = joined + timedelta(days=2, hours=rng.randint(0, 6))
            if opened >= now:
                continue
            thread = InboxThread(
                organisation_id=org.id,
                person_id=person.id,
                status="closed",
                reason="request",
                language=person.language,
                channel="simulator",
                opened_at=opened,
                last_message_at=opened,
                closed_at=opened + timedelta(days=1),
            )
            session.add(thread)
            session.flush()
            session.add(
                InboxMessage(
                    thread_id=thread.id,
                    person_id=person.id,
                    direction="in",
                    text="(Demo)",
                    created_at=opened,
                )
            )
            if index % 5 != 4:  # most are answered, after half an hour to a day
                session.add(
                    InboxMessage(
                        thread_id=thread.id,
                        person_id=person.id,
                        direction="out",
                        text="(Demo)",
                        staff_id=staff_id,
                        created_at=opened + timedelta(minutes=rng.randint(30, 24 * 60)),
                    )
                )
        sent_at = now - timedelta(days=9)
        broadcast = Broadcast(
            organisation_id=org.id,
            title="Sommerfest (Demo)",
            texts={"de": "Hallo {name}! Am Samstag feiern wir im Familienzentrum."},
            audience={"all": True},
            status="sent",
            created_by="demo",
            created_at=sent_at,
            enqueued_at=sent_at,
            finished_at=sent_at,
        )
        session.add(broadcast)
        session.flush()
        outcomes = ["read"] * 19 + ["delivered"] * 8 + [None] * 3 + ["failed"] * 2
        for (person, _joined), delivery in zip(women, outcomes, strict=False):
            session.add(
                OutboxMessage(
                    idempotency_key=f"broadcast:{broadcast.id}:{person.id}",
                    person_id=person.id,
                    channel="simulator",
                    kind="broadcast",
                    payload={},
                    status="failed" if delivery == "failed" else "sent",
                    delivery_status=delivery,
                    next_attempt_at=sent_at,
                    sent_at=sent_at,
                    created_at=sent_at,
                    broadcast_id=broadcast.id,
                )
            )
        _mentoring_history(session, org.id, [person for person, _joined in women], now)
