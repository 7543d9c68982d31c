"""What "my data" and its export say: headings, labels and plain words for stored codes.

German master texts in plain language; translated in ``locales/*/LC_MESSAGES/twc.po``.  Labels
are short: each line is "• label: value".  Neutral wording: a phone is often shared.
"""

from __future__ import annotations

from conversations.texts import Text, msg

TITLE = msg("my_data.title", "🔒 Ihre Daten bei uns")
EXPORT_TITLE = msg("my_data.export_title", "🔒 Alle Ihre Daten bei uns. Stand: {date}")

ABOUT = msg("my_data.about", "👤 Über Sie")
NAME = msg("my_data.name", "Name")
LANGUAGE = msg("my_data.language", "Sprache")
TOWN = msg("my_data.town", "Ort")
INTERESTS = msg("my_data.interests", "Interessen")
ATTEND_HELP = msg("my_data.attend_help", "Hilfe für den Kurs")
MESSAGES_ON = msg("my_data.messages_on", "🔔 Sie bekommen Nachrichten von uns.")
MESSAGES_OFF = msg("my_data.messages_off", "🔕 Sie bekommen keine Nachrichten von uns.")

CHANNELS = msg("my_data.channels", "📱 So schreiben wir Ihnen")
COURSES = msg("my_data.courses", "📚 Ihre Kurse")
NEXT_SESSION = msg("my_data.next_session", "nächster Termin: {when}")
NO_NEXT_SESSION = msg("my_data.no_next_session", "kein Termin geplant")
ATTENDANCE = msg("my_data.attendance", "🗓️ Ihre Antworten zu Terminen")
FEEDBACK = msg("my_data.feedback", "📝 Ihre Bewertungen")
MARKS = msg("my_data.marks", "✅ Waren Sie da? (vom Team eingetragen)")
MARK_PRESENT = msg("my_data.mark_present", "da")
MARK_ABSENT = msg("my_data.mark_absent", "nicht da")
CONSENTS = msg("my_data.consents", "✅ Ihr Einverständnis")
CONSENT_GIVEN = msg("my_data.consent_given", "seit {date} (Text {version})")
CONSENT_WITHDRAWN = msg(
    "my_data.consent_withdrawn",
    "am {date} gegeben, am {withdrawn} zurückgenommen (Text {version})",
)
REQUESTS = msg("my_data.requests", "🙋 Ihre Fragen an das Team")
REQUEST_OPEN = msg("my_data.request_open", "offen")
REQUEST_DONE = msg("my_data.request_done", "erledigt")
MEDIA = msg("my_data.media", "📎 Dateien, die Sie geschickt haben")
STATISTICS = msg("my_data.statistics", "📊 Für unsere Statistik (ohne Namen)")
DAYS_WRITTEN = msg("my_data.days_written", "Tage, an denen Sie uns geschrieben haben: {count}")
ANSWERS_KEPT = msg("my_data.answers_kept", "Ihre Antworten auf Fragen: {count}")

EXPORT_READY = msg(
    "my_data.export_ready",
    "📥 Hier sind Ihre Daten als Dateien.\n"
    "• Eine Datei zum Lesen (.txt)\n"
    "• Eine Datei für Computer (.json)\n"
    "Bitte bewahren Sie die Dateien gut auf. Andere sollen sie nicht sehen.",
)

#: Kinds of files she sent, in plain words; an unknown kind shows as "other".
MEDIA_KINDS: dict[str, Text] = {
    "photo": msg("my_data.media_photo", "Fotos"),
    "voice": msg("my_data.media_voice", "Sprachnachrichten"),
    "video": msg("my_data.media_video", "Videos"),
    "document": msg("my_data.media_document", "Dokumente"),
    "sticker": msg("my_data.media_sticker", "Sticker"),
}
MEDIA_OTHER = msg("my_data.media_other", "Andere")

ALL_MY_DATA_TEXTS = (
    TITLE,
    EXPORT_TITLE,
    ABOUT,
    NAME,
    LANGUAGE,
    TOWN,
    INTERESTS,
    ATTEND_HELP,
    MESSAGES_ON,
    MESSAGES_OFF,
    CHANNELS,
    COURSES,
    NEXT_SESSION,
    NO_NEXT_SESSION,
    ATTENDANCE,
    FEEDBACK,
    MARKS,
    MARK_PRESENT,
    MARK_ABSENT,
    CONSENTS,
    CONSENT_GIVEN,
    CONSENT_WITHDRAWN,
    REQUESTS,
    REQUEST_OPEN,
    REQUEST_DONE,
    MEDIA,
    STATISTICS,
    DAYS_WRITTEN,
    ANSWERS_KEPT,
    EXPORT_READY,
    *MEDIA_KINDS.values(),
    MEDIA_OTHER,
)

# ---- mentoring (only when there is something: most women never ask for a mentor) ----------
MENTORING = msg("my_data.mentoring", "🤝 Mentorinnen")
MENTOR_PROFILE = msg(
    "my_data.mentor_profile",
    "Ihr Profil als Mentorin ({status}): Sprachen: {languages}. Themen: {topics}. "
    "Frauen gleichzeitig: {capacity}. Zeit: {times}.",
)
MENTOR_PAUSED = msg("my_data.mentor_paused", "Pause bis {date}")
MENTOR_STATUS = {
    "incomplete": msg("my_data.mentor_incomplete", "noch nicht fertig"),
    "active": msg("my_data.mentor_active", "aktiv"),
    "retired": msg("my_data.mentor_retired", "beendet"),
}
MENTORING_REQUEST = msg(
    "my_data.mentoring_request",
    "Ihre Anfrage vom {date} ({status}): Themen: {topics}. Sprache: {wished}.",
)
REQUEST_STATUS = {
    "waiting": msg("my_data.mentoring_waiting", "wir suchen"),
    "proposed": msg("my_data.mentoring_proposed", "wir stellen Ihnen jemanden vor"),
    "matched": msg("my_data.mentoring_matched", "Sie haben eine Mentorin"),
    "withdrawn": msg("my_data.mentoring_withdrawn", "zurückgezogen"),
    "closed": msg("my_data.mentoring_closed", "beendet"),
}
INTRODUCTION = msg("my_data.introduction", "Vorstellung vom {date}: {status}")
INTRODUCTION_STATUS = {
    "asking_mentor": msg("my_data.introduction_asking", "wir fragen noch"),
    "asking_participant": msg("my_data.introduction_asking", "wir fragen noch"),
    "active": msg("my_data.introduction_active", "Sie haben Kontakt"),
    "declined": msg("my_data.introduction_not_met", "nicht zustande gekommen"),
    "lapsed": msg("my_data.introduction_not_met", "nicht zustande gekommen"),
    "withdrawn": msg("my_data.introduction_not_met", "nicht zustande gekommen"),
    "ended": msg("my_data.introduction_ended", "beendet"),
}

# ---- job offers (only when there is something) ---------------------------------------------
JOBS = msg("my_data.jobs", "💼 Job-Angebote")
JOB_ANSWERS = msg(
    "my_data.job_answers",
    "Ihre Antworten: Deutsch: {german}. Stunden pro Woche: {hours}. Weg zur Arbeit: {travel}.",
)
JOB_NOTICE = msg("my_data.job_notice", "Angebot vom {date}: {title}, {town} ({status})")
JOB_NOTICE_STATUS = {
    "sent": msg("my_data.job_sent", "keine Antwort"),
    "interested": msg("my_data.job_interested", "Sie sind interessiert"),
    "not_for_me": msg("my_data.job_not_for_me", "nicht für Sie"),
    "more_like_this": msg("my_data.job_more_like_this", "mehr davon"),
}
