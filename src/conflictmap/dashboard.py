"""ConflictMap dashboard: pure view logic plus the Streamlit page.

Pure, testable parts (no Streamlit needed):

* :class:`ViewState` – every filter and the time window; :func:`state_to_query`
  / :func:`state_from_query` encode it in the URL.
* :func:`filter_events` – vectorised filtering of a :class:`~conflictmap._data.Bundle`.
* :func:`build_payloads` – the map layers as compact, HTML-inert JSON
  (:func:`conflictmap._map.safe_json`); :func:`feature_groups` wraps them for
  ``st_folium(feature_group_to_add=...)``.
* :func:`article_html` – the article reader with highlighted toponyms and
  events (everything HTML-escaped).
* :func:`export_bytes`, :func:`weekly_counts`, :func:`validate_uploads`,
  :func:`resolve_click`.

:func:`main` lays out the page. Heavy libraries (spaCy, the pipeline) are
only imported when the user uploads articles.
"""

from __future__ import annotations

import html
import io
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from conflictmap._data import Bundle, DataError, bundle_from_frames, fold, load_bundle, merge_bundle
from conflictmap._map import SIDE_COLORS, SIDE_LABELS_FR, JsLayer, icon_for, safe_json, safe_url

__all__ = [
    "DEFAULT_LAYERS",
    "LAYERS",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_FILES",
    "POINT_THRESHOLD",
    "ViewState",
    "article_html",
    "build_payloads",
    "export_bytes",
    "feature_groups",
    "filter_events",
    "main",
    "resolve_click",
    "state_from_query",
    "state_to_query",
    "step_window",
    "validate_uploads",
    "weekly_counts",
    "Bundle",
    "DataError",
    "bundle_from_frames",
    "load_bundle",
    "merge_bundle",
    "data_dir",
    "events_table",
    "article_spans",
    "held_places",
    "active_zones",
    "sub_label",
    "MapPayload",
    "ViewCache",
    "view_cache",
    "filter_key",
    "map_key",
    "cached_filter",
    "feature_group_js",
    "MapLayersJs",
    "cached_map_layers",
    "cached_events_table",
    "cached_weekly_counts",
]

#: Toggleable map layers, in drawing order.
LAYERS: dict[str, str] = {
    "zones": "Zones de désescalade",
    "events": "Incidents",
    "control": "Changements de contrôle",
    "held": "Qui tient quoi (à la fin de la fenêtre)",
}
DEFAULT_LAYERS: tuple[str, ...] = tuple(LAYERS)
PRECISIONS: dict[int, str] = {1: "1 – lieu précis", 2: "2 – près d'un lieu", 3: "3 – gouvernorat / région", 4: "4 – pays"}
CATEGORY_LABELS: dict[str, str] = {"incident": "Incident", "control_change": "Changement de contrôle",
                                   "deescalation": "Désescalade"}
STEPS: dict[str, int] = {"day": 1, "week": 7}
#: Above this many precise points in a layer the map shows grid cells with counts.
POINT_THRESHOLD = 5000
#: Grid cell size (degrees) of the aggregated layer.
GRID_DEG = 0.1
#: Events listed in the popup of an area (most recent first).
AREA_EVENTS = 5
QUOTE_CHARS = 400
TABLE_ROWS = 2000
MAX_UPLOAD_FILES = 10
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
UPLOAD_TYPES: tuple[str, ...] = ("txt", "md", "html", "htm")
PLAY_DELAY_S = 0.8
_EVENT_LAYER_CATS: dict[str, tuple[str, ...]] = {"events": ("incident", "deescalation"), "control": ("control_change",)}

#: Index of each field of an event record sent to the map (see conflictmap._map_js).
EVENT_RECORD: tuple[str, ...] = ("sub", "colour_actor", "actors", "place", "date", "date_precision", "quote", "article",
                                 "event_id", "geo_precision", "category", "before", "after", "n_sources", "source",
                                 "claimed", "confidence")

_SUB_LABELS: dict[str, str] = {
    "air/drone strike": "Frappe aérienne / de drone", "armed clash": "Affrontements armés",
    "government regains territory": "Reprise par le gouvernement",
    "non-state actor overtakes territory": "Prise par un acteur non étatique",
    "non-violent transfer of territory": "Transfert non violent", "ceasefire / truce": "Cessez-le-feu / trêve",
    "de-escalation zone established / maintained": "Zone de désescalade (création / maintien)",
    "agreement or talks on de-escalation": "Accord ou pourparlers de désescalade", "evacuation": "Évacuation",
    "armed_clash": "Affrontements armés", "air_strike": "Frappe aérienne", "air_drone_strike": "Frappe aérienne/drone",
    "shelling": "Bombardement d'artillerie", "shelling_artillery_missile_attack": "Tirs d'artillerie / missiles",
    "remote_explosive": "Engin explosif", "remote_explosive_landmine_ied": "Engin explosif / mine",
    "suicide_bomb": "Attentat-suicide", "attack_on_civilians": "Attaque contre des civils", "attack": "Attaque",
    "abduction": "Enlèvement", "abduction_forced_disappearance": "Enlèvement / disparition forcée",
    "government_regains_territory": "Reprise par le gouvernement",
    "non_state_actor_overtakes_territory": "Prise par un acteur non étatique",
    "non_violent_transfer_of_territory": "Transfert non violent", "ceasefire": "Cessez-le-feu",
    "deescalation_zone": "Zone de désescalade", "evacuation_agreement": "Accord d'évacuation",
    "agreement": "Accord", "peaceful_protest": "Manifestation pacifique", "protest": "Manifestation",
    "chemical_weapon": "Arme chimique",
}


def sub_label(sub_type: str) -> str:
    """Readable French label of a sub-type (falls back to the id with spaces)."""
    s = str(sub_type or "")
    return _SUB_LABELS.get(s, s.replace("_", " ").strip().capitalize() or "—")


# --------------------------------------------------------------------------- view state and URL


@dataclass(frozen=True)
class ViewState:
    """Everything that defines a view; hashable so it can key caches.

    ``start``/``end`` ``None`` mean the whole span of the data. Empty tuples
    mean "no filter".
    """

    start: date | None = None
    end: date | None = None
    actors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    sub_types: tuple[str, ...] = ()
    precisions: tuple[int, ...] = ()
    min_confidence: float = 0.0
    query: str = ""
    place: str = ""
    layers: tuple[str, ...] = DEFAULT_LAYERS
    step: str = "week"
    event: str = ""
    article: str = ""


def _split(v: str | Sequence[str] | None) -> list[str]:
    if v is None:
        return []
    items = [v] if isinstance(v, str) else list(v)
    out: list[str] = []
    for it in items:
        out.extend(p.strip() for p in str(it).split(",") if p.strip())
    return list(dict.fromkeys(out))


def _first(v: str | Sequence[str] | None) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    v = list(v)
    return str(v[-1]) if v else ""


def _parse_date(s: str) -> date | None:
    try:
        return date.fromisoformat(s.strip()[:10]) if s else None
    except ValueError:
        return None


def state_to_query(state: ViewState, span: tuple[date, date] | None = None) -> dict[str, str]:
    """Encode a view as URL query parameters (defaults are left out).

    Parameters
    ----------
    state : ViewState
    span : tuple of date, optional
        The data span; a window equal to it is not written.

    Returns
    -------
    dict
        ``{"from": "2017-01-01", "actor": "russia,turkey", ...}``.
    """
    q: dict[str, str] = {}
    if state.start and (span is None or state.start != span[0]):
        q["from"] = state.start.isoformat()
    if state.end and (span is None or state.end != span[1]):
        q["to"] = state.end.isoformat()
    for key, vals in (("actor", state.actors), ("cat", state.categories), ("sub", state.sub_types)):
        if vals:
            q[key] = ",".join(vals)
    if state.precisions:
        q["prec"] = ",".join(str(p) for p in state.precisions)
    if state.min_confidence > 0:
        q["conf"] = f"{state.min_confidence:.2f}"
    if state.query:
        q["q"] = state.query
    if state.place:
        q["place"] = state.place
    if tuple(state.layers) != DEFAULT_LAYERS:
        q["layers"] = ",".join(state.layers) if state.layers else "none"
    if state.step != "week":
        q["step"] = state.step
    if state.event:
        q["event"] = state.event
    if state.article:
        q["article"] = state.article
    return q


def state_from_query(params: Mapping[str, str | Sequence[str]], span: tuple[date, date] | None = None,
                     actors: Iterable[str] | None = None, categories: Iterable[str] | None = None,
                     sub_types: Iterable[str] | None = None, places: Iterable[str] | None = None) -> ViewState:
    """Decode URL query parameters into a :class:`ViewState`.

    Unknown or malformed values are dropped (never an error): a shared link
    from an older data version still opens.

    Parameters
    ----------
    params : mapping
        Query parameters (values may be strings or lists of strings).
    span : tuple of date, optional
        Data span used to clamp the window.
    actors, categories, sub_types, places : iterable of str, optional
        Allowed values; when given, others are dropped.

    Returns
    -------
    ViewState
    """
    def allowed(vals: list[str], ok: Iterable[str] | None) -> tuple[str, ...]:
        if ok is None:
            return tuple(vals)
        okset = set(ok)
        return tuple(v for v in vals if v in okset)

    start = _parse_date(_first(params.get("from")))
    end = _parse_date(_first(params.get("to")))
    if span is not None:
        lo, hi = span
        start = min(max(start, lo), hi) if start else None
        end = min(max(end, lo), hi) if end else None
    if start and end and start > end:
        start, end = end, start
    precs = tuple(int(p) for p in _split(params.get("prec")) if p.isdigit() and 1 <= int(p) <= 4)
    layers_raw = _first(params.get("layers"))
    if not layers_raw:
        layers = DEFAULT_LAYERS
    elif layers_raw == "none":
        layers = ()
    else:
        layers = tuple(v for v in _split(layers_raw) if v in LAYERS)
    place = _first(params.get("place"))
    if places is not None and place not in set(places):
        place = ""
    step = _first(params.get("step"))
    try:
        min_conf = min(max(float(_first(params.get("conf")) or 0.0), 0.0), 1.0)
    except ValueError:
        min_conf = 0.0
    return ViewState(
        start=start, end=end,
        actors=allowed(_split(params.get("actor")), actors),
        categories=allowed(_split(params.get("cat")), categories),
        sub_types=allowed(_split(params.get("sub")), sub_types),
        precisions=precs,
        min_confidence=min_conf,
        query=_first(params.get("q"))[:200],
        place=place,
        layers=layers,
        step=step if step in STEPS else "week",
        event=_first(params.get("event"))[:200],
        article=_first(params.get("article"))[:200],
    )


def step_window(start: date, end: date, step: str, span: tuple[date, date]) -> tuple[date, date] | None:
    """Move the window one step forward (the play control).

    Parameters
    ----------
    start, end : date
        Current window.
    step : str
        ``"day"`` or ``"week"``.
    span : tuple of date
        Data span.

    Returns
    -------
    tuple of date or None
        The next window (same width), or ``None`` when the end of the data is reached.
    """
    if end >= span[1]:
        return None
    delta = timedelta(days=STEPS.get(step, 7))
    new_end = min(end + delta, span[1])
    return (start + (new_end - end), new_end)


# --------------------------------------------------------------------------- filtering


def _day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def filter_events(bundle: Bundle, state: ViewState) -> np.ndarray:
    """Return the row numbers of the events visible in ``state``.

    An event is in the window when its date period (day/week/month/year)
    overlaps it. Actor filter: any of its actors (``actors``, ``actor1/2``,
    controllers) is selected. Search: case- and accent-insensitive substring
    of the quote or the place name.

    Parameters
    ----------
    bundle : Bundle
    state : ViewState

    Returns
    -------
    numpy.ndarray
        Sorted ``int64`` row numbers into ``bundle.events``.
    """
    p = bundle.prep
    n = len(p.d0)
    mask = np.ones(n, dtype=bool)
    if state.start is not None:
        mask &= p.d1 >= _day(state.start)
    if state.end is not None:
        mask &= p.d0 <= _day(state.end)
    if state.start is None and state.end is None:
        mask &= p.d0 < np.iinfo(np.int64).max // 8  # drop undated events from the map
    if state.categories:
        codes = [i for i, c in enumerate(p.cats) if c in set(state.categories)]
        mask &= np.isin(p.cat, codes)
    if state.sub_types:
        codes = [i for i, s in enumerate(p.subs) if s in set(state.sub_types)]
        mask &= np.isin(p.sub, codes)
    if state.precisions:
        mask &= np.isin(p.prec, np.asarray(state.precisions, dtype=np.int8))
    if state.min_confidence > 0:
        mask &= p.conf >= np.float32(state.min_confidence) - np.float32(1e-6)
    if state.place:
        try:
            mask &= p.place == p.place_ids.index(state.place)
        except ValueError:
            mask[:] = False
    if state.actors:
        codes = [i for i, a in enumerate(bundle.actor_ids) if a in set(state.actors)]
        hit = np.zeros(n, dtype=bool)
        sel = np.isin(p.act_code, codes)
        hit[p.act_row[sel]] = True
        mask &= hit
    idx = np.flatnonzero(mask)
    q = fold(state.query.strip()) if state.query else ""
    if q and len(idx):
        found = pc.match_substring(p.text.take(pa.array(idx)), q)
        idx = idx[np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)]
    return idx


def active_zones(bundle: Bundle, state: ViewState) -> list[int]:
    """Indices into ``bundle.zone_features`` of the zones valid during the window."""
    vf, vt = bundle.zone_days
    m = np.ones(len(vf), dtype=bool)
    if state.end is not None:
        m &= vf <= _day(state.end)
    if state.start is not None:
        m &= vt >= _day(state.start)
    return [int(i) for i in np.flatnonzero(m)]


# --------------------------------------------------------------------------- map payloads


@dataclass
class MapPayload:
    """Layer payloads (``layer key -> [(cmLib kind, JSON)]``) and what they hold."""

    layers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    aggregated: bool = False
    focus: tuple[float, float] | None = None

    @property
    def nbytes(self) -> int:
        """Total UTF-8 size of the JSON payloads."""
        return sum(len(js.encode("utf-8")) for parts in self.layers.values() for _, js in parts)


class _Tables:
    """Local code tables (only what a payload uses) for actors, places, ..."""

    def __init__(self, bundle: Bundle) -> None:
        self.b = bundle
        self.act: dict[int, int] = {}
        self.pl: dict[int, int] = {}
        self.sub: dict[int, int] = {}
        self.art: dict[str, int] = {}
        self.src: dict[str, int] = {}
        self.art_rows: list[list[str]] = []
        self.src_rows: list[str] = []

    def code(self, table: dict[Any, int], key: Any) -> int:
        if key is None or (isinstance(key, (int, np.integer)) and key < 0):
            return -1
        v = table.get(key)
        if v is None:
            v = table[key] = len(table)
        return v

    def codes(self, table: dict[Any, int], values: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`code` (negative values stay ``-1``)."""
        arr = np.asarray(values).astype(np.int64)
        out = np.full(len(arr), -1, dtype=np.int64)
        ok = arr >= 0
        if ok.any():
            u, inv = np.unique(arr[ok], return_inverse=True)
            loc = np.array([self.code(table, int(x)) for x in u], dtype=np.int64)
            out[ok] = loc[inv]
        return out

    def article(self, aid: str, url: str) -> int:
        v = self.art.get(aid)
        if v is None:
            v = self.art[aid] = len(self.art_rows)
            self.art_rows.append([aid, safe_url(url)])
        return v

    def source(self, s: str) -> int:
        v = self.src.get(s)
        if v is None:
            v = self.src[s] = len(self.src_rows)
            self.src_rows.append(s)
        return v

    def to_json(self) -> dict[str, Any]:
        b, p = self.b, self.b.prep
        actors = b.actors
        act = [[""] * 2 for _ in range(len(self.act))]
        for code, local in self.act.items():
            aid = b.actor_ids[code]
            act[local] = [str(actors.at[aid, "label_fr"]), str(actors.at[aid, "color"])]
        pl = [""] * len(self.pl)
        for code, local in self.pl.items():
            pl[local] = p.place_names[code]
        sub = [["", ""]] * len(self.sub)
        for code, local in self.sub.items():
            sub[local] = [sub_label(p.subs[code]), icon_for(p.subs[code])]
        return {"act": act, "pl": pl, "sub": sub, "art": self.art_rows, "src": self.src_rows,
                "cat": list(p.cats), "dp": ["day", "week", "month", "year"]}


_DPREC = {"day": 0, "week": 1, "month": 2, "year": 3}


def _records(bundle: Bundle, rows: np.ndarray, T: _Tables) -> list[list[Any]]:
    """Event records (see :data:`EVENT_RECORD`) for ``rows`` (vectorised; bounded by the callers)."""
    p = bundle.prep
    rows = np.asarray(rows, dtype=np.int64)
    if not len(rows):
        return []
    starts, ends = p.act_off[rows], p.act_off[rows + 1]
    lens = ends - starts
    flat = np.repeat(starts - np.r_[0, np.cumsum(lens)[:-1]], lens) + np.arange(int(lens.sum()))
    flat_codes = T.codes(T.act, p.act_code[flat]).tolist()
    bounds = np.r_[0, np.cumsum(lens)].tolist()
    acts = [flat_codes[a:b] for a, b in zip(bounds, bounds[1:])]
    c = view_cache(bundle, "static", 8).get("records", lambda: _record_columns(bundle))
    g_art = c["art"][rows]
    u, fi = np.unique(g_art, return_index=True)
    art_lut = np.full(len(c["art_ids"]), -1, dtype=np.int64)
    for k in np.argsort(fi, kind="stable").tolist():  # local codes in order of first appearance
        url = c["url"][rows[fi[k]]]
        art_lut[u[k]] = T.article(c["art_ids"][u[k]], url if isinstance(url, str) else "")
    g_src = c["src"][rows]
    u, fi = np.unique(g_src, return_index=True)
    src_lut = np.full(len(c["src_ids"]), -1, dtype=np.int64)
    for k in np.argsort(fi, kind="stable").tolist():
        src_lut[u[k]] = T.source(c["src_ids"][u[k]])
    quotes = c["quote"][rows].tolist()
    dates = c["date"][rows].tolist()
    eids = c["eid"][rows].tolist()
    dprec = c["dprec"][rows]
    ns = c["ns"][rows]
    cols = [
        T.codes(T.sub, p.sub[rows]).tolist(),
        T.codes(T.act, p.actor1[rows]).tolist(),
        acts,
        T.codes(T.pl, p.place[rows]).tolist(),
        dates,
        dprec.tolist(),
        quotes,
        art_lut[g_art].tolist(),
        eids,
        p.prec[rows].astype(int).tolist(),
        p.cat[rows].astype(int).tolist(),
        T.codes(T.act, p.before[rows]).tolist(),
        T.codes(T.act, p.after[rows]).tolist(),
        ns.tolist(),
        src_lut[g_src].tolist(),
        p.claimed[rows].astype(int).tolist(),
        np.round(p.conf[rows].astype(float), 2).tolist(),
    ]
    return [list(r) for r in zip(*cols)]


def _record_columns(bundle: Bundle) -> dict[str, Any]:
    """Per-event columns of the map records, computed once per bundle (see :func:`_records`)."""
    ev = bundle.events
    quotes = [q if isinstance(q, str) else "" for q in ev["quote"].to_numpy()]
    quotes = [q if len(q) <= QUOTE_CHARS else q[:QUOTE_CHARS] + "…" for q in quotes]
    art, art_ids = pd.factorize(pd.Series(ev["article_id"].to_numpy(), dtype=object).fillna(""), sort=False)
    src, src_ids = pd.factorize(pd.Series(ev["source"].to_numpy(), dtype=object).fillna("").astype(str), sort=False)

    def obj(values: list[Any]) -> np.ndarray:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out

    return {
        "quote": obj(quotes),
        "art": np.asarray(art, dtype=np.int64), "art_ids": [str(a) for a in art_ids],
        "url": ev["url"].to_numpy(),
        "src": np.asarray(src, dtype=np.int64), "src_ids": [str(v) for v in src_ids],
        "ns": pd.to_numeric(pd.Series(ev["n_sources"].to_numpy()), errors="coerce").fillna(1).astype(int).to_numpy(),
        "dprec": pd.Series(ev["date_precision"].to_numpy()).map(_DPREC).fillna(0).astype(int).to_numpy(),
        "date": obj([str(d or "")[:10] for d in ev["date"].to_numpy()]),
        "eid": obj([str(e or "") for e in ev["event_id"].to_numpy()]),
    }


def _dominant(codes: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Most frequent non-negative code per group (-1 when none)."""
    ok = codes >= 0
    if not ok.any():
        return np.full(n_groups, -1)
    k = int(codes.max()) + 1
    counts = np.bincount(groups[ok] * k + codes[ok], minlength=n_groups * k).reshape(n_groups, k)
    best = counts.argmax(axis=1)
    return np.where(counts.max(axis=1) > 0, best, -1)


def _event_layer(bundle: Bundle, rows: np.ndarray, kind: str, selected: str,
                 threshold: int) -> tuple[list[tuple[str, str]], bool]:
    p = bundle.prep
    parts: list[tuple[str, str]] = []
    if not len(rows):
        return parts, False
    precise = rows[(p.prec[rows] <= 2) & p.is_point[rows] & np.isfinite(p.x[rows])]
    vague = np.setdiff1d(rows, precise, assume_unique=True)
    vague = vague[np.isfinite(p.x[vague])]
    colour_code = p.after if kind == "control" else p.actor1
    aggregated = False
    if len(precise) > threshold:
        aggregated = True
        gx = np.floor(p.x[precise] / GRID_DEG).astype(np.int64)
        gy = np.floor(p.y[precise] / GRID_DEG).astype(np.int64)
        key = gx * 100_000 + gy
        uniq, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
        sx = np.bincount(inv, weights=p.x[precise]) / cnt
        sy = np.bincount(inv, weights=p.y[precise]) / cnt
        dom = _dominant(colour_code[precise], inv, len(uniq))
        colors = bundle.actors["color"].to_numpy(dtype=object)
        catc = np.zeros((len(uniq), 3), dtype=np.int64)
        for ci, cname in enumerate(("incident", "control_change", "deescalation")):
            if cname in p.cats:
                m = p.cat[precise] == p.cats.index(cname)
                catc[:, ci] = np.bincount(inv[m], minlength=len(uniq))
        cells = [[round(float(a), 4), round(float(b), 4), int(c), str(colors[d]) if d >= 0 else "#757575",
                  int(i), int(cc), int(de)]
                 for a, b, c, d, (i, cc, de) in zip(sx, sy, cnt, dom, catc)]
        parts.append(("grid", safe_json({"kind": kind + "_grid", "size": GRID_DEG, "cells": cells})))
    elif len(precise):
        T = _Tables(bundle)
        ev = _records(bundle, precise, T)
        parts.append(("points", safe_json({
            "kind": kind, "T": T.to_json(), "sel": selected,
            "x": np.round(p.x[precise], 5).tolist(), "y": np.round(p.y[precise], 5).tolist(), "ev": ev})))
    if len(vague):
        T = _Tables(bundle)
        pl = p.place[vague]
        order = np.lexsort((-p.d0[vague], pl))  # by place, most recent first
        v_sorted, pl_sorted = vague[order], pl[order]
        starts = np.r_[0, np.flatnonzero(np.diff(pl_sorted)) + 1]
        ends = np.r_[starts[1:], len(v_sorted)]
        inv = np.repeat(np.arange(len(starts)), ends - starts)
        dom = _dominant(colour_code[v_sorted], inv, len(starts))
        per_place = AREA_EVENTS if len(vague) <= threshold else 1
        take = np.minimum(ends - starts, per_place)
        sel = np.concatenate([v_sorted[a:a + k] for a, k in zip(starts.tolist(), take.tolist())])
        recs = _records(bundle, sel, T)
        rec_bounds = np.r_[0, np.cumsum(take)].tolist()
        places = []
        for gi, (s, e) in enumerate(zip(starts.tolist(), ends.tolist())):
            code = int(pl_sorted[s])
            r0 = int(v_sorted[s])
            g = int(p.prec[v_sorted[s:e]].max())
            geom = p.place_area.get(code)
            places.append({
                "id": p.place_ids[code], "name": p.place_names[code], "n": e - s, "g": g,
                "x": round(float(p.x[r0]), 4), "y": round(float(p.y[r0]), 4),
                "r": 120_000 if g >= 4 else 30_000, "geom": geom,
                "k": T.code(T.act, int(dom[gi])),
                "ev": recs[rec_bounds[gi]:rec_bounds[gi + 1]],
            })
        parts.append(("areas", safe_json({"kind": kind + "_areas", "T": T.to_json(), "places": places})))
    return parts, aggregated


def held_places(bundle: Bundle, state: ViewState) -> list[list[Any]]:
    """Who held each place at the end of the window (from ``control``).

    Returns
    -------
    list
        ``[lon, lat, place name, controller label, colour, since, previous controller]``
        for every place with a known position.
    """
    c = bundle.control
    if c.empty:
        return []
    days = bundle.control_days
    m = (days < np.iinfo(np.int64).max // 8) & np.isfinite(bundle.control_xy[:, 0])
    if state.end is not None:
        m &= days <= _day(state.end)
    if not m.any():
        return []
    rows = np.flatnonzero(m)
    pid = c["place_id"].to_numpy(dtype=object)[rows]
    order = np.lexsort((days[rows], pd.factorize(pd.Series(pid, dtype=object).fillna(""))[0]))
    rows, pid = rows[order], pid[order]
    last = np.r_[pid[1:] != pid[:-1], True]
    rows = rows[last]
    actors = bundle.actors
    out = []
    for r in rows.tolist():
        row = c.iloc[r]
        after = str(row["controller_after"] or "")
        before = str(row["controller_before"] or "")
        out.append([round(float(bundle.control_xy[r, 0]), 4), round(float(bundle.control_xy[r, 1]), 4),
                    str(row["place_name"] or row["place_id"]),
                    str(actors.at[after, "label_fr"]) if after in actors.index else (after or "inconnu"),
                    str(actors.at[after, "color"]) if after in actors.index else SIDE_COLORS["unknown"],
                    str(row["date"])[:10],
                    str(actors.at[before, "label_fr"]) if before in actors.index else before])
    return out


def build_payloads(bundle: Bundle, state: ViewState, idx: np.ndarray | None = None,
                   threshold: int = POINT_THRESHOLD) -> MapPayload:
    """Build the JSON payloads of every visible layer.

    Parameters
    ----------
    bundle : Bundle
    state : ViewState
    idx : numpy.ndarray, optional
        Output of :func:`filter_events` (computed when omitted).
    threshold : int, optional
        Above this many precise points a layer is sent as grid cells.

    Returns
    -------
    MapPayload
    """
    if idx is None:
        idx = filter_events(bundle, state)
    p = bundle.prep
    out = MapPayload()
    if "zones" in state.layers:
        feats = [bundle.zone_features[i] for i in active_zones(bundle, state)]
        out.layers["zones"] = [("zones", safe_json({"type": "FeatureCollection", "features": feats}))]
        out.counts["zones"] = len(feats)
    for key, cats in _EVENT_LAYER_CATS.items():
        if key not in state.layers:
            continue
        codes = [i for i, c in enumerate(p.cats) if c in cats]
        rows = idx[np.isin(p.cat[idx], codes)]
        parts, agg = _event_layer(bundle, rows, key, state.event, threshold)
        out.layers[key] = parts
        out.counts[key] = int(len(rows))
        out.aggregated |= agg
    if "held" in state.layers:
        h = held_places(bundle, state)
        out.layers["held"] = [("held", safe_json({"pl": h}))]
        out.counts["held"] = len(h)
    if state.event:
        hits = np.flatnonzero(bundle.events["event_id"].to_numpy(dtype=object) == state.event)
        if len(hits) and np.isfinite(p.x[hits[0]]):
            x, y = float(p.x[hits[0]]), float(p.y[hits[0]])
            out.layers["focus"] = [("focus", safe_json({"x": round(x, 5), "y": round(y, 5)}))]
            out.focus = (y, x)
    return out


def feature_groups(payload: MapPayload) -> list[Any]:
    """Wrap payloads as ``folium.FeatureGroup`` objects for ``st_folium``."""
    import folium

    groups = []
    for key, parts in payload.layers.items():
        fg = folium.FeatureGroup(name=LAYERS.get(key, key))
        for kind, js in parts:
            JsLayer(kind, js).add_to(fg)
        groups.append(fg)
    return groups


def resolve_click(bundle: Bundle, idx: np.ndarray, lat: float, lng: float, tol: float = 2e-4) -> np.ndarray:
    """Rows of the visible events drawn at a clicked position.

    A marker click reports the marker's own position: events within ``tol``
    degrees match. Otherwise the click is inside an area: events whose place
    area (or circle) contains the point match.

    Returns
    -------
    numpy.ndarray
        Row numbers, most recent first.
    """
    p = bundle.prep
    if not len(idx):
        return idx
    d = np.abs(p.x[idx] - lng) + np.abs(p.y[idx] - lat)
    hit = idx[d <= tol]
    if not len(hit):
        import shapely

        pt = shapely.Point(lng, lat)
        vague = idx[(p.prec[idx] >= 3) | ~p.is_point[idx]]
        keep = []
        for code in np.unique(p.place[vague]).tolist():
            g = p.place_area.get(code)
            rows = vague[p.place[vague] == code]
            if g is not None:
                inside = shapely.from_geojson(json.dumps(g)).buffer(0.02).contains(pt)
            else:
                r0 = rows[0]
                radius_deg = (1.08 if p.prec[r0] >= 4 else 0.27)
                inside = np.hypot(p.x[r0] - lng, p.y[r0] - lat) <= radius_deg
            if inside:
                keep.append(rows)
        hit = np.concatenate(keep) if keep else hit
    return hit[np.argsort(-p.d0[hit], kind="stable")]


# --------------------------------------------------------------------------- per-view caches


class ViewCache:
    """A small thread-safe LRU of derived results of one bundle (shared by every session).

    Held in ``bundle.views`` (see :func:`view_cache`), so it lives and dies with
    the bundle and can never mix two datasets (uploads get their own bundle).
    Values are shared: callers must treat them as read-only.
    """

    def __init__(self, maxsize: int = 64) -> None:
        self.maxsize = max(1, int(maxsize))
        self._d: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        """The value for ``key``, computed by ``compute()`` on a miss (outside the lock)."""
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                self.hits += 1
                return self._d[key]
            self.misses += 1
        value = compute()
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.maxsize:
                self._d.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._d)

    def __contains__(self, key: Any) -> bool:
        return key in self._d


def view_cache(bundle: Bundle, kind: str, maxsize: int = 64) -> ViewCache:
    """The :class:`ViewCache` named ``kind`` of ``bundle`` (created on first use)."""
    views = bundle.views
    c = views.get(kind)
    if c is None:
        c = views.setdefault(kind, ViewCache(maxsize))
    return c


def filter_key(state: ViewState) -> tuple[Any, ...]:
    """The part of a view that decides which events are visible (key of :func:`cached_filter`)."""
    return (state.start, state.end, tuple(state.actors), tuple(state.categories), tuple(state.sub_types),
            tuple(int(p) for p in state.precisions), state.min_confidence, state.query, state.place)


def map_key(state: ViewState) -> tuple[Any, ...]:
    """Everything the map layers depend on (key of :func:`cached_map_layers`)."""
    return (*filter_key(state), tuple(state.layers), state.event)


def cached_filter(bundle: Bundle, state: ViewState) -> np.ndarray:
    """:func:`filter_events`, memoised per bundle and filter state (read-only result)."""
    def compute() -> np.ndarray:
        idx = filter_events(bundle, state)
        idx.flags.writeable = False
        return idx

    return view_cache(bundle, "idx", 256).get(filter_key(state), compute)


@dataclass(frozen=True)
class MapLayersJs:
    """The data layers of one view, rendered for ``st_folium`` (what it would send as ``feature_group``)."""

    js: str
    nbytes: int
    aggregated: bool
    focus: tuple[float, float] | None


def feature_group_js(payload: MapPayload) -> str:
    """The JavaScript ``st_folium(feature_group_to_add=feature_groups(payload))`` sends to the browser.

    Uses streamlit-folium's own renderer on a throw-away map (the map's id is
    replaced by ``map_div`` in the output, so the result does not depend on it).
    """
    import folium
    from streamlit_folium import _get_feature_group_string

    m = folium.Map(location=[0, 0], tiles=None)
    return "".join(_get_feature_group_string(fg, m, i) for i, fg in enumerate(feature_groups(payload)))


def cached_map_layers(bundle: Bundle, state: ViewState, idx: np.ndarray | None = None,
                      threshold: int = POINT_THRESHOLD) -> MapLayersJs:
    """:func:`build_payloads` + :func:`feature_group_js`, memoised per bundle and map state."""
    def compute() -> MapLayersJs:
        payload = build_payloads(bundle, state, cached_filter(bundle, state) if idx is None else idx, threshold)
        return MapLayersJs(feature_group_js(payload), payload.nbytes, payload.aggregated, payload.focus)

    return view_cache(bundle, "map", 32).get((*map_key(state), threshold), compute)


def cached_events_table(bundle: Bundle, state: ViewState, idx: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`events_table` of the view, memoised per bundle and filter state (shared: read-only)."""
    return view_cache(bundle, "table", 32).get(
        filter_key(state), lambda: events_table(bundle, cached_filter(bundle, state) if idx is None else idx))


def cached_weekly_counts(bundle: Bundle, state: ViewState, idx: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`weekly_counts` of the view, memoised per bundle and filter state (shared: read-only)."""
    return view_cache(bundle, "weekly", 128).get(
        filter_key(state), lambda: weekly_counts(bundle, cached_filter(bundle, state) if idx is None else idx))


# --------------------------------------------------------------------------- around the map


def weekly_counts_empty() -> pd.DataFrame:
    """The (empty) frame :func:`weekly_counts` returns for a view without events."""
    return pd.DataFrame({"week": pd.Series([], dtype="datetime64[ns]"), "category": [], "events": []})


def weekly_counts(bundle: Bundle, idx: np.ndarray) -> pd.DataFrame:
    """Events per ISO week (Monday) and category.

    Returns
    -------
    pandas.DataFrame
        Columns ``week`` (datetime), ``category`` (label), ``events``.
    """
    p = bundle.prep
    if not len(idx):
        return weekly_counts_empty()
    d = p.d0[idx]
    wk = d - (d + 3) % 7  # Monday of the week
    cats = p.cat[idx].astype(np.int64)
    key = (wk - wk.min()) * (len(p.cats) + 1) + cats
    uniq, cnt = np.unique(key, return_counts=True)
    weeks = uniq // (len(p.cats) + 1) + wk.min()
    cat_codes = uniq % (len(p.cats) + 1)
    return pd.DataFrame({
        "week": pd.to_datetime(weeks.astype("datetime64[D]")),
        "category": [CATEGORY_LABELS.get(p.cats[c], p.cats[c]) for c in cat_codes],
        "events": cnt,
    })


def events_table(bundle: Bundle, idx: np.ndarray, limit: int = TABLE_ROWS) -> pd.DataFrame:
    """The events of the view as a readable table (most recent first, at most ``limit`` rows)."""
    p = bundle.prep
    order = idx[np.argsort(-p.d0[idx], kind="stable")][:limit]
    ev = bundle.events
    labels = bundle.actors["label_fr"].reindex(bundle.actor_ids).fillna("").astype(str).to_numpy()
    actors = [", ".join(labels[p.act_code[p.act_off[r]:p.act_off[r + 1]]]) for r in order.tolist()]
    return pd.DataFrame({
        "date": ev["date"].to_numpy(dtype=object)[order],
        "précision date": ev["date_precision"].to_numpy(dtype=object)[order],
        "catégorie": [CATEGORY_LABELS.get(p.cats[c], p.cats[c]) for c in p.cat[order]],
        "type": [sub_label(p.subs[s]) for s in p.sub[order]],
        "lieu": [p.place_names[c] for c in p.place[order]],
        "précision lieu": p.prec[order],
        "acteurs": actors,
        "citation": ev["quote"].to_numpy(dtype=object)[order],
        "source": ev["source"].to_numpy(dtype=object)[order],
        "article": ev["article_id"].to_numpy(dtype=object)[order],
        "event_id": ev["event_id"].to_numpy(dtype=object)[order],
    })


def export_bytes(bundle: Bundle, idx: np.ndarray, fmt: str) -> bytes:
    """The events of the current view as ``geojson``, ``csv`` or ``parquet`` (GeoParquet).

    Parameters
    ----------
    bundle : Bundle
    idx : numpy.ndarray
        Visible rows.
    fmt : str
        ``"geojson"``, ``"csv"`` or ``"parquet"``.

    Returns
    -------
    bytes
    """
    sub = bundle.events.iloc[np.sort(idx)].copy()
    sub["actors"] = sub["actors"].map(lambda v: list(v) if v is not None and not isinstance(v, str) else v)
    if fmt == "geojson":
        return sub.to_json(drop_id=True, ensure_ascii=False).encode("utf-8")
    if fmt == "csv":
        flat = pd.DataFrame(sub.drop(columns="geometry"))
        flat["actors"] = flat["actors"].map(lambda v: ";".join(v) if isinstance(v, list) else (v or ""))
        flat["wkt"] = sub.geometry.to_wkt()
        return flat.to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        buf = io.BytesIO()
        sub.to_parquet(buf)
        return buf.getvalue()
    raise ValueError(f"unknown export format {fmt!r}")


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
        ``text`` and every ``title`` is HTML-escaped.
    """
    n = len(text)
    clean = [(max(0, int(s)), min(n, int(e)), k, t) for s, e, k, t in spans
             if isinstance(s, (int, np.integer)) and isinstance(e, (int, np.integer)) and 0 <= s < e <= n]
    bounds = sorted({0, n, *[s for s, _, _, _ in clean], *[e for _, e, _, _ in clean]})
    out = ['<div class="cm-article">']
    for a, b in zip(bounds, bounds[1:]):
        seg = html.escape(text[a:b]).replace("\n", "<br>")
        active = [(k, t) for s, e, k, t in clean if s <= a and b <= e]
        if not active:
            out.append(seg)
            continue
        kinds = sorted({k for k, _ in active})
        cls = " ".join(f"cm-{k if k in ('event', 'toponym', 'selected') else 'other'}" for k in kinds)
        title = " | ".join(dict.fromkeys(t for _, t in active if t))
        out.append(f'<mark class="{cls}" title="{html.escape(title, quote=True)}">{seg}</mark>')
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


def validate_uploads(files: Sequence[tuple[str, int]]) -> tuple[list[int], list[str]]:
    """Check uploaded files against the limits.

    Parameters
    ----------
    files : sequence of (name, size in bytes)

    Returns
    -------
    tuple
        ``(accepted indices, error messages)``; at most :data:`MAX_UPLOAD_FILES`
        files of at most :data:`MAX_UPLOAD_BYTES` each with an allowed extension.
    """
    ok: list[int] = []
    errors: list[str] = []
    for i, (name, size) in enumerate(files):
        ext = Path(name).suffix.lower().lstrip(".")
        if ext not in UPLOAD_TYPES:
            errors.append(f"{name} : type de fichier refusé (.{ext or '?'}) — formats acceptés : .txt, .md, .html.")
        elif size > MAX_UPLOAD_BYTES:
            errors.append(f"{name} : fichier trop volumineux ({size / 1048576:.1f} Mo > 2 Mo).")
        elif size == 0:
            errors.append(f"{name} : fichier vide.")
        elif len(ok) >= MAX_UPLOAD_FILES:
            errors.append(f"{name} : ignoré — au plus {MAX_UPLOAD_FILES} fichiers par envoi.")
        else:
            ok.append(i)
    return ok, errors


def _side_legend() -> dict[str, str]:
    return {SIDE_LABELS_FR[k]: v for k, v in SIDE_COLORS.items() if k != "unknown"}


# --------------------------------------------------------------------------- Streamlit page


def _app_root() -> Path:
    return Path(os.environ.get("CONFLICTMAP_APP_ROOT", os.getcwd())).resolve()


def data_dir(app_root: Path | None = None) -> Path:
    """The data directory: ``$CONFLICTMAP_DATA`` or ``data/seeds`` (relative to the app root)."""
    root = app_root or _app_root()
    d = Path(os.environ.get("CONFLICTMAP_DATA", "data/seeds"))
    return d if d.is_absolute() else (root / d)


def _signature(d: Path) -> tuple[tuple[str, int, int], ...]:
    files = []
    if d.is_dir():
        for f in sorted(d.iterdir()):
            if f.is_file():
                st_ = f.stat()
                files.append((f.name, int(st_.st_mtime_ns), int(st_.st_size)))
    return tuple(files)


def main(app_root: str | Path | None = None) -> None:
    """Run the Streamlit page (``streamlit run app.py``).

    Parameters
    ----------
    app_root : str or pathlib.Path, optional
        Repository root (holds ``static/`` and ``data/``); default: the working directory.
    """
    import streamlit as st

    from conflictmap import _page
    from conflictmap.settings import apply_streamlit_secrets

    try:  # the optional online geocoder's settings may come from Streamlit secrets (env wins)
        apply_streamlit_secrets(st.secrets)
    except Exception:  # noqa: BLE001 - no secrets file is the normal case
        pass
    _page.run(Path(app_root).resolve() if app_root else _app_root())

