"""What leaves the view: the events as files (GeoJSON, CSV, GeoParquet) and the escaped article reader."""

from __future__ import annotations

import html
import io
from collections.abc import Iterable

import numpy as np
import pandas as pd

from conflictmap.dashboard.data import Bundle
from conflictmap.dashboard.state import sub_label


def export_bytes(bundle: Bundle, idx: np.ndarray, fmt: str, lang: str = "fr") -> bytes:
    """The events of the current view as ``geojson``, ``csv`` or ``parquet`` (GeoParquet).

    Parameters
    ----------
    bundle : Bundle
    idx : numpy.ndarray
        Visible rows (undated events matching the filters included: their date is empty).
    fmt : str
        ``"geojson"``, ``"csv"`` or ``"parquet"``.
    lang : str, optional
        Language of the label columns of the CSV (``category_label``, ``sub_type_label``,
        ``place_label``, ``geo_precision_label``) written beside the codes.

    Returns
    -------
    bytes
    """
    sub = bundle.events.iloc[np.sort(idx)].copy()
    sub["actors"] = sub["actors"].map(lambda v: list(v) if v is not None and not isinstance(v, str) else v)
    if fmt == "geojson":
        return sub.to_json(drop_id=True, ensure_ascii=False).encode("utf-8")
    if fmt == "csv":
        from conflictmap.dashboard.i18n import category_label, precision_label, sub_type_label
        from conflictmap.dashboard.places import display_name

        flat = pd.DataFrame(sub.drop(columns="geometry"))
        flat["actors"] = flat["actors"].map(lambda v: ";".join(v) if isinstance(v, list) else (v or ""))
        rows = np.sort(idx)
        flat["latitude"] = np.round(bundle.prep.y[rows], 5)
        flat["longitude"] = np.round(bundle.prep.x[rows], 5)
        flat["category_label"] = [category_label(c, lang) for c in flat["category"]]
        flat["sub_type_label"] = [sub_type_label(c, lang) for c in flat["sub_type"]]
        flat["place_label"] = [display_name(str(i or ""), str(n or ""), lang)
                               for i, n in zip(flat["place_id"], flat["place_name"])]
        flat["geo_precision_label"] = [precision_label(int(v), lang) if pd.notna(v) else ""
                                       for v in flat["geo_precision"]]
        flat["date"] = flat["date"].map(lambda v: v if isinstance(v, str) else "")
        flat["wkt"] = sub.geometry.to_wkt()
        # CRLF rows (RFC 4180): a carriage return inside a cell is then quoted, not a row break
        return neutralise_formulas(flat).to_csv(index=False, lineterminator="\r\n").encode("utf-8")
    if fmt == "parquet":
        buf = io.BytesIO()
        sub.to_parquet(buf)
        return buf.getvalue()
    raise ValueError(f"unknown export format {fmt!r}")


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with ``'`` (other values unchanged).

    Parameters
    ----------
    value : object
        One cell; only ``str`` values starting with one of :data:`FORMULA_STARTS` change.

    Returns
    -------
    object
        ``"'" + value`` for such strings, else ``value``.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas (numbers untouched).

    Used for CSV exports only; GeoJSON and GeoParquet keep the exact values.
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_formula)
    return out


def article_html(text: str, spans: Iterable[tuple[int, int, str, str]]) -> str:
    """The cleaned article as HTML with highlighted spans; all text is escaped.

    Parameters
    ----------
    text : str
        Cleaned article text (offsets point into it).
    spans : iterable of (start, end, kind, title)
        ``kind`` is ``"event"``, ``"toponym"`` or ``"selected"``; overlapping spans nest.

    Returns
    -------
    str
        ``<div class="cm-article">...</div>`` where every character of
        ``text`` and every ``title`` is HTML-escaped; the first selected span has ``id="cm-sel"``.
    """
    n = len(text)
    clean = [(max(0, int(s)), min(n, int(e)), k, t) for s, e, k, t in spans
             if isinstance(s, (int, np.integer)) and isinstance(e, (int, np.integer)) and 0 <= s < e <= n]
    bounds = sorted({0, n, *[s for s, _, _, _ in clean], *[e for _, e, _, _ in clean]})
    out = ['<div class="cm-article">']
    first_selected = False
    for a, b in zip(bounds, bounds[1:]):
        seg = html.escape(text[a:b]).replace("\n", "<br>")
        active = [(k, t) for s, e, k, t in clean if s <= a and b <= e]
        if not active:
            out.append(seg)
            continue
        kinds = sorted({k for k, _ in active})
        cls = " ".join(f"cm-{k if k in ('event', 'toponym', 'selected') else 'other'}" for k in kinds)
        title = " | ".join(dict.fromkeys(t for _, t in active if t))
        mark_id = ""
        if "selected" in kinds and not first_selected:
            first_selected, mark_id = True, ' id="cm-sel"'
        out.append(f'<mark{mark_id} class="{cls}" title="{html.escape(title, quote=True)}">{seg}</mark>')
    out.append("</div>")
    return "".join(out)


def article_spans(bundle: Bundle, article_id: str, selected: str = "") -> list[tuple[int, int, str, str]]:
    """Highlight spans (events and toponyms) of one article."""
    spans: list[tuple[int, int, str, str]] = []
    ev = bundle.events
    m = (ev["article_id"] == article_id).to_numpy()
    for r in np.flatnonzero(m).tolist():
        s, e = ev.at[r, "start"], ev.at[r, "end"]
        if pd.notna(s) and pd.notna(e):
            kind = "selected" if selected and ev.at[r, "event_id"] == selected else "event"
            spans.append((int(s), int(e), kind, f"{sub_label(ev.at[r, 'sub_type'])} — {ev.at[r, 'date']}"))
    # other reports of merged events also point into this article
    mn = bundle.mentions
    if len(mn):
        mm = mn[mn["article_id"] == article_id]
        for row in mm.itertuples(index=False):
            if pd.notna(row.start) and pd.notna(row.end):
                spans.append((int(row.start), int(row.end), "toponym", f"{row.place_name} ({row.place_id})"))
    return spans
