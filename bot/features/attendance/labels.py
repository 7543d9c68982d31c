"""The attendance pages' words for stored codes (German msgids of the ``staff`` domain).

The same German words as the people pages use for the same codes, so the catalogs hold each
once and staff read one word for one thing everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.web.staff.i18n import N_

REASONS: Mapping[str | None, str] = {
    "childcare": N_("Kinderbetreuung"),
    "transport": N_("Fahrt / Verkehr"),
    "ill": N_("krank"),
    "other": N_("anderer Grund"),
    "skip": N_("wollte es nicht sagen"),
    None: N_("ohne Grund"),
}
#: The barrier report's rows: "she did not say" and "no reason given" are one row there.
REPORT_REASONS: Mapping[str, str] = {
    "childcare": N_("Kinderbetreuung"),
    "transport": N_("Fahrt / Verkehr"),
    "ill": N_("krank"),
    "other": N_("anderer Grund"),
    "skip": N_("Grund nicht gesagt"),
}
HELP: Mapping[str, str] = {
    "childcare": N_("Kinderbetreuung"),
    "transport": N_("Fahrt zum Kurs"),
}

__all__ = ["HELP", "REASONS", "REPORT_REASONS"]
