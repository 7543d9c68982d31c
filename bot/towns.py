"""Where the towns of the pilot district and its neighbours are, for "how far apart".

A small vendored table (rounded coordinates of each town centre, about 1 km) instead of a
geocoding service: towns are what she chose or typed at onboarding, matching runs offline,
and nothing about a woman leaves the server.  A town missing here is "unknown" to the
ranking, which then treats the distance as neutral rather than far.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

#: Town (as written in the organisation's list) → (latitude, longitude).
COORDINATES: dict[str, tuple[float, float]] = {
    # Landkreis Nienburg/Weser
    "Nienburg (Weser)": (52.641, 9.208),
    "Hoya": (52.808, 9.140),
    "Marklohe": (52.667, 9.137),
    "Steyerberg": (52.571, 9.026),
    "Stolzenau": (52.517, 9.067),
    "Uchte": (52.500, 8.908),
    "Rehburg-Loccum": (52.470, 9.220),
    "Liebenau": (52.600, 9.100),
    "Eystrup": (52.779, 9.213),
    "Landesbergen": (52.557, 9.126),
    "Steimbke": (52.652, 9.385),
    "Rodewald": (52.665, 9.455),
    "Linsburg": (52.590, 9.297),
    "Husum": (52.568, 9.255),
    "Heemsen": (52.700, 9.270),
    "Drakenburg": (52.690, 9.220),
    "Wietzen": (52.700, 9.083),
    "Siedenburg": (52.690, 8.940),
    "Diepenau": (52.417, 8.733),
    "Warmsen": (52.450, 8.850),
    "Leese": (52.500, 9.117),
    # Partner towns nearby
    "Sulingen": (52.683, 8.800),
    "Verden (Aller)": (52.924, 9.235),
    "Minden": (52.289, 8.917),
    "Petershagen": (52.383, 8.967),
    "Neustadt am Rübenberge": (52.505, 9.458),
    "Diepholz": (52.607, 8.371),
    "Hannover": (52.376, 9.732),
    "Bremen": (53.079, 8.802),
}

EARTH_RADIUS_KM = 6371.0


@lru_cache(maxsize=4096)
def _key(town: str) -> str:
    """Compare names loosely: case, spaces and a bracketed addition ("(Weser)") ignored."""
    without = re.sub(r"\s*\([^)]*\)", "", town)
    return " ".join(without.casefold().split())


_BY_KEY = {_key(name): point for name, point in COORDINATES.items()}


def same_town(a: str | None, b: str | None) -> bool:
    """Both named and the same town (loosely compared)."""
    return bool(a and b and _key(a) == _key(b))


def distance_km(a: str | None, b: str | None) -> float | None:
    """The great-circle distance between two towns (haversine), ``None`` when either is
    unknown; the same town is 0 even when it is not in the table."""
    if same_town(a, b):
        return 0.0
    first = _BY_KEY.get(_key(a)) if a else None
    second = _BY_KEY.get(_key(b)) if b else None
    if first is None or second is None:
        return None
    lat1, lon1 = map(math.radians, first)
    lat2, lon2 = map(math.radians, second)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


__all__ = ["COORDINATES", "distance_km", "same_town"]
