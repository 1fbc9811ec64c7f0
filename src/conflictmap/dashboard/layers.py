"""Map layer payloads: the filtered events as compact, HTML-inert JSON for ``cmlib.js``.

:func:`build_payloads` makes one payload per layer (points, or grid cells when a
layer holds more than :data:`POINT_THRESHOLD` precise points; areas; zones; who
holds what); :func:`feature_groups` wraps them for ``st_folium``;
:func:`cached_map_layers` memoises the rendered JavaScript per view;
:func:`resolve_click` maps a click back to events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from conflictmap.dashboard.data import Bundle
from conflictmap.dashboard.filters import (
    active_zones,
    cached_filter,
    claimed_mask,
    confidence_values,
    day_number,
    filter_events,
    map_key,
    view_cache,
)
from conflictmap.dashboard.i18n import js_texts, layer_label, side_label, sub_type_label, t
from conflictmap.dashboard.map import ICON_LABELS, SIDE_COLORS, JsLayer, icon_for, safe_json, safe_url
from conflictmap.dashboard.places import display_name, place_labels
from conflictmap.dashboard.state import ViewState

#: Above this many precise points in a layer the map shows grid cells with counts.
POINT_THRESHOLD = 5000
#: Grid cell size (degrees) of the aggregated layer.
GRID_DEG = 0.1
#: Events listed in the popup of an area (most recent first).
AREA_EVENTS = 5
QUOTE_CHARS = 400
_EVENT_LAYER_CATS: dict[str, tuple[str, ...]] = {"events": ("incident", "deescalation"), "control": ("control_change",)}

#: Index of each field of an event record sent to the map (see cmlib.js).
EVENT_RECORD: tuple[str, ...] = ("sub", "colour_actor", "actors", "place", "date", "date_precision", "quote", "article",
                                 "event_id", "geo_precision", "category", "before", "after", "n_sources", "source",
                                 "origin", "claimed", "confidence")

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

    def __init__(self, bundle: Bundle, lang: str = "fr") -> None:
        self.b = bundle
        self.lang = lang
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
        col = "label_en" if self.lang == "en" else "label_fr"
        act = [[""] * 2 for _ in range(len(self.act))]
        for code, local in self.act.items():
            aid = b.actor_ids[code]
            act[local] = [str(actors.at[aid, col] or actors.at[aid, "label_fr"]), str(actors.at[aid, "color"])]
        names = place_labels(b, self.lang)
        pl = [""] * len(self.pl)
        for code, local in self.pl.items():
            pl[local] = names[code]
        sub = [["", ""]] * len(self.sub)
        for code, local in self.sub.items():
            sub[local] = [sub_type_label(p.subs[code], self.lang), icon_for(p.subs[code])]
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
        p.origin[rows].astype(int).tolist(),
        claimed_mask(bundle)[rows].astype(int).tolist(),
        np.round(confidence_values(bundle)[rows].astype(float), 2).tolist(),
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
                 threshold: int, lang: str = "fr") -> tuple[list[tuple[str, str]], bool]:
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
        T = _Tables(bundle, lang)
        ev = _records(bundle, precise, T)
        parts.append(("points", safe_json({
            "kind": kind, "T": T.to_json(), "sel": selected,
            "x": np.round(p.x[precise], 5).tolist(), "y": np.round(p.y[precise], 5).tolist(), "ev": ev})))
    if len(vague):
        T = _Tables(bundle, lang)
        names = place_labels(bundle, lang)
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
                "id": p.place_ids[code], "name": names[code], "n": e - s, "g": g,
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
        m &= days <= day_number(state.end)
    if not m.any():
        return []
    rows = np.flatnonzero(m)
    pid = c["place_id"].to_numpy(dtype=object)[rows]
    order = np.lexsort((days[rows], pd.factorize(pd.Series(pid, dtype=object).fillna(""))[0]))
    rows, pid = rows[order], pid[order]
    last = np.r_[pid[1:] != pid[:-1], True]
    rows = rows[last]
    actors = bundle.actors
    col = "label_en" if state.lang == "en" else "label_fr"
    unknown = "unknown" if state.lang == "en" else "inconnu"
    out = []
    for r in rows.tolist():
        row = c.iloc[r]
        after = str(row["controller_after"] or "")
        before = str(row["controller_before"] or "")
        name = display_name(str(row["place_id"] or ""), str(row["place_name"] or row["place_id"]), state.lang)
        out.append([round(float(bundle.control_xy[r, 0]), 4), round(float(bundle.control_xy[r, 1]), 4), name,
                    str(actors.at[after, col]) if after in actors.index else (after or unknown),
                    str(actors.at[after, "color"]) if after in actors.index else SIDE_COLORS["unknown"],
                    str(row["date"])[:10],
                    str(actors.at[before, col]) if before in actors.index else before])
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
        parts, agg = _event_layer(bundle, rows, key, state.event, threshold, state.lang)
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
        fg = folium.FeatureGroup(name=layer_label(key))
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
    from conflictmap.dashboard.folium_bridge import feature_group_js as _fg_js

    m = folium.Map(location=[0, 0], tiles=None)
    return "".join(_fg_js(fg, m, i) for i, fg in enumerate(feature_groups(payload)))


def cached_map_layers(bundle: Bundle, state: ViewState, idx: np.ndarray | None = None,
                      threshold: int = POINT_THRESHOLD, fit: bool = False) -> MapLayersJs:
    """:func:`build_payloads` + :func:`feature_group_js`, memoised per bundle and map state.

    ``fit`` adds a layer that fits the map to the visible events when drawn (sent after a filter change).
    """
    def compute() -> MapLayersJs:
        rows = cached_filter(bundle, state) if idx is None else idx
        payload = build_payloads(bundle, state, rows, threshold)
        if fit:
            fp = fit_payload(bundle, rows)
            if fp is not None:
                payload.layers["fit"] = [("fit", fp)]
        return MapLayersJs(feature_group_js(payload), payload.nbytes, payload.aggregated, payload.focus)

    return view_cache(bundle, "map", 32).get((*map_key(state), threshold, fit), compute)


def side_legend(lang: str = "fr") -> dict[str, str]:
    """Label → colour of each actor side shown in the legend."""
    return {side_label(k, lang): v for k, v in SIDE_COLORS.items() if k != "unknown"}


#: The shape entries of the legend, in order (``cmlib.js`` draws a sample of each kind).
LEGEND_SHAPES: tuple[str, ...] = ("precise", "near", "area", "ring", "zone", "cluster", "upload", "undated",
                                  "claimed", "selected")


def legend_payload(lang: str = "fr") -> dict[str, Any]:
    """Everything the map legend explains: side colours, sub-type icons and every shape drawn.

    Returns
    -------
    dict
        ``title``, ``sides`` (``[label, colour]``), ``icons`` (``[Font Awesome class, label]``),
        ``shapes`` (``[kind, label]``) and section titles, in ``lang``.
    """
    return {
        "title": t("lg_title", lang), "t_sides": t("lg_sides", lang), "t_types": t("lg_types", lang),
        "t_shapes": t("lg_marks", lang),
        "sides": [[k, v] for k, v in side_legend(lang).items()],
        "icons": [[icon, label[1] if lang == "en" else label[0]] for icon, label in ICON_LABELS.items()],
        "shapes": [[k, t("lg_" + {"precise": "precise", "near": "near", "area": "area", "ring": "ring",
                                   "zone": "zone", "cluster": "cluster", "upload": "upload", "undated": "undated",
                                   "claimed": "claimed", "selected": "selected"}[k], lang)] for k in LEGEND_SHAPES],
        "text": js_texts(lang),
    }


def fit_payload(bundle: Bundle, idx: np.ndarray) -> str | None:
    """``fitBounds`` payload of the visible events (``None`` when none has a position)."""
    p = bundle.prep
    if not len(idx):
        return None
    x, y = p.x[idx], p.y[idx]
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return None
    return safe_json({"b": [[round(float(y[ok].min()), 4), round(float(x[ok].min()), 4)],
                            [round(float(y[ok].max()), 4), round(float(x[ok].max()), 4)]]})
