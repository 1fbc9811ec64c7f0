"""Loading the dashboard's data directory and preparing it for fast filtering.

A :class:`Bundle` holds the frames of one data directory (the contract of
:mod:`conflictmap.store.schema`) plus :class:`Prepared`, numpy arrays derived once
at load time (day numbers, coordinates, integer codes, exploded actors,
accent-folded search text) so that every filter change is a handful of
vectorised operations, even for a million events.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from conflictmap.dashboard.map import SIDE_COLORS, side_color
from conflictmap.store import schema

__all__ = ["ArchiveInfo", "Bundle", "DataError", "Prepared", "archive_info", "find_data_file", "search_fold", "load_bundle",
           "merge_bundle", "prepare", "window_months", "window_threshold", "windowed_archive"]

_DAY_NONE = np.iinfo(np.int64).max // 4

#: Above this many events (``events_by_month`` archive, from the Parquet footers), the dashboard loads
#: only the months of its time window; ``CONFLICTMAP_WINDOW_THRESHOLD`` overrides it.
WINDOW_THRESHOLD = 200_000


class DataError(RuntimeError):
    """The data directory is missing or unreadable."""


@dataclass
class Prepared:
    """Numpy views of the events used by the filters and the layer builders."""

    d0: np.ndarray  # int64 day number (days since 1970-01-01) of the period start
    d1: np.ndarray  # int64 day number of the period end (inclusive)
    x: np.ndarray  # float64 longitude of the representative point
    y: np.ndarray  # float64 latitude
    cat: np.ndarray  # int8 code into ``cats``
    cats: list[str]
    sub: np.ndarray  # int16 code into ``subs``
    subs: list[str]
    prec: np.ndarray  # int8 geo_precision 1..4
    place: np.ndarray  # int32 code into ``place_ids``
    place_ids: list[str]
    place_names: list[str]
    place_area: dict[int, dict[str, Any]]  # place code -> simplified GeoJSON geometry (non-point places)
    is_point: np.ndarray  # bool: geometry is a point
    act_row: np.ndarray  # int64 row of each (event, actor) pair
    act_code: np.ndarray  # int32 actor code of each pair
    act_off: np.ndarray  # int64 CSR offsets: actors of row r are act_code[act_off[r]:act_off[r + 1]]
    actor1: np.ndarray  # int32 actor code used for the colour (-1 none)
    before: np.ndarray  # int32 controller_before code (-1)
    after: np.ndarray  # int32 controller_after code (-1)
    text: pa.Array  # folded quote + place name, for the free-text search
    origin: np.ndarray  # int8: 0 bundled data, 1 uploaded in this session
    span: tuple[date, date] | None  # first / last day of the events


@dataclass
class Bundle:
    """All frames of a data directory, plus the prepared arrays."""

    events: gpd.GeoDataFrame
    articles: pd.DataFrame
    mentions: pd.DataFrame
    control: pd.DataFrame
    zones: gpd.GeoDataFrame
    actors: pd.DataFrame  # index actor_id; label_fr, label_en, side, color
    actor_ids: list[str]
    version: str
    source_dir: str
    prep: Prepared
    zone_features: list[dict[str, Any]] = field(default_factory=list)
    zone_days: tuple[np.ndarray, np.ndarray] = field(default_factory=lambda: (np.zeros(0, int), np.zeros(0, int)))
    control_days: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    control_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # position of each control row
    n_uploaded: int = 0
    #: Windowed loading of a large ``events_by_month`` archive: the loaded months (first, last) and the
    #: span of the whole archive (for the date slider). ``None`` when every event is loaded.
    months: tuple[str, str] | None = None
    full_span: tuple[date, date] | None = None
    #: Derived per-view results (:class:`~conflictmap.dashboard.filters.ViewCache`); live and die with the bundle.
    views: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def search_fold(text: str) -> str:
    """Lower-case and strip accents (the search normal form).

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    arr = _fold_array(pa.array([text or ""], type=pa.string()))
    return str(arr[0].as_py())


def _fold_array(arr: pa.Array) -> pa.Array:
    arr = pc.utf8_normalize(pc.fill_null(arr, ""), "NFKD")
    arr = pc.replace_substring_regex(arr, r"\p{Mn}+", "")
    return pc.utf8_lower(arr)


def _days(values: pd.Series) -> np.ndarray:
    """ISO date strings -> int64 day numbers (unparseable -> ``_DAY_NONE``)."""
    d = pd.to_datetime(values, errors="coerce", format="mixed") if len(values) else pd.Series([], dtype="M8[ns]")
    out = np.asarray(d.values.astype("datetime64[D]").astype(np.int64))
    out = np.where(pd.isna(d).to_numpy(), _DAY_NONE, out)
    return out


def _period_end(d0: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """Last day of the period starting at ``d0`` for day/week/month/year precision."""
    d1 = d0.copy()
    ok = d0 != _DAY_NONE
    p = np.asarray(precision, dtype=object)
    wk = ok & (p == "week")
    d1[wk] += 6
    for unit, mask in (("M", ok & (p == "month")), ("Y", ok & (p == "year"))):
        if mask.any():
            start = d0[mask].astype("datetime64[D]").astype(f"datetime64[{unit}]")
            d1[mask] = ((start + 1).astype("datetime64[D]") - np.timedelta64(1, "D")).astype(np.int64)
    return d1


def _codes(values: Any, categories: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    cat = pd.Categorical(pd.Series(values, dtype=object).fillna(""), categories=categories)
    return np.asarray(cat.codes), [str(c) for c in cat.categories]


def _as_list(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        if v.startswith("["):
            try:
                return [str(a) for a in json.loads(v)]
            except ValueError:
                return [v]
        return [a for a in v.replace(";", ",").split(",") if a] if v else []
    try:
        return [str(a) for a in v if a is not None and a == a]
    except TypeError:
        return []


def _load_actors(path: Path | None, extra_ids: list[str]) -> pd.DataFrame:
    cols = ["actor_id", "label_fr", "label_en", "side"]
    if path is not None and path.exists():
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        for c in cols:
            if c not in df.columns:
                df[c] = ""
        df = df[cols].drop_duplicates("actor_id")
    else:
        df = pd.DataFrame(columns=cols)
    known = set(df["actor_id"])
    missing = [a for a in dict.fromkeys(extra_ids) if a and a not in known]
    if missing:
        df = pd.concat([df, pd.DataFrame({"actor_id": missing, "label_fr": missing, "label_en": missing,
                                          "side": "unknown"})], ignore_index=True)
    df["label_fr"] = np.where(df["label_fr"].astype(str).str.len() > 0, df["label_fr"], df["actor_id"])
    df["side"] = df["side"].where(df["side"].isin(list(SIDE_COLORS)), "unknown")
    df["color"] = df["side"].map(side_color)
    return df.set_index("actor_id")


def _empty_events() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: pd.Series([], dtype=object) for c in schema.EVENT_COLUMNS},
                            geometry=gpd.GeoSeries([], crs=schema.CRS), crs=schema.CRS)


def find_data_file(data_dir: Path, name: str, app_root: Path | None = None) -> Path | None:
    """Find ``name`` in the data directory, its parent, ``<app_root>/data``, then the package data.

    Parameters
    ----------
    data_dir : pathlib.Path
        The directory of ``events.parquet`` (e.g. ``data/seeds``).
    name : str
        File name such as ``zones.geojson`` or ``actors.csv``.
    app_root : pathlib.Path, optional
        Repository root; ``<app_root>/data/<name>`` is tried before the curated files shipped
        with the package (:data:`conflictmap.settings.DATA_DIR`).

    Returns
    -------
    pathlib.Path or None
    """
    cands = [data_dir / name, data_dir.parent / name]
    if app_root is not None:
        cands.append(app_root / "data" / name)
    from conflictmap.settings import DATA_DIR

    cands.append(DATA_DIR / name)
    for c in cands:
        if c.exists():
            return c
    return None


def _read_frame(data_dir: Path, stem: str, columns: list[str]) -> pd.DataFrame:
    p = data_dir / f"{stem}.parquet"
    if p.exists():
        df = pd.read_parquet(p)
    else:
        df = pd.DataFrame(columns=columns)
    for c in columns:
        if c not in df.columns:
            df[c] = pd.Series([None] * len(df), dtype=object)
    return df


def _version(data_dir: Path, archive: bool = False) -> str:
    v = data_dir / "VERSION"
    # windowed: the (small) manifest of the archive identifies it; hashing a huge events.parquet is avoided
    ev = data_dir / "events_by_month" / "_SUCCESS.json" if archive else data_dir / "events.parquet"
    parts = []
    if v.exists():
        parts.append(v.read_text(encoding="utf-8").strip().splitlines()[0][:80] if v.read_text().strip() else "")
    if ev.exists():
        h = hashlib.sha256()
        with ev.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        built = datetime.fromtimestamp(ev.stat().st_mtime, tz=timezone.utc).strftime("%Y-%m-%d")
        parts.append(f"{'archive' if archive else 'events'} sha256 {h.hexdigest()[:10]}, {built}")
    return " · ".join(p for p in parts if p) or "inconnue"


def load_bundle(data_dir: str | Path, app_root: str | Path | None = None,
                months: tuple[str, str] | None = None) -> Bundle:
    """Load a data directory (``events.parquet`` ... ``zones.geojson``, ``actors.csv``).

    Parameters
    ----------
    data_dir : str or pathlib.Path
        Directory written by ``conflictmap ingest --out`` (or by
        :func:`conflictmap.demo.write_dataset`).
    app_root : str or pathlib.Path, optional
        Repository root used to find ``data/zones.geojson`` and ``data/actors.csv``.
    months : tuple of str, optional
        ``("YYYY-MM", "YYYY-MM")``: read only the events of these months (and what overlaps them,
        see :func:`_read_window_events`) from ``events_by_month/`` instead of ``events.parquet``.

    Returns
    -------
    Bundle

    Raises
    ------
    DataError
        When the directory or its ``events.parquet`` is missing or unreadable.
    """
    d = Path(data_dir)
    root = Path(app_root) if app_root is not None else None
    ev_path = d / "events.parquet"
    if not d.is_dir():
        raise DataError(f"Dossier de données introuvable : {d}")
    info = None
    if months is not None:
        info = archive_info(d)
        if info is None:
            raise DataError(f"Aucune archive events_by_month dans {d}.")
        ev_path = d / "events_by_month"
        try:
            events = _read_window_events(d, months)
        except Exception as exc:  # noqa: BLE001 - report any reader failure to the user
            raise DataError(f"Lecture impossible de {ev_path} : {exc}") from exc
    elif ev_path.exists():
        try:
            events = gpd.read_parquet(ev_path)
        except Exception as exc:  # noqa: BLE001 - report any reader failure to the user
            raise DataError(f"Lecture impossible de {ev_path} : {exc}") from exc
    elif (d / "events.geojson").exists():
        events = gpd.read_file(d / "events.geojson")
    else:
        raise DataError(f"Aucun fichier events.parquet dans {d} (lancez `make data`).")
    from conflictmap.errors import DataFileError
    from conflictmap.store.validate import validate_events

    try:  # columns, CRS, geometry, ids, categories, dates: every problem in one readable message
        validate_events(events, path=ev_path if ev_path.exists() else d / "events.geojson")
    except DataFileError as exc:
        raise DataError(str(exc)) from exc
    for c in schema.EVENT_COLUMNS:
        if c not in events.columns:
            events[c] = None
    articles = _read_frame(d, "articles", schema.ARTICLE_COLUMNS)
    mentions = _read_frame(d, "mentions", schema.MENTION_COLUMNS)
    control = _read_frame(d, "control", schema.CONTROL_COLUMNS)
    zp = find_data_file(d, "zones.geojson", root)
    if zp is not None:
        from conflictmap.geo.zones import load_zones

        try:
            zones = load_zones(zp)
        except (DataFileError, ValueError) as exc:
            raise DataError(str(exc)) from exc
    else:
        zones = gpd.GeoDataFrame({c: [] for c in schema.ZONE_COLUMNS}, geometry=gpd.GeoSeries([], crs=schema.CRS))
    ap = find_data_file(d, "actors.csv", root)
    if ap is not None:
        from conflictmap.extract.actors import ActorLexicon

        try:
            ActorLexicon.load(ap)
        except DataFileError as exc:
            raise DataError(str(exc)) from exc
    bundle = _assemble(events, articles, mentions, control, zones, ap, _version(d, archive=info is not None), str(d))
    if info is not None:
        bundle.months = (months[0], months[1])
        bundle.full_span = info.span
    return bundle


# --------------------------------------------------------------------------- windowed loading (large archives)


@dataclass(frozen=True)
class ArchiveInfo:
    """What the dashboard needs to know of an ``events_by_month`` archive without reading its rows."""

    months: tuple[str, ...]  # dated months (``YYYY-MM``), sorted
    rows: int  # every row, undated included (from the Parquet footers)
    span: tuple[date, date] | None  # first day of the first month, last day of the last month
    signature: tuple[tuple[str, int, int], ...]  # (file, mtime_ns, size) of every part: a cache key


def window_threshold() -> int:
    """Row count above which the dashboard loads a time window only (``CONFLICTMAP_WINDOW_THRESHOLD``)."""
    from conflictmap import settings

    return settings.window_threshold(WINDOW_THRESHOLD)


def _month_parts(data_dir: Path) -> list[tuple[str, Path]]:
    root = Path(data_dir) / "events_by_month"
    if not root.is_dir():
        return []
    out = []
    for sub in sorted(root.iterdir()):
        if sub.is_dir() and sub.name.startswith("month="):
            out.extend((sub.name[6:], f) for f in sorted(sub.glob("*.parquet")))
    return out


def _month_bounds(month: str) -> tuple[date, date]:
    first = date(int(month[:4]), int(month[5:7]), 1)
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, nxt - pd.Timedelta(days=1).to_pytimedelta()


def _add_months(month: str, k: int) -> str:
    i = int(month[:4]) * 12 + int(month[5:7]) - 1 + k
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def archive_info(data_dir: str | Path) -> ArchiveInfo | None:
    """Months, row count and span of ``DIR/events_by_month`` (folder names and Parquet footers only).

    Returns
    -------
    ArchiveInfo or None
        ``None`` when there is no archive (or it has no part file).
    """
    import pyarrow.parquet as pq

    parts = _month_parts(Path(data_dir))
    if not parts:
        return None
    rows = 0
    sig = []
    for _, f in parts:
        rows += int(pq.read_metadata(f).num_rows)
        st_ = f.stat()
        sig.append((f"{f.parent.name}/{f.name}", int(st_.st_mtime_ns), int(st_.st_size)))
    months = tuple(sorted({m for m, _ in parts if len(m) == 7 and m[4] == "-" and m[:4].isdigit()}))
    span = (_month_bounds(months[0])[0], _month_bounds(months[-1])[1]) if months else None
    return ArchiveInfo(months=months, rows=rows, span=span, signature=tuple(sig))


def windowed_archive(data_dir: str | Path) -> ArchiveInfo | None:
    """The archive of ``data_dir`` when it is large enough to be loaded by time window, else ``None``."""
    info = archive_info(data_dir)
    if info is None or info.span is None or info.rows <= window_threshold():
        return None
    return info


def window_months(start: date, end: date) -> tuple[str, str]:
    """``("YYYY-MM", "YYYY-MM")`` of a time window."""
    return f"{start.year:04d}-{start.month:02d}", f"{end.year:04d}-{end.month:02d}"


def _read_window_events(data_dir: Path, months: tuple[str, str]) -> gpd.GeoDataFrame:
    """The events that can overlap any window within ``months`` (predicate push-down on the archive).

    An event overlaps the window when its period (day/week/month/year) does, so besides the months
    themselves this reads the month before (weeks that start there) and, from January of the first
    month's year, the events dated 1 January (year precision).
    """
    from conflictmap.store.archive import read_events_window

    lo = _add_months(months[0], -1)
    start, end = _month_bounds(lo)[0], _month_bounds(months[1])[1]
    events = read_events_window(data_dir, start, end)
    jan = date(int(months[0][:4]), 1, 1)
    if jan < start:
        extra = read_events_window(data_dir, jan, jan)
        extra = extra[extra["date_precision"].astype(object) == "year"] if "date_precision" in extra else extra
        if len(extra):
            events = gpd.GeoDataFrame(pd.concat([extra, events], ignore_index=True), geometry="geometry",
                                      crs=events.crs or extra.crs)
    return events


def _assemble(events: gpd.GeoDataFrame, articles: pd.DataFrame, mentions: pd.DataFrame, control: pd.DataFrame,
              zones: gpd.GeoDataFrame, actors_path: Path | None, version: str, source_dir: str,
              origin: np.ndarray | None = None, actors: pd.DataFrame | None = None) -> Bundle:
    events = events.reset_index(drop=True)
    ids: list[str] = []
    for col in ("actor1", "actor2", "controller_before", "controller_after"):
        ids.extend(str(v) for v in pd.unique(events[col].dropna()))
    if len(events):
        ex = events["actors"].map(_as_list).explode().dropna()
        ids.extend(str(v) for v in pd.unique(ex))
    if "parties" in zones.columns:
        ids.extend(str(a) for v in zones["parties"] for a in _as_list(v))
    ids.extend(str(v) for col in ("controller_before", "controller_after") for v in pd.unique(control[col].dropna()))
    if actors is None:
        actors = _load_actors(actors_path, ids)
    else:
        actors = _load_actors(None, ids) if actors.empty else _extend_actors(actors, ids)
    prep = prepare(events, list(actors.index), origin)
    zones = zones.reset_index(drop=True)
    zf, zd = _zone_features(zones, actors)
    cdays = _days(control["date"].astype(object)) if len(control) else np.zeros(0, np.int64)
    cxy = _control_positions(events, control, prep)
    return Bundle(events=events, articles=articles.reset_index(drop=True), mentions=mentions.reset_index(drop=True),
                  control=control.reset_index(drop=True), zones=zones, actors=actors, actor_ids=list(actors.index),
                  version=version, source_dir=source_dir, prep=prep, zone_features=zf, zone_days=zd,
                  control_days=cdays, control_xy=cxy, n_uploaded=int((prep.origin == 1).sum()))


def _control_positions(events: pd.DataFrame, control: pd.DataFrame, prep: Prepared) -> np.ndarray:
    """Lon/lat of every control row: its event's point, else the first event at that place."""
    xy = np.full((len(control), 2), np.nan)
    if not len(control) or not len(events):
        return xy
    by_id = pd.Series(np.arange(len(events)), index=events["event_id"].astype(object).to_numpy())
    by_id = by_id[~by_id.index.duplicated()]
    r = by_id.reindex(control["event_id"].astype(object).to_numpy()).fillna(-1).to_numpy(np.int64)
    first = pd.Series(np.arange(len(prep.place))).groupby(prep.place).first()
    place_row = pd.Series(first.to_numpy(), index=[prep.place_ids[i] for i in first.index])
    fallback = place_row.reindex(control["place_id"].astype(object)).to_numpy()
    r = np.where(r >= 0, r, np.nan_to_num(fallback, nan=-1)).astype(np.int64)
    ok = r >= 0
    xy[ok, 0] = prep.x[r[ok]]
    xy[ok, 1] = prep.y[r[ok]]
    return xy


def _extend_actors(actors: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    missing = [a for a in dict.fromkeys(ids) if a and a not in actors.index]
    if not missing:
        return actors
    extra = pd.DataFrame({"label_fr": missing, "label_en": missing, "side": "unknown",
                          "color": side_color("unknown")}, index=pd.Index(missing, name="actor_id"))
    return pd.concat([actors, extra])


def _iso(v: Any) -> str:
    """A date-like value (str, Timestamp, date, None/NaT) as ``YYYY-MM-DD`` or ``""``."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, str):
        return v.strip()[:10]
    try:
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    except (ValueError, TypeError):
        return str(v)[:10]


def _zone_features(zones: gpd.GeoDataFrame, actors: pd.DataFrame) -> tuple[list[dict[str, Any]],
                                                                           tuple[np.ndarray, np.ndarray]]:
    feats: list[dict[str, Any]] = []
    if zones.empty:
        return feats, (np.zeros(0, np.int64), np.zeros(0, np.int64))
    labels = actors["label_fr"].to_dict()
    geoms = shapely.simplify(np.asarray(zones.geometry.values), 0.003, preserve_topology=True)
    for i, row in zones.iterrows():
        g = geoms[i]
        if g is None or g.is_empty:
            continue
        parties = [labels.get(a, a) for a in _as_list(row.get("parties"))]
        feats.append({
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(shapely.set_precision(g, 1e-4))),
            "properties": {
                "zone_id": str(row.get("zone_id", "")), "name": str(row.get("name", "")),
                "valid_from": _iso(row.get("valid_from")), "valid_to": _iso(row.get("valid_to")),
                "parties": parties, "source": str(row.get("source") or ""),
                "approximate": bool(row.get("approximate")) if row.get("approximate") is not None else False,
                "method": str(row.get("method") or ""),
            },
        })
    vf = _days(pd.Series([f["properties"]["valid_from"] or None for f in feats], dtype=object))
    vt_raw = pd.Series([f["properties"]["valid_to"] or None for f in feats], dtype=object)
    vt = _days(vt_raw)  # open ("" / None) -> _DAY_NONE == open-ended
    vf = np.where(vf == _DAY_NONE, -_DAY_NONE, vf)
    return feats, (vf, vt)


def prepare(events: gpd.GeoDataFrame, actor_ids: list[str], origin: np.ndarray | None = None) -> Prepared:
    """Derive the numpy arrays used by the filters from an events frame.

    Parameters
    ----------
    events : geopandas.GeoDataFrame
        Events following ``schema.EVENT_COLUMNS`` (RangeIndex).
    actor_ids : list of str
        Actor id for every actor code (must contain every id in ``events``).
    origin : numpy.ndarray, optional
        Per-row origin flag (1 = uploaded in this session).

    Returns
    -------
    Prepared
    """
    n = len(events)
    d0 = _days(events["date"].astype(object)) if n else np.zeros(0, np.int64)
    d1 = _period_end(d0, events["date_precision"].to_numpy(dtype=object)) if n else d0
    geom = np.asarray(events.geometry.values) if n else np.zeros(0, dtype=object)
    is_point = shapely.get_type_id(geom) == 0 if n else np.zeros(0, bool)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    if n:
        x[is_point] = shapely.get_x(geom[is_point])
        y[is_point] = shapely.get_y(geom[is_point])
        other = ~is_point & ~shapely.is_missing(geom) & ~shapely.is_empty(geom)
        if other.any():
            rp = shapely.point_on_surface(geom[other])
            x[other] = shapely.get_x(rp)
            y[other] = shapely.get_y(rp)
    cat, cats = _codes(events["category"].to_numpy(dtype=object))
    sub, subs = _codes(events["sub_type"].to_numpy(dtype=object))
    prec = pd.to_numeric(events["geo_precision"], errors="coerce").fillna(1).clip(1, 4).to_numpy(np.int8)
    place, place_ids = _codes(events["place_id"].to_numpy(dtype=object))
    # first name per place id
    if n:
        first = pd.Series(np.arange(n)).groupby(place).first()
        names = events["place_name"].to_numpy(dtype=object)
        place_names = [str(names[first.get(i)]) if i in first.index and names[first.get(i)] is not None else ""
                       for i in range(len(place_ids))]
        # simplified area geometry per non-point place (first occurrence)
        area: dict[int, dict[str, Any]] = {}
        np_rows = np.flatnonzero(~is_point)
        if len(np_rows):
            s = pd.Series(np_rows).groupby(place[np_rows]).first()
            gg = shapely.simplify(geom[s.to_numpy()], 0.01, preserve_topology=True)
            gg = shapely.set_precision(gg, 1e-3)
            for code, g in zip(s.index, gg):
                if g is not None and not g.is_empty:
                    area[int(code)] = json.loads(shapely.to_geojson(g))
    else:
        place_names, area = [], {}
    code_of = {a: i for i, a in enumerate(actor_ids)}

    def code_col(col: str) -> np.ndarray:
        vals = events[col].to_numpy(dtype=object)
        return np.asarray(pd.Series(vals, dtype=object).map(code_of).fillna(-1).to_numpy(), dtype=np.int32)

    a1 = code_col("actor1") if n else np.zeros(0, np.int32)
    before = code_col("controller_before") if n else np.zeros(0, np.int32)
    after = code_col("controller_after") if n else np.zeros(0, np.int32)
    if n:
        lists = events["actors"]
        ex = lists.map(_as_list).explode()
        rows = np.concatenate([ex.index.to_numpy(), *[np.flatnonzero(c >= 0) for c in (a1, before, after)]])
        ex_codes = ex.map(code_of).fillna(-1).to_numpy(dtype=np.int32)
        codes = np.concatenate([ex_codes, a1[a1 >= 0], before[before >= 0], after[after >= 0]])
        keep = codes >= 0
        pairs = np.unique(np.column_stack([rows[keep].astype(np.int64), codes[keep].astype(np.int64)]), axis=0)
        act_row, act_code = pairs[:, 0], pairs[:, 1].astype(np.int32)
        # colour: actor1, else the first listed actor
        first_listed = pd.Series(ex_codes, index=ex.index).groupby(level=0).first().reindex(range(n)).fillna(-1)
        a1 = np.where(a1 >= 0, a1, first_listed.to_numpy(dtype=np.int32))
        text = _fold_array(pc.binary_join_element_wise(
            pa.array(events["quote"].to_numpy(dtype=object), type=pa.string()),
            pa.array(events["place_name"].to_numpy(dtype=object), type=pa.string()), " \u241f "))
    else:
        act_row = np.zeros(0, np.int64)
        act_code = np.zeros(0, np.int32)
        text = pa.array([], type=pa.string())
    valid = d0[d0 != _DAY_NONE]
    span = None
    if len(valid):
        span = (_to_date(int(valid.min())), _to_date(int(d1[d0 != _DAY_NONE].max())))
    return Prepared(
        d0=d0, d1=d1, x=x, y=y, cat=cat.astype(np.int8), cats=cats, sub=sub.astype(np.int16), subs=subs, prec=prec,
        place=place.astype(np.int32), place_ids=place_ids, place_names=place_names, place_area=area,
        is_point=np.asarray(is_point, bool), act_row=act_row, act_code=act_code,
        act_off=np.searchsorted(act_row, np.arange(n + 1)), actor1=a1.astype(np.int32),
        before=before, after=after, text=text,
        origin=np.zeros(n, np.int8) if origin is None else np.asarray(origin, np.int8), span=span,
    )


def _to_date(day: int) -> date:
    return date(1970, 1, 1) + pd.Timedelta(days=day).to_pytimedelta()


def merge_bundle(base: Bundle, extra: dict[str, pd.DataFrame], label: str = "téléversement") -> Bundle:
    """Return a new bundle with the uploaded frames appended to ``base``.

    ``base`` is not modified (it is shared between sessions).

    Parameters
    ----------
    base : Bundle
        The bundled data.
    extra : dict
        Frames ``events``, ``articles``, ``mentions``, ``control`` from the pipeline.
    label : str, optional
        Added to the data version.

    Returns
    -------
    Bundle
    """
    ev_extra = extra.get("events")
    if ev_extra is None or len(ev_extra) == 0:
        ev_extra = _empty_events()
    if not isinstance(ev_extra, gpd.GeoDataFrame):
        ev_extra = gpd.GeoDataFrame(ev_extra, geometry="geometry", crs=schema.CRS)
    if ev_extra.crs is None:
        ev_extra = ev_extra.set_crs(schema.CRS)
    cols = list(dict.fromkeys(schema.EVENT_COLUMNS + ["geometry"]))
    for c in cols:
        if c not in ev_extra.columns:
            ev_extra[c] = None
    events = gpd.GeoDataFrame(pd.concat([base.events[cols], ev_extra[cols].to_crs(schema.CRS)], ignore_index=True),
                              geometry="geometry", crs=schema.CRS)
    origin = np.concatenate([base.prep.origin, np.ones(len(ev_extra), np.int8)])

    def cat(a: pd.DataFrame, b: Any, cols: list[str]) -> pd.DataFrame:
        if b is None or len(b) == 0:
            return a
        b = pd.DataFrame(b)
        return pd.concat([a, b[[c for c in cols if c in b.columns]]], ignore_index=True)

    return _assemble(events, cat(base.articles, extra.get("articles"), schema.ARTICLE_COLUMNS),
                     cat(base.mentions, extra.get("mentions"), schema.MENTION_COLUMNS),
                     cat(base.control, extra.get("control"), schema.CONTROL_COLUMNS),
                     base.zones, None, f"{base.version} + {label}", base.source_dir, origin=origin,
                     actors=base.actors)


def bundle_from_frames(frames: dict[str, Any], version: str = "en mémoire") -> Bundle:
    """Build a bundle from in-memory frames (tests, benchmarks, demos).

    Parameters
    ----------
    frames : dict
        Keys ``events`` (required), ``articles``, ``mentions``, ``control``,
        ``zones``, ``actors`` (the ``data/actors.csv`` columns).
    version : str, optional

    Returns
    -------
    Bundle
    """
    def frame(key: str, cols: list[str]) -> pd.DataFrame:
        df = frames.get(key)
        return pd.DataFrame(columns=cols) if df is None else pd.DataFrame(df)

    zones = frames.get("zones")
    if zones is None:
        zones = gpd.GeoDataFrame({c: [] for c in schema.ZONE_COLUMNS}, geometry=gpd.GeoSeries([], crs=schema.CRS))
    actors = frames.get("actors")
    act = None
    if actors is not None:
        a = pd.DataFrame(actors).drop_duplicates("actor_id").set_index("actor_id")
        a["side"] = a["side"].where(a["side"].isin(list(SIDE_COLORS)), "unknown")
        a["color"] = a["side"].map(side_color)
        act = a[["label_fr", "label_en", "side", "color"]]
    return _assemble(frames["events"], frame("articles", schema.ARTICLE_COLUMNS),
                     frame("mentions", schema.MENTION_COLUMNS), frame("control", schema.CONTROL_COLUMNS),
                     zones, None, version, "<mémoire>", actors=act)


# --------------------------------------------------------------------------- uploads

MAX_UPLOAD_FILES = 10
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
UPLOAD_TYPES: tuple[str, ...] = ("txt", "md", "html", "htm")


def validate_uploads(files: Sequence[tuple[str, int]], lang: str = "fr") -> tuple[list[int], list[str]]:
    """Check uploaded files against the limits.

    Parameters
    ----------
    files : sequence of (name, size in bytes)
    lang : str, optional
        Language of the messages (``"fr"`` or ``"en"``).

    Returns
    -------
    tuple
        ``(accepted indices, error messages)``; at most :data:`MAX_UPLOAD_FILES`
        files of at most :data:`MAX_UPLOAD_BYTES` each with an allowed extension.
    """
    from conflictmap.dashboard.i18n import t

    mb = MAX_UPLOAD_BYTES // (1024 * 1024)
    ok: list[int] = []
    errors: list[str] = []
    for i, (name, size) in enumerate(files):
        ext = Path(name).suffix.lower().lstrip(".")
        if ext not in UPLOAD_TYPES:
            errors.append(t("upload_bad_type", lang, name=name, ext=ext or "?"))
        elif size > MAX_UPLOAD_BYTES:
            errors.append(t("upload_too_big", lang, name=name, size=size / 1048576, mb=mb))
        elif size == 0:
            errors.append(t("upload_empty", lang, name=name))
        elif len(ok) >= MAX_UPLOAD_FILES:
            errors.append(t("upload_too_many", lang, name=name, n=MAX_UPLOAD_FILES))
        else:
            ok.append(i)
    return ok, errors


# --------------------------------------------------------------------------- live datasets (issue #14)


def live_data_dir(app_root: Path | None = None) -> Path:
    """The folder to show: ``$CONFLICTMAP_DATA``, or the local copy of the dataset it names by URL.

    A URL (``https://…``, ``s3://…``) is copied by :func:`conflictmap.store.remote.mirror` into
    ``$CONFLICTMAP_CACHE_DIR/remote``, asking the server at most every ``$CONFLICTMAP_RELOAD_SECONDS``.

    Raises
    ------
    DataError
        When a remote dataset cannot be read and no copy of it exists yet.
    """
    from conflictmap import settings
    from conflictmap.store.remote import RemoteDataError, is_remote, mirror

    loc = settings.dashboard_data_location(app_root)
    if not is_remote(loc):
        return Path(loc)
    try:
        return mirror(loc, settings.remote_cache_dir(), settings.reload_seconds())
    except RemoteDataError as exc:
        raise DataError(f"Données distantes illisibles : {exc}") from None


@dataclass(frozen=True)
class Freshness:
    """When a dataset was written, and what it holds that is newer than a given time."""

    written_at: str  # UTC ISO time from _SUCCESS.json ("" when unknown)
    new_articles: int = 0
    new_events: int = 0


def success_token(d: Path) -> tuple[int, int]:
    """(mtime_ns, size) of ``d/_SUCCESS.json``: changes whenever a new dataset is written there."""
    try:
        st_ = (Path(d) / "_SUCCESS.json").stat()
    except OSError:
        return (0, 0)
    return (int(st_.st_mtime_ns), int(st_.st_size))


def dataset_freshness(d: Path, since: str | None) -> Freshness:
    """``written_at`` of the dataset in ``d`` and the articles/events added after ``since``.

    An article is new when its ``sources.parquet`` row has ``added_at > since``; an event is new when
    every article it was reported in is new (an older event that gains a source is not new).
    Datasets without ``sources.parquet`` (built by ``ingest``) have nothing new.
    """
    from conflictmap.store import read_success

    meta = read_success(d) or {}
    written = str(meta.get("written_at") or "")
    if not since or "sources.parquet" not in meta.get("files", []):
        return Freshness(written)
    try:
        src = pd.read_parquet(Path(d) / "sources.parquet", columns=["article_id", "added_at"])
        ev = pd.read_parquet(Path(d) / "events.parquet", columns=["article_id", "sources"])
    except Exception:  # noqa: BLE001 - a partial dataset: say nothing rather than something wrong
        return Freshness(written)
    new_ids = set(src.loc[src["added_at"].astype(str) > since, "article_id"].astype(str))
    if not new_ids:
        return Freshness(written)

    def event_is_new(first: Any, sources: Any) -> bool:
        try:
            ids = {str(s["article_id"]) for s in json.loads(sources or "[]")} or {str(first)}
        except (ValueError, TypeError, KeyError):
            ids = {str(first)}
        return ids <= new_ids

    n_ev = sum(event_is_new(a, s) for a, s in zip(ev["article_id"], ev["sources"]))
    return Freshness(written, len(new_ids), int(n_ev))
