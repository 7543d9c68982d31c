"""Courses, sessions, enrolments, reminders and attendance, as coordinators manage them."""
