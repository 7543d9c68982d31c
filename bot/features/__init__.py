"""Feature folders: one per capability, each exposing ``FEATURE`` (a :class:`Feature`), all
listed in :mod:`bot.features.registry`.  See docs/adding-a-feature.md."""

from bot.features.feature import Feature, PeriodicJob

__all__ = ["Feature", "PeriodicJob"]
