"""Staff accounts, passwords, sessions and login protection: the services below the staff web
app (:mod:`bot.web.staff`).  Nothing here knows HTTP; the pages and ``twc staff`` use it."""
