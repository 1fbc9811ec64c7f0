"""A store that grows: events as a GeoParquet dataset partitioned by month.

Layout (Hive-style, readable as is by pyarrow, dask-geopandas, DuckDB, Spark/Sedona)::

    DIR/events_by_month/
        _SUCCESS.json                    months and row counts of the complete dataset
        month=2017-05/part-0.parquet     GeoParquet (WKB geometry + "geo" metadata), EVENT_COLUMNS
        month=2017-06/part-0.parquet
        month=undated/part-0.parquet     events without a usable date

The partition key ``month`` lives in the folder names only (not in the files).
:func:`read_events_window` reads a time window with predicate push-down: the
``month`` filter prunes whole folders before any file is opened, and the ``date``
filter is pushed to the Parquet row-group statistics, so the cost of a read
depends on the window, not on the size of the archive.

Other engines::

    -- DuckDB
    SELECT * FROM read_parquet('DIR/events_by_month/*/*.parquet', hive_partitioning = true)
    WHERE month BETWEEN '2017-01' AND '2017-06';

    # dask-geopandas
    dask_geopandas.read_parquet("DIR/events_by_month", filters=[("month", ">=", "2017-01")])

Writes are atomic: the new dataset is written to a staging folder beside the old
one, then swapped in with two renames (old → ``.events_by_month.old-*``, staging →
``events_by_month``) and the old folder deleted. A crash before the swap leaves the
previous dataset untouched; a crash between the two renames (a few microseconds) is
repaired by the next read or write, which puts the old folder back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

ARCHIVE_NAME = "events_by_month"
UNDATED = "undated"
_MONTH = re.compile(r"^(\d{4}-\d{2})")


def month_of(date: Any) -> str:
    """``YYYY-MM`` of an ISO date string / date, else :data:`UNDATED`."""
    if isinstance(date, (dt.date, pd.Timestamp)):
        return f"{date.year:04d}-{date.month:02d}"
    m = _MONTH.match(str(date or ""))
    return m.group(1) if m else UNDATED


def archive_dir(out_dir: str | Path) -> Path:
    """``DIR/events_by_month``."""
    return Path(out_dir) / ARCHIVE_NAME


def _recover(out: Path) -> None:
    """Finish an interrupted swap: if the dataset folder is missing, put the old one back."""
    target = out / ARCHIVE_NAME
    olds = sorted(out.glob(f".{ARCHIVE_NAME}.old-*"), key=lambda p: p.stat().st_mtime)
    if not target.exists() and olds:
        os.replace(olds[-1], target)
        olds = olds[:-1]
    for old in olds:
        shutil.rmtree(old, ignore_errors=True)


def write_events_archive(out_dir: str | Path, events: pd.DataFrame) -> Path:
    """Write the events as a month-partitioned GeoParquet dataset, atomically.

    Parameters
    ----------
    out_dir : str or Path
        The ingest output folder; the dataset goes to ``out_dir/events_by_month``.
    events : geopandas.GeoDataFrame
        Events (:data:`conflictmap.store.schema.EVENT_COLUMNS` + geometry); the whole
        archive is replaced by them (an ingest's events include the reused ones).

    Returns
    -------
    Path
        The dataset folder.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _recover(out)
    target = out / ARCHIVE_NAME
    staging = Path(tempfile.mkdtemp(prefix=f".{ARCHIVE_NAME}.staging-", dir=out))
    try:
        table, geoms = _events_table(events)
        months = [month_of(d) for d in events["date"]] if len(events) else []
        month_arr = pa_array(months)
        rows: dict[str, int] = {}
        for month in sorted(set(months)):
            mask = pc.equal(month_arr, month)
            part = table.filter(mask)
            sel = geoms[mask.to_numpy(zero_copy_only=False)]
            part = part.replace_schema_metadata({b"geo": json.dumps(_geo_metadata(sel)).encode()})
            d = staging / f"month={month}"
            d.mkdir()
            pq.write_table(part, d / "part-0.parquet", compression="zstd")
            rows[month] = int(part.num_rows)
        for f in staging.rglob("*.parquet"):
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        (staging / "_SUCCESS.json").write_text(
            json.dumps({"partitioning": "hive", "key": "month", "rows": rows, "total": int(len(events))}, indent=1),
            encoding="utf-8")
        old = None
        if target.exists():
            old = out / f".{ARCHIVE_NAME}.old-{uuid.uuid4().hex[:12]}"
            os.replace(target, old)
        os.replace(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def pa_array(values: list[str]) -> Any:
    import pyarrow as pa

    return pa.array(values, type=pa.string())


def _events_table(events: pd.DataFrame) -> tuple[Any, Any]:
    """Arrow table of the attribute columns (types inferred over *all* rows, so every month's file
    has the same schema; all-null columns become strings) + the WKB ``geometry`` column."""
    import numpy as np
    import pyarrow as pa
    import shapely

    geom_col = getattr(events, "_geometry_column_name", "geometry")
    geoms = np.asarray(events[geom_col].values if geom_col in events else [None] * len(events), dtype=object)
    df = pd.DataFrame(events.drop(columns=[geom_col], errors="ignore"))
    table = pa.Table.from_pandas(df, preserve_index=False)
    fields = []
    for f in table.schema:
        t = f.type
        if pa.types.is_null(t):
            t = pa.string()
        elif pa.types.is_list(t) and pa.types.is_null(t.value_type):
            t = pa.list_(pa.string())
        fields.append(pa.field(f.name, t))
    table = table.cast(pa.schema(fields))
    wkb = shapely.to_wkb(geoms) if len(geoms) else np.array([], dtype=object)
    table = table.append_column(pa.field("geometry", pa.binary()), pa.array(list(wkb), type=pa.binary()))
    return table, geoms


def _geo_metadata(geoms: Any) -> dict[str, Any]:
    """GeoParquet 1.0 ``geo`` metadata (WKB, EPSG:4326 as PROJJSON)."""
    import numpy as np
    import pyproj
    import shapely

    from conflictmap.store.schema import CRS

    valid = np.array([g for g in geoms if g is not None and not shapely.is_empty(g)], dtype=object)
    col: dict[str, Any] = {"encoding": "WKB", "geometry_types": sorted({g.geom_type for g in valid}),
                           "crs": pyproj.CRS.from_user_input(CRS).to_json_dict()}
    if len(valid):
        b = shapely.total_bounds(valid)
        col["bbox"] = [round(float(x), 6) for x in b]
    return {"version": "1.0.0", "primary_column": "geometry", "columns": {"geometry": col}}


def _dataset(out_dir: str | Path) -> Any:
    import pyarrow as pa
    import pyarrow.dataset as ds

    out = Path(out_dir)
    if out.name == ARCHIVE_NAME:
        out = out.parent
    if out.exists():
        _recover(out)
    part = ds.partitioning(pa.schema([("month", pa.string())]), flavor="hive")
    return ds.dataset(out / ARCHIVE_NAME, format="parquet", partitioning=part, exclude_invalid_files=False,
                      ignore_prefixes=[".", "_"])


def read_events_window(out_dir: str | Path, start: str | dt.date | None = None, end: str | dt.date | None = None,
                       include_undated: bool = False, columns: list[str] | None = None) -> Any:
    """Events whose date is in ``[start, end]`` (inclusive), reading only those months.

    Parameters
    ----------
    out_dir : str or Path
        The ingest output folder (or its ``events_by_month`` folder).
    start, end : str (ISO ``YYYY-MM-DD``) or date, optional
        Window bounds; ``None`` leaves that side open. With no bounds at all,
        every event is returned (undated ones included).
    include_undated : bool
        Also return the events of ``month=undated`` when a window is given.
    columns : list of str, optional
        Columns to read (``geometry`` is always added).

    Returns
    -------
    geopandas.GeoDataFrame
        Sorted by date then event id; ``month`` is not a column.
    """
    import geopandas as gpd
    import pyarrow.dataset as ds

    from conflictmap.store.schema import CRS, EVENT_COLUMNS

    d = Path(out_dir)
    if d.is_dir() and d.name != ARCHIVE_NAME:
        _recover(d)
    if not (d / ARCHIVE_NAME).exists() and not (d.name == ARCHIVE_NAME and d.exists()):
        return gpd.GeoDataFrame(pd.DataFrame(columns=EVENT_COLUMNS), geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    data = _dataset(d)
    if not data.files:
        return gpd.GeoDataFrame(pd.DataFrame(columns=EVENT_COLUMNS), geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    s = start.isoformat() if isinstance(start, dt.date) else start
    e = end.isoformat() if isinstance(end, dt.date) else end
    filt = None
    if s is not None or e is not None:
        dated = ds.field("month") != "undated"
        if s is not None:
            dated &= (ds.field("month") >= s[:7]) & (ds.field("date") >= s)
        if e is not None:
            dated &= (ds.field("month") <= e[:7]) & (ds.field("date") <= e)
        filt = dated | (ds.field("month") == UNDATED) if include_undated else dated
    cols = None
    if columns is not None:
        cols = list(dict.fromkeys([*columns, "geometry"]))
    table = data.to_table(filter=filt, columns=cols)
    if "month" in table.column_names:
        table = table.drop(["month"])
    meta = json.loads((data.schema.metadata or {}).get(b"geo", b"{}") or b"{}")
    crs = (meta.get("columns", {}).get("geometry", {}) or {}).get("crs") or CRS
    df = table.to_pandas()
    geom = gpd.GeoSeries.from_wkb(df.pop("geometry"), crs=crs) if len(df) else gpd.GeoSeries([], crs=crs)
    gdf = gpd.GeoDataFrame(df, geometry=geom.values, crs=crs)
    if len(gdf) and "date" in gdf:
        gdf = gdf.sort_values(["date", "event_id"] if "event_id" in gdf else ["date"],
                              na_position="last", kind="stable").reset_index(drop=True)
    return gdf


def archive_months(out_dir: str | Path) -> dict[str, int]:
    """Month → number of events, from the dataset's ``_SUCCESS.json``."""
    p = archive_dir(out_dir) / "_SUCCESS.json"
    if not p.exists():
        return {}
    return dict(json.loads(p.read_text(encoding="utf-8")).get("rows", {}))
