"""Time-driven work: due nudges and timeouts, run by APScheduler over rows in the database."""
