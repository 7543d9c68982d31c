"""Time-driven work: ``runner`` (APScheduler with the sweep and every feature's periodic jobs)
and ``due`` (claims due nudge rows and fires them as their kind says)."""

__all__ = ["due", "runner"]
