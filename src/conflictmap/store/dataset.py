"""Frames and files: pure builders (records → GeoDataFrame) and atomic writers/readers.

Builders return frames with the fixed columns of :mod:`conflictmap.store.schema` and
``crs="EPSG:4326"``. Writers never leave a half-written dataset: every file is
written to a temporary name in the same folder and renamed into place, and the
folder's ``_SUCCESS.json`` (written last) lists what a complete dataset holds.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from conflictmap.errors import DataFileError
from conflictmap.store.schema import (
    ARTICLE_COLUMNS,
    CONTROL_COLUMNS,
    CRS,
    EVENT_COLUMNS,
    MENTION_COLUMNS,
)

LIST_COLUMNS = {"actors"}


def _frame(records: Iterable[Mapping[str, Any]], columns: list[str], geometry: list[Any] | None) -> gpd.GeoDataFrame:
    rows = list(records)
    df = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)
    geoms = geometry if geometry is not None else [r.get("geometry") for r in rows]
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=CRS), crs=CRS)


def mentions_frame(records: Iterable[Mapping[str, Any]]) -> gpd.GeoDataFrame:
    """Mention records (with a ``geometry`` key) → GeoDataFrame of :data:`MENTION_COLUMNS`."""
    gdf = _frame(records, MENTION_COLUMNS, None)
    return gdf.astype({"start": "int64", "end": "int64", "geo_precision": "int64", "confidence": "float64"})


def events_frame(records: Iterable[Mapping[str, Any]]) -> gpd.GeoDataFrame:
    """Event records → GeoDataFrame of :data:`EVENT_COLUMNS`."""
    gdf = _frame(records, EVENT_COLUMNS, None)
    gdf["actors"] = gdf["actors"].apply(lambda v: list(v) if v is not None else [])
    return gdf.astype({"start": "int64", "end": "int64", "geo_precision": "int64", "n_sources": "int64",
                       "date_inferred": "bool"})


def articles_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Article records → DataFrame of :data:`ARTICLE_COLUMNS`."""
    rows = list(records)
    df = pd.DataFrame([{c: r.get(c) for c in ARTICLE_COLUMNS} for r in rows], columns=ARTICLE_COLUMNS)
    return df.astype({"published_inferred": "bool"})


def control_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Control-change records → DataFrame of :data:`CONTROL_COLUMNS`."""
    rows = list(records)
    return pd.DataFrame([{c: r.get(c) for c in CONTROL_COLUMNS} for r in rows], columns=CONTROL_COLUMNS)


# --------------------------------------------------------------------------- writing


def _listify(frame: pd.DataFrame) -> pd.DataFrame:
    """List columns read back from Parquet come as numpy arrays; make them plain lists again."""
    for col in LIST_COLUMNS & set(frame.columns):
        frame[col] = frame[col].apply(lambda v: [] if v is None else [str(x) for x in v])
    return frame


def _geojson_text(gdf: gpd.GeoDataFrame) -> str:
    """``gdf.to_json(drop_id=True, ensure_ascii=False)``, byte for byte, built faster.

    As GeoPandas does: properties with missing values as null, the geometry from shapely's
    ``mapping`` (None for an empty one). Faster: points (most rows) from the coordinate arrays, and
    each distinct other geometry (a province outline named by many mentions) converted once.
    """
    if len(gdf) == 0:
        return json.dumps({"type": "FeatureCollection", "features": []})
    geom_col = gdf.geometry.name
    if not gdf.columns.is_unique:
        return gdf.to_json(drop_id=True, ensure_ascii=False)
    import shapely
    from shapely.geometry import mapping

    cols = [c for c in gdf.columns if c != geom_col]
    props = gdf[cols].astype(object)
    props[pd.isna(gdf[cols]).values] = None
    rows = props.values.tolist() if cols else [[] for _ in range(len(gdf))]
    arr = np.asarray(gdf.geometry.values, dtype=object)
    simple_point = ((shapely.get_type_id(arr) == 0) & (shapely.get_coordinate_dimension(arr) == 2)
                    & ~shapely.is_empty(arr)).tolist()
    pts = np.where(simple_point, arr, None)  # (get_x fails on an empty point)
    xs, ys = shapely.get_x(pts).tolist(), shapely.get_y(pts).tolist()
    wkbs = shapely.to_wkb(arr).tolist()
    converted: dict[bytes, Any] = {}
    features = []
    for k, row in enumerate(rows):
        if simple_point[k]:
            geometry: Any = {"type": "Point", "coordinates": (xs[k], ys[k])}
        elif arr[k] is None or arr[k].is_empty:
            geometry = None
        else:
            geometry = converted.get(wkbs[k])
            if geometry is None:
                geometry = converted[wkbs[k]] = mapping(arr[k])
        features.append({"type": "Feature", "properties": dict(zip(cols, row)), "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


STAGING_PREFIX = ".staging-"
_COMMIT = "_COMMIT.json"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def _staging_owner(d: Path) -> int | None:
    """Pid encoded in a staging folder name (``.staging-<pid>-<random>``), if any."""
    parts = d.name[len(STAGING_PREFIX):].split("-", 1)
    return int(parts[0]) if parts and parts[0].isdigit() else None


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _roll_forward(out: Path, staging: Path) -> None:
    """Finish an interrupted swap: every file was complete (``_COMMIT.json`` exists); move the rest in."""
    meta = json.loads((staging / _COMMIT).read_text(encoding="utf-8"))
    for f in meta.get("files", []):
        if (staging / f).exists():
            os.replace(staging / f, out / f)
    _fsync_dir(out)
    os.replace(staging / _COMMIT, out / "_SUCCESS.json")
    _fsync_dir(out)


def recover_dataset(out_dir: str | Path) -> list[str]:
    """Clean up after writers that died (SIGKILL, power loss) in ``out_dir``.

    A staging folder whose writer process is gone is either rolled forward (its
    ``_COMMIT.json`` says every file was written: the interrupted swap is
    completed, so the folder holds the new dataset) or deleted (the write never
    reached the swap: the previous dataset was never touched). Staging folders
    of live writers are left alone.

    Returns
    -------
    list of str
        ``"rolled forward <name>"`` / ``"removed <name>"`` for each stale folder.
    """
    out = Path(out_dir)
    done: list[str] = []
    if not out.is_dir():
        return done
    for d in sorted(out.glob(STAGING_PREFIX + "*")):
        if not d.is_dir():
            continue
        pid = _staging_owner(d)
        if pid is not None and pid != os.getpid() and _pid_alive(pid):
            continue
        if pid == os.getpid():
            continue  # our own (a concurrent call in this process)
        if (d / _COMMIT).exists():
            try:
                _roll_forward(out, d)
                done.append(f"rolled forward {d.name}")
            except (OSError, ValueError):
                pass  # leave it for a later attempt; the error surfaces in validate_dataset
            else:
                shutil.rmtree(d, ignore_errors=True)
        else:
            shutil.rmtree(d, ignore_errors=True)
            done.append(f"removed {d.name}")
    return done


def write_dataset(out_dir: str | Path, frames: Mapping[str, pd.DataFrame],
                  meta: Mapping[str, object] | None = None) -> list[Path]:
    """Write a complete dataset atomically.

    Parameters
    ----------
    out_dir : str or Path
        Target folder (created if needed).
    frames : mapping
        Name (``mentions``, ``events``, ``reports``, ``articles``, ``control``) → frame.
        GeoDataFrames are written as ``NAME.geojson`` and ``NAME.parquet`` (GeoParquet);
        plain frames as ``NAME.parquet``.
    meta : mapping, optional
        Extra JSON-serialisable keys for ``_SUCCESS.json`` (e.g. the ``pipeline`` fingerprint
        that decides whether a later incremental ingest may reuse these rows).

    Returns
    -------
    list of Path
        Files written.

    Notes
    -----
    All files are first written (and fsynced) into a staging folder inside
    ``out_dir``; only then is ``_COMMIT.json`` written there and the files renamed
    into place, ``_SUCCESS.json`` last. A failure while writing (disk full, an
    exception, SIGINT) removes the staging folder and leaves the previous dataset
    untouched; a SIGKILL leaves a stale staging folder that the next call (or
    :func:`recover_dataset`) removes, or — if the kill hit the millisecond-long
    swap — completes.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    recover_dataset(out)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=out))
    written: list[str] = []
    swapping = False
    try:
        for name, frame in frames.items():
            frame = _listify(frame.copy())
            if isinstance(frame, gpd.GeoDataFrame):
                frame.to_parquet(staging / f"{name}.parquet", index=False)
                (staging / f"{name}.geojson").write_text(_geojson_text(frame), encoding="utf-8")
                written += [f"{name}.parquet", f"{name}.geojson"]
            else:
                frame.to_parquet(staging / f"{name}.parquet", index=False)
                written.append(f"{name}.parquet")
        for f in written:
            with open(staging / f, "rb") as fh:
                os.fsync(fh.fileno())
        commit = {**dict(meta or {}), "files": written, "rows": {k: int(len(v)) for k, v in frames.items()},
                  "written_at": utc_now()}
        with open(staging / _COMMIT, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(commit, indent=1))
            fh.flush()
            os.fsync(fh.fileno())
        success = out / "_SUCCESS.json"
        swapping = True
        if success.exists():
            success.unlink()  # the dataset is incomplete while files are swapped
        for f in written:
            os.replace(staging / f, out / f)
        _fsync_dir(out)
        os.replace(staging / _COMMIT, success)
        _fsync_dir(out)
        swapping = False
    except BaseException:
        if swapping:  # interrupted mid-swap (e.g. Ctrl-C): finish it rather than leave a mix
            try:
                _roll_forward(out, staging)
            except (OSError, ValueError):
                raise  # staging kept: recover_dataset() completes it later
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return [out / f for f in written]


def utc_now() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (``_SUCCESS.json``'s ``written_at``; sorts as text)."""
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def read_success(out_dir: str | Path) -> dict[str, Any] | None:
    """The ``_SUCCESS.json`` of a complete dataset folder (``None`` when missing or unreadable).

    Its keys: ``files`` (written, in order), ``rows`` (frame name → rows) and, since live sources,
    ``written_at`` (UTC ISO time of the write).
    """
    try:
        meta = json.loads((Path(out_dir) / "_SUCCESS.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def read_frame(path: str | Path) -> pd.DataFrame:
    """Read a dataset file (GeoParquet, Parquet or GeoJSON).

    Raises
    ------
    DataFileError
        If the file cannot be read, naming the file.
    """
    p = Path(path)
    try:
        if p.suffix == ".geojson":
            return gpd.read_file(p)
        import pyarrow.parquet as pq

        meta = pq.read_schema(p).metadata or {}
        if b"geo" in meta:
            return gpd.read_parquet(p)
        return pd.read_parquet(p)
    except Exception as exc:  # pyarrow/pyogrio raise many types; report them uniformly
        raise DataFileError(str(p), [f"cannot read: {exc}"]) from None


def read_dataset(out_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Read the Parquet files of a dataset folder written by :func:`write_dataset`."""
    out = Path(out_dir)
    frames: dict[str, pd.DataFrame] = {}
    for name in ("articles", "mentions", "reports", "events", "control"):
        p = out / f"{name}.parquet"
        if p.exists():
            frames[name] = read_frame(p)
    return frames
