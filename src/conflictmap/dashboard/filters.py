"""Filtering a :class:`~conflictmap.dashboard.data.Bundle` by a :class:`~conflictmap.dashboard.state.ViewState`.

:func:`filter_events` is vectorised (numpy masks over the bundle's columns);
:func:`weekly_counts` and :func:`events_table` summarise the filtered view;
:class:`ViewCache` memoises these per bundle (shared by every session).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from conflictmap.dashboard.data import Bundle
from conflictmap.dashboard.i18n import category_label
from conflictmap.dashboard.state import ViewState

TABLE_ROWS = 2000


# --------------------------------------------------------------------------- filtering


def day_number(d: date) -> int:
    """Days since 1970-01-01 (the unit of the bundle's date columns)."""
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
        mask &= p.d1 >= day_number(state.start)
    if state.end is not None:
        mask &= p.d0 <= day_number(state.end)
    undated = p.d0 >= np.iinfo(np.int64).max // 8
    if state.undated:
        mask |= undated  # shown on request, whatever the window (counted apart, drawn in their own style)
    else:
        mask &= ~undated
    if state.mine:
        mask &= p.origin == 1
    mods = modality_mask(bundle, state.modalities)
    if mods is not None:
        mask &= mods
    if state.min_confidence > 0:
        mask &= confidence_values(bundle) >= np.float32(state.min_confidence) - np.float32(1e-6)
    if state.categories:
        codes = [i for i, c in enumerate(p.cats) if c in set(state.categories)]
        mask &= np.isin(p.cat, codes)
    if state.sub_types:
        codes = [i for i, s in enumerate(p.subs) if s in set(state.sub_types)]
        mask &= np.isin(p.sub, codes)
    if state.precisions:
        mask &= np.isin(p.prec, np.asarray(state.precisions, dtype=np.int8))
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
    if state.query.strip() and len(idx):
        from conflictmap.dashboard.search import search_rows

        idx = search_rows(bundle, idx, state.query.strip())
    return idx


def modality_codes(bundle: Bundle) -> tuple[np.ndarray, list[str]] | None:
    """Codes of the events' ``modality`` column (missing values read as ``asserted``), or ``None`` without one."""
    if "modality" not in bundle.events.columns:
        return None

    def compute() -> tuple[np.ndarray, list[str]]:
        vals = pd.Series(bundle.events["modality"].to_numpy(dtype=object), dtype=object)
        vals = vals.where(vals.notna() & (vals.astype(str) != ""), "asserted").astype(str)
        codes, uniques = pd.factorize(vals, sort=True)
        return np.asarray(codes, dtype=np.int16), [str(u) for u in uniques]

    return view_cache(bundle, "static", 8).get("modality", compute)


def confidence_values(bundle: Bundle) -> np.ndarray:
    """float32 confidence (0–1) of every event; 1 for data written before the column existed."""
    def compute() -> np.ndarray:
        n = len(bundle.events)
        if "confidence" not in bundle.events.columns:
            return np.ones(n, np.float32)
        return pd.to_numeric(bundle.events["confidence"], errors="coerce").fillna(1.0).to_numpy(np.float32)

    return view_cache(bundle, "static", 8).get("confidence", compute)


def claimed_mask(bundle: Bundle) -> np.ndarray:
    """True where the event is ``claimed`` (attributed, unconfirmed): drawn with a dotted outline."""
    mc = modality_codes(bundle)
    if mc is None:
        return np.zeros(len(bundle.events), bool)
    codes, names = mc
    return codes == (names.index("claimed") if "claimed" in names else -1)


def modality_mask(bundle: Bundle, wanted: tuple[str, ...]) -> np.ndarray | None:
    """Rows whose modality is in ``wanted`` (default: asserted and claimed); ``None`` when the data has none."""
    from conflictmap.dashboard.i18n import DEFAULT_MODALITIES

    mc = modality_codes(bundle)
    if mc is None:
        return None
    codes, names = mc
    want = set(wanted or DEFAULT_MODALITIES)
    return np.isin(codes, [i for i, n in enumerate(names) if n in want])


def active_zones(bundle: Bundle, state: ViewState) -> list[int]:
    """Indices into ``bundle.zone_features`` of the zones valid during the window."""
    vf, vt = bundle.zone_days
    m = np.ones(len(vf), dtype=bool)
    if state.end is not None:
        m &= vf <= day_number(state.end)
    if state.start is not None:
        m &= vt >= day_number(state.start)
    return [int(i) for i in np.flatnonzero(m)]


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
            tuple(int(p) for p in state.precisions), state.query, state.place, state.undated,
            tuple(state.modalities), state.min_confidence, state.mine)


def map_key(state: ViewState) -> tuple[Any, ...]:
    """Everything the map layers depend on (key of :func:`~conflictmap.dashboard.layers.cached_map_layers`)."""
    return (*filter_key(state), tuple(state.layers), state.event, state.lang)


def cached_filter(bundle: Bundle, state: ViewState) -> np.ndarray:
    """:func:`filter_events`, memoised per bundle and filter state (read-only result)."""
    def compute() -> np.ndarray:
        idx = filter_events(bundle, state)
        idx.flags.writeable = False
        return idx

    return view_cache(bundle, "idx", 256).get(filter_key(state), compute)


def cached_events_table(bundle: Bundle, state: ViewState, idx: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`events_table` of the view, memoised per bundle and filter state (shared: read-only)."""
    return view_cache(bundle, "table", 32).get(
        (*filter_key(state), state.lang),
        lambda: events_table(bundle, cached_filter(bundle, state) if idx is None else idx, lang=state.lang))


def cached_weekly_counts(bundle: Bundle, state: ViewState, idx: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`weekly_counts` of the view, memoised per bundle and filter state (shared: read-only)."""
    return view_cache(bundle, "weekly", 128).get(
        (*filter_key(state), state.lang),
        lambda: weekly_counts(bundle, cached_filter(bundle, state) if idx is None else idx, lang=state.lang))


# --------------------------------------------------------------------------- around the map


def weekly_counts_empty() -> pd.DataFrame:
    """The (empty) frame :func:`weekly_counts` returns for a view without events."""
    return pd.DataFrame({"week": pd.Series([], dtype="datetime64[ns]"), "category": [], "events": []})


def weekly_counts(bundle: Bundle, idx: np.ndarray, lang: str = "fr") -> pd.DataFrame:
    """Events per ISO week (Monday) and category.

    Returns
    -------
    pandas.DataFrame
        Columns ``week`` (datetime), ``category`` (label), ``events``.
    """
    p = bundle.prep
    idx = idx[p.d0[idx] < np.iinfo(np.int64).max // 8]  # undated events have no week
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
        "category": [category_label(p.cats[c], lang) for c in cat_codes],
        "events": cnt,
    })


#: Column names of :func:`events_table` per language (the code keys are stable).
TABLE_COLUMNS: dict[str, tuple[str, str]] = {
    "date": ("date", "date"), "date_precision": ("précision date", "date precision"),
    "category": ("catégorie", "category"), "type": ("type", "type"), "place": ("lieu", "place"),
    "place_precision": ("précision lieu", "place precision"), "actors": ("acteurs", "actors"),
    "quote": ("citation", "quote"), "source": ("source", "source"), "article": ("article", "article"),
    "event_id": ("event_id", "event_id"),
}


def table_column(key: str, lang: str = "fr") -> str:
    """Displayed name of an :func:`events_table` column."""
    pair = TABLE_COLUMNS[key]
    return pair[1] if lang == "en" else pair[0]


def events_table(bundle: Bundle, idx: np.ndarray, limit: int = TABLE_ROWS, lang: str = "fr") -> pd.DataFrame:
    """The events of the view as a readable table (most recent first, undated last, at most ``limit`` rows)."""
    from conflictmap.dashboard.i18n import date_precision_label, precision_label, sub_type_label, t
    from conflictmap.dashboard.places import place_labels

    p = bundle.prep
    order = idx[np.argsort(-np.where(p.d0[idx] >= np.iinfo(np.int64).max // 8, -1, p.d0[idx]), kind="stable")][:limit]
    ev = bundle.events
    col = "label_en" if lang == "en" else "label_fr"
    labels = bundle.actors[col].reindex(bundle.actor_ids).fillna("").astype(str).to_numpy()
    actors = [", ".join(labels[p.act_code[p.act_off[r]:p.act_off[r + 1]]]) for r in order.tolist()]
    names = place_labels(bundle, lang)
    dates = [str(d) if isinstance(d, str) and d else t("undated", lang) for d in ev["date"].to_numpy(dtype=object)[order]]
    data = {
        "date": dates,
        "date_precision": [date_precision_label(v, lang) for v in ev["date_precision"].to_numpy(dtype=object)[order]],
        "category": [category_label(p.cats[c], lang) for c in p.cat[order]],
        "type": [sub_type_label(p.subs[s], lang) for s in p.sub[order]],
        "place": [names[c] for c in p.place[order]],
        "place_precision": [precision_label(int(v), lang) for v in p.prec[order]],
        "actors": actors,
        "quote": ev["quote"].to_numpy(dtype=object)[order],
        "source": ev["source"].to_numpy(dtype=object)[order],
        "article": ev["article_id"].to_numpy(dtype=object)[order],
        "event_id": ev["event_id"].to_numpy(dtype=object)[order],
    }
    return pd.DataFrame({table_column(k, lang): v for k, v in data.items()})
