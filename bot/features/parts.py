"""A large feature built in parts (mentoring: mentors, requests, introductions, staff), each a
:class:`~bot.features.feature.Feature` of its own module; :func:`combine` makes the one value
the registry lists.  Parts keep a folder's modules small and let each grow on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.features.feature import Feature


def _merged(parts: Sequence[Feature], field: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in getattr(part, field).items():
            if key in merged:
                raise ValueError(f"{field} {key!r} is given by two parts")
            merged[key] = value
    return merged


def _one(parts: Sequence[Feature], field: str) -> Any:
    given = [getattr(p, field) for p in parts if getattr(p, field) is not None]
    if len(given) > 1:
        raise ValueError(f"{field} is given by two parts")
    return given[0] if given else None


def _all_of(parts: Sequence[Feature], field: str) -> Callable[..., Any] | None:
    """Call every part's ``field`` (routes, CLI, staff pages) and join what they give."""
    given = [getattr(p, field) for p in parts if getattr(p, field) is not None]
    if not given:
        return None

    def joined(*args: Any) -> Any:
        results = [make(*args) for make in given]
        if all(result is None for result in results):
            return None
        return [item for result in results if result for item in result]

    return joined


def _handlers(parts: Sequence[Feature]) -> Callable[..., Any] | None:
    """Every part's notice handlers, bound to the runtime, in one mapping (a notice type
    handled by two parts is an error)."""
    given = [p.notice_handlers for p in parts if p.notice_handlers is not None]
    if not given:
        return None

    def joined(runtime: Any) -> dict[type, Any]:
        merged: dict[type, Any] = {}
        for make in given:
            for notice, handler in make(runtime).items():
                if notice in merged:
                    raise ValueError(f"notice {notice.__name__} is handled by two parts")
                merged[notice] = handler
        return merged

    return joined


def combine(name: str, flows: Path, *parts: Feature) -> Feature:
    """One feature from its parts: mappings and sequences joined, hooks called in turn."""
    return Feature(
        name=name,
        flows=flows,
        actions=_merged(parts, "actions"),
        effect_writers=tuple(w for p in parts for w in p.effect_writers),
        reply_sources=tuple(r for p in parts for r in p.reply_sources),
        nudge_kinds=tuple(k for p in parts for k in p.nudge_kinds),
        periodic_jobs=tuple(j for p in parts for j in p.periodic_jobs),
        notice_handlers=_handlers(parts),
        organisation_for_code=_one(parts, "organisation_for_code"),
        role_for_code=_one(parts, "role_for_code"),
        on_erase=tuple(h for p in parts for h in p.on_erase),
        commands=tuple(c for p in parts for c in p.commands),
        choice_sources=_merged(parts, "choice_sources"),
        attachments=_merged(parts, "attachments"),
        routes=_all_of(parts, "routes"),
        cli=_all_of(parts, "cli"),
        staff_pages=_all_of(parts, "staff_pages"),
        staff_nav=tuple(n for p in parts for n in p.staff_nav),
        body_limits=_merged(parts, "body_limits"),
        dashboard_panels=tuple(d for p in parts for d in p.dashboard_panels),
        flow_checks=tuple(c for p in parts for c in p.flow_checks),
    )


__all__ = ["combine"]
