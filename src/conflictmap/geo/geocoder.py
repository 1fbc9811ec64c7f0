"""Optional online geocoding (Nominatim through geopy) for names the offline gazetteer misses.

Off unless the user enables it (``--online`` or ``CONFLICTMAP_ONLINE=1``). Requests go
through geopy's :class:`~geopy.extra.rate_limiter.RateLimiter` (1 request/s, Nominatim's
policy) with a timeout; answers — including "not found" — are kept in a JSON cache
under the cache folder, written atomically. Any network failure switches the run to
offline: the user is told once and the ingest completes with the offline results.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conflictmap.settings import Settings

#: Nominatim classes accepted as places (no shops, offices or buildings named like a capital).
PLACE_CLASSES = frozenset({"place", "boundary", "natural", "waterway", "landuse", "aeroway", "military"})


class GeocodeCache:
    """name|country → result dict (or None for "not found"), persisted as JSON."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = {}
        if path.exists():
            try:
                self.data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.data = {}  # a corrupt cache is discarded, not trusted

    def save(self) -> None:
        """Write atomically (temporary file + rename)."""
        from conflictmap.store.atomic import atomic_write

        data = json.dumps(self.data, ensure_ascii=False, indent=0, sort_keys=True).encode("utf-8")
        atomic_write(self.path, lambda fh: fh.write(data), prefix=".geocode-")


def _default_geocode(settings: Settings) -> Callable[..., Any]:
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import Nominatim

    geolocator = Nominatim(user_agent=settings.nominatim_user_agent, domain=settings.nominatim_url,
                           timeout=settings.geocode_timeout)
    return RateLimiter(geolocator.geocode, min_delay_seconds=1.0, max_retries=1, error_wait_seconds=2.0,
                       swallow_exceptions=False)


def geocode_unresolved(result: Any, settings: Settings, console: Any = None,
                       geocode: Callable[..., Any] | None = None) -> int:
    """Resolve ``result.unresolved_spans`` online and append them to ``result.mentions``.

    Parameters
    ----------
    result : IngestResult
        Output of the offline pipeline (modified in place).
    settings : Settings
        Cache folder, Nominatim options.
    console : rich.console.Console, optional
        Where the one-time "offline" notice goes.
    geocode : callable, optional
        ``geocode(query, exactly_one=True, country_codes=..., addressdetails=False)``
        (geopy signature); defaults to Nominatim with a rate limiter. Tests pass a fake.

    Returns
    -------
    int
        Number of mentions added.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from conflictmap import store

    spans = list(result.unresolved_spans)
    if not spans:
        return 0
    cache = GeocodeCache(Path(settings.cache_dir) / "nominatim.json")
    geocode = geocode or _default_geocode(settings)
    offline = False
    rows: list[dict[str, Any]] = []
    for article_id, text, start, end, focus in spans:
        key = f"{text.lower()}|{focus}"
        if key not in cache.data:
            if offline:
                continue
            try:
                loc = geocode(text, exactly_one=True, country_codes=focus.lower() or None, language="fr")
            except Exception as exc:  # geopy raises GeopyError subclasses, sockets raise OSError
                offline = True
                if console is not None:
                    console.print(f"[yellow]online geocoding unavailable ({type(exc).__name__}); "
                                  "continuing offline[/yellow]")
                continue
            raw = getattr(loc, "raw", None) or {}
            if loc is None or raw.get("class", "place") not in PLACE_CLASSES:
                cache.data[key] = None
            else:
                cache.data[key] = {"lat": float(loc.latitude), "lon": float(loc.longitude),
                                   "name": str(raw.get("display_name", text)).split(",")[0],
                                   "osm_id": str(raw.get("osm_id", "")), "type": str(raw.get("type", ""))}
        hit = cache.data.get(key)
        if not hit:
            continue
        rows.append({
            "article_id": article_id, "text": text, "start": start, "end": end, "sentence": "",
            "place_id": f"nominatim:{hit['osm_id'] or hit['name']}", "place_name": hit["name"],
            "feature_type": "town", "country_code": focus, "role": "location", "confidence": 0.6,
            "geo_precision": 1, "gazetteer": "nominatim", "geometry": shapely.Point(hit["lon"], hit["lat"]),
        })
    cache.save()
    if rows:
        added = store.mentions_frame(rows)
        result.mentions = gpd.GeoDataFrame(pd.concat([result.mentions, added], ignore_index=True),
                                           crs=result.mentions.crs)
    return len(rows)
