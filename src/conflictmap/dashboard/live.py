"""A page that follows its dataset: reload without restart, "last updated", "new since your last visit".

Three small hooks called by :mod:`conflictmap.dashboard.page`:

* :func:`follow` — a fragment re-run every ``$CONFLICTMAP_RELOAD_SECONDS`` that compares the dataset's
  ``_SUCCESS.json`` with the one on screen and re-runs the page when it changed. The page's caches
  are keyed on the files, so the new data is loaded once and shared; widget values (filters) live in
  the session and the URL, so they survive the reload.
* :func:`follow_window` — a time window left at "everything" grows with the data (new events land
  at the end); a window the user chose stays.
* :func:`status` — one caption: when the data was last updated and how many articles and events are
  new since the user's last visit (remembered in a first-party cookie holding only a timestamp; within a
  session, since the page was opened).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import streamlit as st

from conflictmap import settings
from conflictmap.dashboard.data import DataError, dataset_freshness, live_data_dir, success_token

COOKIE = "conflictmap_seen"
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z$")


@st.cache_data(max_entries=16, show_spinner=False)
def _freshness(d: str, token: tuple[int, int], since: str | None) -> tuple[str, int, int]:
    del token  # cache key only
    f = dataset_freshness(Path(d), since)
    return f.written_at, f.new_articles, f.new_events


def _last_visit() -> str | None:
    """The ``written_at`` of the data this browser saw last (cookie), fixed for the session."""
    ss = st.session_state
    if "_live_since" not in ss:
        try:
            raw = st.context.cookies.get(COOKIE)
        except Exception:  # noqa: BLE001 - no browser context (tests, scripts)
            raw = None
        ss["_live_since"] = raw if isinstance(raw, str) and _ISO.match(raw) else None
    return ss["_live_since"]


def _when(iso: str) -> str:
    try:
        t = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return f"{t:%d/%m/%Y à %H:%M} UTC"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def status(data_dir: str | Path) -> None:
    """Caption under the title: last update, and what is new since the last visit (then remember this one)."""
    d = Path(data_dir)
    if not (d / "_SUCCESS.json").exists():
        return
    since = _last_visit()
    written, n_art, n_ev = _freshness(str(d), success_token(d), since)
    if not written:
        return
    if since is None:  # first visit: what is on screen now is the baseline for this session
        st.session_state["_live_since"] = written
    text = f"Données mises à jour le {_when(written)}"
    if n_art or n_ev:
        text += (f" · {_plural(n_art, 'nouvel article', 'nouveaux articles')} et "
                 f"{_plural(n_ev, 'nouvel événement', 'nouveaux événements')} depuis votre dernière visite")
    st.caption(text)
    # Always one element here, filled only when the cookie must be written: a conditional element
    # would shift everything after it (the map) between the first run and the next, and Streamlit
    # would re-mount the map, drawing it twice on the first visit.
    slot = st.empty()
    if st.session_state.get("_live_cookie") != written and _ISO.match(written):
        st.session_state["_live_cookie"] = written
        # a first-party cookie holding only the timestamp (validated above): no HTML from the data reaches here
        slot.html(f"<script>document.cookie = '{COOKIE}={written}; max-age=31536000; path=/; SameSite=Lax';</script>",
                  unsafe_allow_javascript=True)


def follow_window(span: tuple[date, date], key: str) -> None:
    """Before the window slider: a window equal to the previous full span follows the new span."""
    ss = st.session_state
    prev = ss.get("_live_span")
    ss["_live_span"] = span
    cur = ss.get(key)
    if prev is not None and prev != span and isinstance(cur, (tuple, list)) and tuple(cur) == tuple(prev):
        ss[key] = span


def follow(data_dir: str | Path, app_root: Path) -> None:
    """Re-run the page when a newer dataset appears (checked every ``$CONFLICTMAP_RELOAD_SECONDS``)."""
    seconds = settings.reload_seconds()
    if seconds <= 0 or not (Path(data_dir) / "_SUCCESS.json").exists():
        return  # off, or not a written dataset (demo data, a hand-made folder): nothing to follow
    shown = (str(data_dir), success_token(Path(data_dir)))

    @st.fragment(run_every=seconds)
    def _check_for_new_data() -> None:
        try:
            d = live_data_dir(app_root)
        except DataError:
            return  # the remote is down: keep showing the last copy
        if (str(d), success_token(d)) != shown:
            st.rerun()

    _check_for_new_data()
