"""Validate events frames and whole ingest outputs against the data contract.

Hand-edited or half-copied datasets must fail on load with *one* readable
error that lists every problem, never with a traceback deep in the dashboard.

* :func:`validate_events` — one events frame or file (``events.parquet`` /
  ``events.geojson``): required columns (:data:`conflictmap.store.schema.EVENT_COLUMNS`
  + ``geometry``), CRS EPSG:4326, valid non-empty geometry within lon/lat
  bounds, unique non-empty ``event_id``, ``category`` in
  :data:`~conflictmap.store.schema.CATEGORIES`, ``geo_precision`` 1–4, ``date`` ISO
  ``YYYY-MM-DD`` or empty, ``date_precision`` consistent with ``date``,
  ``actors`` a list of strings, quote offsets ``0 <= start <= end``.
* :func:`validate_dataset` — a folder written by ``conflictmap ingest --out``:
  the events checks, plus articles (unique ids, required columns), mentions
  (columns, offsets; CRS and geometry when the file has geometries), cross-references (every event/mention
  points to a known article, offsets within that article's text) and the
  ``_SUCCESS.json`` manifest (present, listed files exist, row counts match).

Both raise :class:`conflictmap.errors.DataFileError` (``.path``, ``.problems``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from conflictmap.errors import DataFileError
from conflictmap.store import schema

__all__ = ["DATE_PRECISIONS", "MAX_EXAMPLES", "event_problems", "validate_dataset", "validate_events"]

DATE_PRECISIONS: tuple[str, ...] = ("day", "week", "month", "year")
#: Rows quoted per kind of problem; the count of the others is given.
MAX_EXAMPLES = 10


def _rows(label: str, mask: np.ndarray, frame: pd.DataFrame, show: str | None = None,
          id_col: str | None = None) -> list[str]:
    """One problem line for the rows where ``mask`` is true (count + first examples)."""
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    if not len(idx):
        return []
    ex = []
    for i in idx[:MAX_EXAMPLES]:
        bits = [f"row {int(i)}"]
        if id_col and id_col in frame.columns:
            bits.append(f"{id_col} {frame[id_col].iloc[i]!r}")
        if show is not None and show in frame.columns:
            shown = repr(frame[show].iloc[i])
            bits.append(f"{show}={shown[:60] + '…' if len(shown) > 60 else shown}")
        ex.append(" ".join(bits))
    more = f" … and {len(idx) - MAX_EXAMPLES} more" if len(idx) > MAX_EXAMPLES else ""
    return [f"{label} ({len(idx)} row(s)): {'; '.join(ex)}{more}"]


def _as_arrow_strings(s: pd.Series) -> Any:
    """The column as a pyarrow string array, or None when it holds non-strings."""
    import pyarrow as pa

    try:
        return pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return None


def _blank_mask(s: pd.Series) -> np.ndarray:
    """True where the value is None/NaN or a whitespace-only string."""
    import pyarrow.compute as pc

    arr = _as_arrow_strings(s)
    if arr is not None:
        return np.asarray(pc.fill_null(pc.equal(pc.utf8_trim_whitespace(arr), ""), True), dtype=bool)
    na = s.isna().to_numpy(dtype=bool)
    return na | np.array([isinstance(v, str) and not v.strip() for v in s], dtype=bool)


def _iso_mask(s: pd.Series) -> np.ndarray:
    """True where the value is empty or a real ``YYYY-MM-DD`` date."""
    import pyarrow.compute as pc

    blank = _blank_mask(s)
    arr = _as_arrow_strings(s)
    if arr is None:  # mixed types: only strings can be dates
        arr = _as_arrow_strings(s.map(lambda v: v if isinstance(v, str) else "\x00"))
    shape = np.asarray(pc.fill_null(pc.match_substring_regex(arr, r"^\d{4}-\d{2}-\d{2}$"), False), dtype=bool)
    import pyarrow as pa

    candidates = pc.if_else(pa.array(shape), arr, pa.scalar(None, pa.string()))
    parsed = pc.strptime(candidates, format="%Y-%m-%d", unit="s", error_is_null=True)
    # arrow's strptime rolls 2017-02-30 over to March: a real date formats back to itself
    back = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), candidates)
    return blank | (shape & np.asarray(pc.fill_null(back, False), dtype=bool))


def _list_mask(s: pd.Series) -> np.ndarray:
    """True where the value is None or a list/tuple/array of strings."""
    kinds = s.map(type)
    container = kinds.isin([list, tuple, np.ndarray]).to_numpy()
    ok = container | s.map(lambda v: v is None).to_numpy(dtype=bool)
    if container.any():
        ex = s[container].explode()
        bad_el = ex.notna() & ~ex.map(lambda x: isinstance(x, str)).astype(bool)
        if bad_el.any():
            bad_rows = set(ex.index[bad_el.to_numpy()])
            ok &= ~s.index.isin(bad_rows)
    return ok


def _missing_columns(frame: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    missing = [c for c in columns if c not in frame.columns]
    return [f"missing column(s) {missing}"] if missing else []


def _crs_problems(frame: Any) -> list[str]:
    crs = getattr(frame, "crs", None)
    if crs is None:
        return [f"no CRS; expected {schema.CRS} (lon/lat WGS 84)"]
    try:
        epsg = crs.to_epsg()
    except Exception:  # noqa: BLE001 - pyproj may fail on odd definitions
        epsg = None
    if epsg != 4326:
        return [f"CRS is {crs.to_string() if hasattr(crs, 'to_string') else crs}; expected {schema.CRS}"]
    return []


def _geometry_problems(frame: Any, id_col: str | None) -> list[str]:
    import shapely

    if "geometry" not in frame.columns:
        return ["missing column ['geometry'] (a GeoParquet/GeoJSON file with geometries is expected)"]
    geoms = np.asarray(frame["geometry"].values, dtype=object) if not hasattr(frame, "geometry") \
        else np.asarray(frame.geometry.values)
    try:
        arr = np.array([g if isinstance(g, shapely.Geometry) else None for g in geoms], dtype=object)
    except Exception:  # noqa: BLE001
        return ["geometry column does not hold geometries"]
    null = np.array([g is None for g in arr], dtype=bool)
    out = _rows("missing geometry", null, frame, id_col=id_col)
    present = ~null
    if present.any():
        empty = np.zeros(len(arr), bool)
        empty[present] = shapely.is_empty(arr[present])
        out += _rows("empty geometry", empty, frame, id_col=id_col)
        ok = present & ~empty
        invalid = np.zeros(len(arr), bool)
        if ok.any():
            invalid[ok] = ~shapely.is_valid(arr[ok])
        if invalid.any():
            reasons = {int(i): shapely.is_valid_reason(arr[i]) for i in np.flatnonzero(invalid)[:MAX_EXAMPLES]}
            base = _rows("invalid geometry", invalid, frame, id_col=id_col)
            out += [base[0] + " — " + "; ".join(f"row {i}: {r}" for i, r in reasons.items())]
        good = ok & ~invalid
        if good.any():
            b = shapely.bounds(arr[good])
            bad_b = (b[:, 0] < -180) | (b[:, 2] > 180) | (b[:, 1] < -90) | (b[:, 3] > 90)
            mask = np.zeros(len(arr), bool)
            mask[np.flatnonzero(good)[bad_b]] = True
            out += _rows("geometry coordinates outside lon/lat bounds (projected data labelled EPSG:4326?)", mask,
                         frame, id_col=id_col)
    return out


def _int_range(frame: pd.DataFrame, col: str, lo: int, hi: int | None, id_col: str | None) -> list[str]:
    if col not in frame.columns:
        return []
    num = pd.to_numeric(frame[col], errors="coerce")
    bad = num.isna() | (num != num.round())
    bad |= num < lo
    if hi is not None:
        bad |= num > hi
    rng = f"{lo}–{hi}" if hi is not None else f">= {lo}"
    return _rows(f"{col} not an integer {rng}", bad.to_numpy(), frame, show=col, id_col=id_col)


def _unique_ids(frame: pd.DataFrame, col: str) -> list[str]:
    if col not in frame.columns:
        return []
    ids = frame[col]
    blank = _blank_mask(ids)
    out = _rows(f"empty {col}", blank, frame)
    dup = ids[ids.duplicated(keep=False).to_numpy() & ~blank]
    if len(dup):
        counts = dup.value_counts()
        shown = ", ".join(f"{k!r} ×{v}" for k, v in list(counts.items())[:MAX_EXAMPLES])
        more = f" … and {len(counts) - MAX_EXAMPLES} more" if len(counts) > MAX_EXAMPLES else ""
        out.append(f"duplicate {col} ({len(counts)} id(s)): {shown}{more}")
    return out


def _offset_problems(frame: pd.DataFrame, id_col: str | None) -> list[str]:
    if "start" not in frame.columns or "end" not in frame.columns:
        return []
    s = pd.to_numeric(frame["start"], errors="coerce")
    e = pd.to_numeric(frame["end"], errors="coerce")
    bad = (s.isna() | e.isna() | (s < 0) | (e < s)).to_numpy()
    return _rows("offsets not 0 <= start <= end", bad, frame, show="start", id_col=id_col)


def event_problems(events: Any) -> list[str]:
    """Every contract problem of an events frame (empty list when valid).

    Parameters
    ----------
    events : geopandas.GeoDataFrame or pandas.DataFrame

    Returns
    -------
    list of str
    """
    f = events.reset_index(drop=True) if hasattr(events, "reset_index") else events
    idc = "event_id" if "event_id" in f.columns else None
    out = _missing_columns(f, [c for c in schema.EVENT_COLUMNS if c not in schema.LATER_EVENT_COLUMNS])
    out += _crs_problems(f)
    out += _geometry_problems(f, idc)
    out += _unique_ids(f, "event_id")
    if "category" in f.columns:
        out += _rows(f"category not in {schema.CATEGORIES}", (~f["category"].isin(schema.CATEGORIES)).to_numpy(),
                     f, show="category", id_col=idc)
    out += _int_range(f, "geo_precision", 1, 4, idc)
    if "date" in f.columns:
        out += _rows("date not ISO YYYY-MM-DD (or empty)", ~_iso_mask(f["date"]), f, show="date", id_col=idc)
        if "date_precision" in f.columns:
            has_date = ~_blank_mask(f["date"])
            prec = f["date_precision"]
            bad_prec = has_date & ~prec.isin(DATE_PRECISIONS).to_numpy()
            out += _rows(f"date_precision not in {DATE_PRECISIONS} for a dated event", bad_prec, f,
                         show="date_precision", id_col=idc)
            stray = ~has_date & ~_blank_mask(prec)
            out += _rows("date_precision set but date empty", stray, f, show="date_precision", id_col=idc)
    if "actors" in f.columns:
        out += _rows("actors not a list of actor ids", ~_list_mask(f["actors"]), f, show="actors", id_col=idc)
    out += _offset_problems(f, idc)
    if "n_sources" in f.columns:
        out += _int_range(f, "n_sources", 1, None, idc)
    return out


def _read(path: Path) -> Any:
    from conflictmap.store.dataset import read_frame

    return read_frame(path)  # DataFileError naming the file when unreadable


def validate_events(frame_or_path: Any, path: str | Path | None = None) -> None:
    """Check an events frame or file against the data contract.

    Parameters
    ----------
    frame_or_path : GeoDataFrame, DataFrame, str or Path
        The frame, or an ``events.parquet`` / ``events.geojson`` file.
    path : str or Path, optional
        Name used in the error for a frame (default ``"events"``).

    Raises
    ------
    DataFileError
        One error naming the file and listing every problem.
    """
    if isinstance(frame_or_path, (str, Path)):
        p = Path(frame_or_path)
        if not p.exists():
            raise DataFileError(str(p), ["file not found"])
        frame = _read(p)
        name = str(p)
    else:
        frame = frame_or_path
        name = str(path) if path is not None else "events"
    problems = event_problems(frame)
    if problems:
        raise DataFileError(name, problems)


def _prefixed(name: str, problems: list[str]) -> list[str]:
    return [f"{name}: {p}" for p in problems]


def validate_dataset(out_dir: str | Path, require_success: bool = True) -> None:
    """Check a whole ingest output folder (articles, mentions, events, manifest).

    Parameters
    ----------
    out_dir : str or Path
        Folder written by ``conflictmap ingest --out`` or :func:`conflictmap.store.write_dataset`.
    require_success : bool
        Report a missing ``_SUCCESS.json`` (an interrupted or hand-assembled folder).

    Raises
    ------
    DataFileError
        One error naming the folder; each problem is prefixed by its file.
    """
    d = Path(out_dir)
    if not d.is_dir():
        raise DataFileError(str(d), ["folder not found"])
    problems: list[str] = []
    frames: dict[str, Any] = {}
    for name in ("articles", "mentions", "events"):
        p = d / f"{name}.parquet"
        if not p.exists():
            if name == "events" or require_success:
                problems.append(f"{p.name}: file missing")
            continue
        try:
            frames[name] = _read(p)
        except DataFileError as exc:
            problems += _prefixed(p.name, exc.problems)
    texts: dict[str, str] = {}
    arts = frames.get("articles")
    if arts is not None:
        ap = _missing_columns(arts, schema.ARTICLE_COLUMNS) + _unique_ids(arts, "article_id")
        problems += _prefixed("articles.parquet", ap)
        if "article_id" in arts.columns and "text" in arts.columns:
            texts = {str(k): (v if isinstance(v, str) else "") for k, v in zip(arts["article_id"], arts["text"])}
    ev = frames.get("events")
    if ev is not None:
        problems += _prefixed("events.parquet", event_problems(ev))
    men = frames.get("mentions")
    if men is not None:
        mp = _missing_columns(men, schema.MENTION_COLUMNS)
        if "geometry" in men.columns:  # the dashboard needs no mention geometry; when present it must be sound
            mp += _crs_problems(men) + _geometry_problems(men, None)
        mp += _offset_problems(men, None) + _int_range(men, "geo_precision", 1, 4, None)
        if "role" in men.columns:
            mp += _rows("role not 'location' or 'actor'", (~men["role"].isin(["location", "actor"])).to_numpy(),
                        men, show="role")
        problems += _prefixed("mentions.parquet", mp)
    if arts is not None and "article_id" in arts.columns:
        for name, frame, text_col in (("events", ev, "quote"), ("mentions", men, "text")):
            if frame is None or not {"article_id", "start", "end"} <= set(frame.columns):
                continue
            unknown = ~frame["article_id"].astype(str).isin(set(texts))
            idc = "event_id" if name == "events" else None
            pb = _rows("article_id not in articles.parquet", unknown.to_numpy(), frame, show="article_id",
                       id_col=idc)
            s = pd.to_numeric(frame["start"], errors="coerce").fillna(-1).astype(int).to_numpy()
            e = pd.to_numeric(frame["end"], errors="coerce").fillna(-1).astype(int).to_numpy()
            aid = frame["article_id"].astype(str).to_numpy()
            n = np.array([len(texts.get(a, "")) for a in aid])
            beyond = (~unknown.to_numpy()) & ((e > n) | (s > n))
            pb += _rows("offsets beyond the article text length", beyond, frame, show="article_id", id_col=idc)
            if text_col in frame.columns:
                quoted = frame[text_col].to_numpy(dtype=object)
                ok_rows = (~unknown.to_numpy()) & ~beyond & (s >= 0) & (e >= s)
                mism = np.array([bool(ok) and texts[a][si:ei] != q
                                 for ok, a, si, ei, q in zip(ok_rows, aid, s, e, quoted)], dtype=bool)
                pb += _rows(f"{text_col} differs from the article text at start:end", mism, frame,
                            show="article_id", id_col=idc)
            problems += _prefixed(f"{name}.parquet", pb)
    success = d / "_SUCCESS.json"
    if success.exists():
        try:
            meta = json.loads(success.read_text(encoding="utf-8"))
            listed = list(meta.get("files", []))
            rows = dict(meta.get("rows", {}))
        except (OSError, ValueError, AttributeError) as exc:
            problems.append(f"_SUCCESS.json: unreadable ({exc})")
        else:
            for f in listed:
                if not (d / f).exists():
                    problems.append(f"_SUCCESS.json: lists {f} but the file is missing")
            for name, n_rows in rows.items():
                fr = frames.get(name)
                if fr is not None and len(fr) != int(n_rows):
                    problems.append(f"_SUCCESS.json: {name} should have {n_rows} rows, "
                                    f"{name}.parquet has {len(fr)} (interrupted or hand-edited)")
    elif require_success:
        problems.append("_SUCCESS.json missing: the dataset is incomplete (interrupted write?) — re-run "
                        "`conflictmap ingest`")
    if problems:
        raise DataFileError(str(d), problems)
