"""The staff web app under ``/staff``: the shell every feature's pages are built in.

:mod:`.shell` (templates, login-required pages), :mod:`.i18n` (the ``staff`` gettext domain),
:mod:`.guard` (sessions and CSRF for every request under ``/staff``), :mod:`.routes` (login,
logout, the dashboard, the account and team pages, static files).  The services below it
(accounts, passwords, sessions, throttle, second factor) are in :mod:`bot.staff`.
"""
