"""Frames and files: pure builders (records → GeoDataFrame) and atomic writers/readers.

Builders return frames with the fixed columns of :mod:`conflictmap.schema` and
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
import pandas as pd

from conflictmap.errors import DataFileError
from conflictmap.schema import (
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
    if len(gdf) == 0:
        return json.dumps({"type": "FeatureCollection", "features": []})
    return gdf.to_json(drop_id=True, ensure_ascii=False)


def write_dataset(out_dir: str | Path, frames: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Write a complete dataset atomically.

    Parameters
    ----------
    out_dir : str or Path
        Target folder (created if needed).
    frames : mapping
        Name (``mentions``, ``events``, ``reports``, ``articles``, ``control``) → frame.
        GeoDataFrames are written as ``NAME.geojson`` and ``NAME.parquet`` (GeoParquet);
        plain frames as ``NAME.parquet``.

    Returns
    -------
    list of Path
        Files written.

    Notes
    -----
    All files are first written into a staging folder beside ``out_dir`` and
    then renamed into place; a crash leaves the previous dataset readable.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    written: list[str] = []
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
        success = out / "_SUCCESS.json"
        if success.exists():
            success.unlink()  # the dataset is incomplete while files are swapped
        for f in written:
            os.replace(staging / f, out / f)
        meta = {"files": written, "rows": {k: int(len(v)) for k, v in frames.items()}}
        tmp = staging / "_SUCCESS.json"
        tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
        os.replace(tmp, success)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / f for f in written]


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
