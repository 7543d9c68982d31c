"""Organisations (the tenants): their settings, checked and audited, for the command line and
the staff web app (``service.py``), and ``twc organisations`` (``cli.py``).  Opening hours
themselves are pure and live in :mod:`conversations.opening_hours`."""
