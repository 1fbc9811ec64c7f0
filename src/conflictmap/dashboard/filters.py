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
import pyarrow as pa
import pyarrow.compute as pc

from conflictmap.dashboard.data import Bundle, search_fold
from conflictmap.dashboard.state import CATEGORY_LABELS, ViewState, sub_label

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
    q = search_fold(state.query.strip()) if state.query else ""
    if q and len(idx):
        found = pc.match_substring(p.text.take(pa.array(idx)), q)
        idx = idx[np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)]
    return idx


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
            tuple(int(p) for p in state.precisions), state.query, state.place)


def map_key(state: ViewState) -> tuple[Any, ...]:
    """Everything the map layers depend on (key of :func:`~conflictmap.dashboard.layers.cached_map_layers`)."""
    return (*filter_key(state), tuple(state.layers), state.event)


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
