"""The Streamlit page of the dashboard (layout, widgets, URL sync, uploads).

All logic lives in the other :mod:`conflictmap.dashboard` modules; this one wires it to
Streamlit. Widget values are initialised once per session from the URL
(``st.query_params``) and written back after every run, so the address
always reproduces the view.
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from conflictmap import settings
from conflictmap.dashboard import live
from conflictmap.dashboard.about import about_page
from conflictmap.dashboard.data import (
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_FILES,
    UPLOAD_TYPES,
    ArchiveInfo,
    Bundle,
    DataError,
    live_data_dir,
    load_bundle,
    merge_bundle,
    validate_uploads,
    window_months,
    window_threshold,
    windowed_archive,
)
from conflictmap.dashboard.export import export_bytes
from conflictmap.dashboard.filters import (
    active_zones,
    cached_events_table,
    cached_filter,
    cached_weekly_counts,
    events_table,
    filter_key,
    modality_codes,
    modality_mask,
    table_column,
    view_cache,
    weekly_counts_empty,
)
from conflictmap.dashboard.i18n import (
    DEFAULT_MODALITIES,
    LANGS,
    category_label,
    fmt_date,
    layer_label,
    modality_label,
    month_names,
    pick_lang,
    precision_label,
    side_label,
    step_label,
    sub_type_label,
    t,
)
from conflictmap.dashboard.layers import GRID_DEG, POINT_THRESHOLD, cached_map_layers, legend_payload, resolve_click
from conflictmap.dashboard.places import place_labels, town_labels
from conflictmap.dashboard.provenance import SCROLL_JS, provenance_html
from conflictmap.dashboard.state import (
    LAYERS,
    PLAY_DELAY_S,
    PRECISIONS,
    SPEEDS,
    STEPS,
    ViewState,
    play_start,
    state_from_query,
    state_to_query,
    step_window,
)

_W = {  # widget keys
    "window": "w_window", "from": "w_from", "to": "w_to", "step": "w_step", "play": "w_play", "cumul": "w_cumul",
    "speed": "w_speed", "undated": "w_undated", "actors": "w_actors", "cats": "w_cats", "subs": "w_subs",
    "prec": "w_prec", "mod": "w_mod", "conf": "w_conf", "q": "w_q", "place": "w_place", "layers": "w_layers", "mine": "w_mine",
    "lang": "w_lang",
}
#: Height of the map (px): with the compact header it fills most of a 1400×1000 window.
MAP_HEIGHT = 840
#: (lat, lon, zoom) the reset button returns to: all of Syria.
_DEFAULT_VIEW = (34.85, 38.9, 7)
#: Seconds after the map is first drawn during which the views it reports are its default view.
_SETTLE_S = 4.0
_PAGE_CSS = """<style>
[data-testid="stMainBlockContainer"],.block-container{padding-top:2.6rem!important;padding-bottom:1rem!important;
 padding-left:1.2rem!important;padding-right:1.2rem!important}
[data-testid="stSidebarContent"] [data-testid="stSidebarUserContent"]{padding-top:.5rem}
.cm-status{font-size:.9rem;color:#37474f;margin:0 0 .2rem 0}
@media (max-width: 640px){[data-testid="stMainBlockContainer"],.block-container{padding-top:3.6rem!important}
 .cm-status{font-size:.8rem}}
</style>"""
_EMPTY_SPAN = (date(2016, 1, 1), date(2019, 12, 31))
_DEFAULT_WINDOW_MONTHS = 12  # large archive, no window in the URL: the latest months only


@st.cache_resource(show_spinner=False, max_entries=4)
def _load(path: str, signature: tuple[tuple[str, int, int], ...], app_root: str) -> Bundle:
    """Load the bundled data once per (directory, file signature); shared, read-only."""
    del signature  # part of the cache key only
    return load_bundle(path, app_root=app_root)


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_window(path: str, signature: tuple[Any, ...], months: tuple[str, str], app_root: str) -> Bundle:
    """Load the events of ``months`` of a large archive, once per (directory, files, months); shared, read-only."""
    del signature  # part of the cache key only
    return load_bundle(path, app_root=app_root, months=months)


@st.cache_resource(max_entries=4, show_spinner=False)
def _archive(path: str, signature: tuple[tuple[str, int, int], ...], threshold: str) -> ArchiveInfo | None:
    """The large ``events_by_month`` archive of ``path`` (``None``: small data, loaded whole)."""
    del signature, threshold  # cache key only
    return windowed_archive(path)


def _archive_signature(d: Path) -> tuple[tuple[str, int, int], ...]:
    """(month folder, mtime_ns, size) of the archive's month folders: cheap (directory listing)."""
    root = d / "events_by_month"
    out = []
    try:
        for e in sorted(os.scandir(root), key=lambda e: e.name):
            if e.name.startswith("month=") or e.name == "_SUCCESS.json":
                st_ = e.stat()
                out.append((e.name, int(st_.st_mtime_ns), int(st_.st_size)))
    except OSError:
        return ()
    return tuple(out)


def _default_window(span: tuple[date, date]) -> tuple[date, date]:
    """The latest :data:`_DEFAULT_WINDOW_MONTHS` months of the span."""
    end = span[1]
    i = end.year * 12 + end.month - 1 - (_DEFAULT_WINDOW_MONTHS - 1)
    return max(span[0], date(i // 12, i % 12 + 1, 1)), end


def _wanted_window(info: ArchiveInfo) -> tuple[date, date]:
    """The window this run will show: pending play step, the slider, else the URL, else the default."""
    ss = st.session_state
    span = info.span or _EMPTY_SPAN
    win = ss.get("_pending_window")
    if win is None and ss.get("_url_loaded"):
        win = ss.get(_W["window"])
    if not isinstance(win, (tuple, list)) or len(win) != 2:
        qp = {k: st.query_params.get_all(k) for k in st.query_params}
        s = state_from_query(qp, span)
        d0, d1 = _default_window(span)
        win = (s.start or (d0 if s.end is None else span[0]), s.end or d1)
    lo, hi = sorted((win[0], win[1]))
    return max(lo, span[0]), min(hi, span[1])


def _window_base(d: Path, info: ArchiveInfo, app_root: Path) -> Bundle:
    """The months of a large archive that cover the wanted window (reloaded only when it leaves them)."""
    ss = st.session_state
    need = window_months(*_wanted_window(info))
    loaded = ss.get("_win_months")
    key = loaded if (loaded and loaded[2] == info.signature and loaded[0] <= need[0] and need[1] <= loaded[1]) \
        else (need[0], need[1], info.signature)
    ss["_win_months"] = key
    return _load_window(str(d), (_signature(d), info.signature), (key[0], key[1]), str(app_root))


@st.cache_resource(max_entries=1)
def _demo_bundle() -> Bundle:
    """Synthetic demonstration data (when no bundled data exists yet)."""
    import tempfile

    from conflictmap import demo

    tmp = Path(tempfile.mkdtemp(prefix="conflictmap-demo-"))
    demo.write_dataset(str(tmp), demo.make_dataset(800, seed=3))
    return load_bundle(tmp)


def _pipeline() -> Any:
    """What analyses uploads: the ingest pipeline in a child process (the server never loads spaCy)."""
    from conflictmap.dashboard.upload_worker import SubprocessPipeline

    return SubprocessPipeline()


@st.cache_resource(max_entries=1)
def _outline(app_root: str) -> dict[str, Any] | None:
    p = Path(app_root) / "static" / "outline.geojson"
    if p.exists():
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except ValueError:
            return None
    return None


#: Heavy modules imported on demand (a tab opened): freezing again once they are loaded.
_FROZEN_AFTER = ("altair", "pyarrow.parquet")


@st.cache_resource(max_entries=8, show_spinner=False)
def _freeze_heap(token: tuple[str, ...]) -> bool:
    """Move everything alive after a page run (modules, the shared data) out of the GC's sight.

    Streamlit runs a full ``gc.collect(2)`` after every script run
    (``runner.postScriptGC``); without this it walks every object of pandas,
    altair, folium... and the shared bundle each time (a third of a rerun's
    CPU). Frozen objects are still freed by reference counting; only cycles
    among them are no longer collected. Called at the end of the page, after
    the map was sent; runs once per data version and again when a tab first
    imports a heavy module (the token lists them).
    """
    del token  # cache key only
    # A full collection here would cost ~0.7 s on the very first page load (cold start); the young
    # generation is enough: what survives of the import-time garbage is small and frozen once.
    gc.collect(0)
    gc.freeze()
    return True


def _bundles(app_root: Path, lang: str = "fr") -> tuple[Bundle | None, Bundle | None]:
    """The shared bundle and the one to show (this session's uploads merged in, if any)."""
    base: Bundle | None
    try:
        d = live_data_dir(app_root)  # $CONFLICTMAP_DATA: a folder, or the local copy of a published URL
        info = _archive(str(d), _archive_signature(d), str(window_threshold()))
        if info is None:
            base = _load(str(d), _signature(d), str(app_root))
        else:
            base = _window_base(d, info, app_root)
    except DataError as exc:
        if st.session_state.get("demo"):
            base = _demo_bundle()
        else:
            st.error(f"{exc}")
            st.info(t("make_data", lang))
            if st.button(t("demo_button", lang), key="demo_btn"):
                st.session_state["demo"] = True
                st.rerun()
            return None, None
    user = st.session_state.get("user_bundle")
    if user is not None:
        if st.session_state.get("user_base") != base.version or \
                (base.months is not None and st.session_state.get("user_months") != base.months):
            user = base  # a newer dataset, or the window moved to other months: merge this session's uploads again
            for frames in st.session_state.get("user_frames", []):
                user = merge_bundle(user, frames)
            st.session_state["user_bundle"] = user
            st.session_state["user_base"] = base.version
            st.session_state["user_months"] = base.months
        return base, user
    return base, base


def _lang() -> str:
    """The UI language of this run: the language widget, else the URL, the browser, the setting."""
    ss = st.session_state
    if ss.get(_W["lang"]) in LANGS:
        return str(ss[_W["lang"]])
    try:
        locale = st.context.locale
    except Exception:  # noqa: BLE001 - older Streamlit or bare mode: no browser locale
        locale = None
    return pick_lang(st.query_params.get("lang"), locale, settings.dashboard_lang())


def _init_from_url(b: Bundle, span: tuple[date, date], default: tuple[date, date] | None = None) -> None:
    """Fill the widget state from the URL, once per session (and after a reset)."""
    if st.session_state.get("_url_loaded"):
        return
    qp = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    s = state_from_query(qp, span, actors=b.actor_ids, categories=b.prep.cats, sub_types=b.prep.subs,
                           places=b.prep.place_ids)
    ss = st.session_state
    d0, d1 = default or span
    win = (s.start or (d0 if s.end is None else span[0]), s.end or d1)
    ss[_W["window"]] = win
    ss[_W["from"]], ss[_W["to"]] = win
    ss[_W["step"]] = s.step
    ss[_W["actors"]] = list(s.actors)
    ss[_W["cats"]] = list(s.categories)
    ss[_W["subs"]] = list(s.sub_types)
    ss[_W["prec"]] = list(s.precisions)
    ss[_W["q"]] = s.query
    ss[_W["place"]] = s.place
    ss[_W["layers"]] = list(s.layers)
    ss[_W["undated"]] = s.undated
    ss[_W["cumul"]] = s.cumulative
    ss[_W["speed"]] = "normal"
    ss[_W["mine"]] = s.mine
    ss[_W["conf"]] = float(s.min_confidence)
    ss[_W["lang"]] = _lang() if "lang" not in qp else s.lang
    mods = modality_codes(b)
    if mods is not None:
        present = mods[1]
        wanted = [m for m in (s.modalities or DEFAULT_MODALITIES) if m in present]
        ss[_W["mod"]] = wanted
    event, article, notices = checked_selection(b, s.event, s.article)
    raw_place = qp.get("place") or []
    if raw_place and not s.place:
        notices.append(("place", str(raw_place[-1])[:200]))
    ss["sel_event"] = event
    ss["sel_article"] = article
    ss["_url_notices"] = notices
    if event and (s.center is None or s.zoom is None):
        ss["_focus_now"] = True  # a shared link to an event without a view: show where it happened
    if s.center is not None and s.zoom is not None:
        ss["map_view"] = (s.center[0], s.center[1], int(s.zoom))
        ss["_view_prop"] = ss["map_view"]
        ss["_view_from_url"] = True
    ss["_url_loaded"] = True


def checked_selection(b: Bundle, event: str, article: str) -> tuple[str, str, list[tuple[str, str]]]:
    """The event and article a shared link names, kept only when they exist in the data.

    Parameters
    ----------
    b : Bundle
    event, article : str
        Raw values of the ``event`` and ``article`` URL parameters.

    Returns
    -------
    tuple
        ``(event id or "", article id or "", notices)``; each notice is ``(parameter, raw value)``
        of a value that names nothing in the data (shown to the user as plain text).
    """
    notices: list[tuple[str, str]] = []
    if event:
        hits = np.flatnonzero(b.events["event_id"].to_numpy(dtype=object) == event)
        if len(hits):
            article = str(b.events.at[int(hits[0]), "article_id"] or "")
        else:
            notices.append(("event", event))
            event = ""
    if article and not (b.articles["article_id"].to_numpy(dtype=object) == article).any():
        notices.append(("article", article))
        article = ""
    return event, article, notices


def plain_notice(text: str, kind: str = "warning") -> None:
    """Show ``text`` as plain text in a notice box (never Markdown: values may come from a shared link)."""
    import html

    st.html(f'<div class="cm-notice cm-notice-{html.escape(kind, quote=True)}" role="status" '
            'style="padding:.5rem .75rem;border-radius:.5rem;background:#fff8e1;color:#5d4037;'
            f'font-size:.9rem;margin-bottom:.5rem">{html.escape(text)}</div>')


def _url_notices(lang: str) -> None:
    for param, value in st.session_state.get("_url_notices") or []:
        if param in ("event", "article", "place"):
            plain_notice(t("url_" + param, lang, v=value))


def _reset() -> None:
    ss = st.session_state
    lang = ss.get(_W["lang"])
    for k in [*_W.values(), "_url_loaded", "sel_event", "sel_article", "sel_rows", "_last_click", "_pending_window",
              "_url_notices", "map_view", "_initial_views", "_fit_key", "_view_from_url"]:
        ss.pop(k, None)
    n = int(ss.get("_resets", 0)) + 1
    ss["_resets"] = n
    # a slightly different default each time, so the map component sees a change and re-centres
    ss["_view_prop"] = (_DEFAULT_VIEW[0] + n * 1e-6, _DEFAULT_VIEW[1], _DEFAULT_VIEW[2])
    ss["_initial_views"] = [_DEFAULT_VIEW]  # the view it returns to is a default: not written to the URL
    st.query_params.clear()
    if lang and lang != "fr":
        st.query_params["lang"] = lang


def _on_lang() -> None:
    """A click on the selected language clears the control: keep the previous language."""
    ss = st.session_state
    if ss.get(_W["lang"]) not in LANGS:
        ss[_W["lang"]] = ss.get("_lang_prev") or LANGS[0]


def _set_window(win: tuple[date, date]) -> None:
    ss = st.session_state
    ss[_W["window"]] = win
    ss[_W["from"]], ss[_W["to"]] = win


def _on_slider() -> None:
    win = st.session_state.get(_W["window"])
    if isinstance(win, (tuple, list)) and len(win) == 2:
        st.session_state[_W["from"]], st.session_state[_W["to"]] = win[0], win[1]


def _on_dates() -> None:
    ss = st.session_state
    a, b = ss.get(_W["from"]), ss.get(_W["to"])
    span = ss.get("_span")
    if not isinstance(a, date) or not isinstance(b, date) or not span:
        return
    lo, hi = sorted((a, b))
    _set_window((max(lo, span[0]), min(hi, span[1])))


def _on_step(backward: bool) -> None:
    ss = st.session_state
    win, span = ss.get(_W["window"]), ss.get("_span")
    if not span or not isinstance(win, (tuple, list)):
        return
    nxt = step_window(win[0], win[1], str(ss.get(_W["step"]) or "week"), span,
                      cumulative=bool(ss.get(_W["cumul"])), backward=backward)
    if nxt is not None:
        _set_window(nxt)


def _on_play() -> None:
    """Play turned on: start from the beginning when the window leaves nothing to play."""
    ss = st.session_state
    win, span = ss.get(_W["window"]), ss.get("_span")
    if ss.get(_W["play"]) and span and isinstance(win, (tuple, list)):
        _set_window(play_start(win[0], win[1], str(ss.get(_W["step"]) or "week"), span,
                               cumulative=bool(ss.get(_W["cumul"]))))


def _session_state_view(b: Bundle, span: tuple[date, date], lang: str) -> ViewState:
    """The view the widgets hold (read from the session state)."""
    ss = st.session_state
    win = ss.get(_W["window"])
    start, end = win if isinstance(win, (tuple, list)) and len(win) == 2 else (span[0], span[1])
    mods: tuple[str, ...] = ()
    mc = modality_codes(b)
    if mc is not None:
        chosen = tuple(ss.get(_W["mod"]) or ())
        default = tuple(m for m in DEFAULT_MODALITIES if m in mc[1])
        mods = () if set(chosen) == set(default) else (chosen or ("none",))
    view = ss.get("map_view")
    return ViewState(
        start=start, end=end, actors=tuple(ss.get(_W["actors"]) or ()), categories=tuple(ss.get(_W["cats"]) or ()),
        sub_types=tuple(ss.get(_W["subs"]) or ()), precisions=tuple(int(v) for v in ss.get(_W["prec"]) or ()),
        query=str(ss.get(_W["q"]) or "").strip(), place=str(ss.get(_W["place"]) or ""),
        layers=tuple(ss.get(_W["layers"]) if ss.get(_W["layers"]) is not None else LAYERS),
        step=str(ss.get(_W["step"]) or "week"), event=str(ss.get("sel_event") or ""),
        article=str(ss.get("sel_article") or ""), lang=lang, undated=bool(ss.get(_W["undated"])),
        cumulative=bool(ss.get(_W["cumul"])), modalities=mods, mine=bool(ss.get(_W["mine"])),
        min_confidence=float(ss.get(_W["conf"]) or 0.0),
        center=(view[0], view[1]) if view else None, zoom=int(view[2]) if view else None,
    )


def _data_caption(b: Bundle, lang: str) -> str:
    """What the data is: events, articles, period covered, when it was built."""
    span = b.full_span or b.prep.span
    period = (t("period", lang, a=fmt_date(span[0], lang), b=fmt_date(span[1], lang)) if span
              else t("no_period", lang))
    built = ""
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})", b.version)
    if m:
        built = fmt_date(date(int(m[1]), int(m[2]), int(m[3])), lang)
    n_art = int(b.articles["article_id"].nunique()) if len(b.articles) else 0
    n_ev = len(b.events) - b.n_uploaded
    if b.months is not None:  # large archive: the whole archive's row count, from its Parquet footers
        info = _archive(b.source_dir, _archive_signature(Path(b.source_dir)), str(window_threshold()))
        n_ev = info.rows if info is not None else n_ev
    return t("data_caption", lang, n_events=_n(n_ev), n_articles=_n(n_art), period=period, built=built or "?")


def _n(v: int) -> str:
    return f"{int(v):,}".replace(",", "\u202f")


def _sidebar(b: Bundle, span: tuple[date, date]) -> ViewState:  # noqa: C901 - one widget after the other
    ss = st.session_state
    p = b.prep
    sb = st.sidebar
    pending = ss.pop("_pending_window", None)
    if pending is not None:
        _set_window(pending)
    if ss.pop("_stop_play", False):
        ss[_W["play"]] = False
    ss["_span"] = span
    if not isinstance(ss.get(_W["from"]), date):
        _on_slider()
    lang = _lang()
    sb.title("ConflictMap")
    ss["_lang_prev"] = lang
    sb.segmented_control(t("language", lang), options=list(LANGS), key=_W["lang"], selection_mode="single",
                         format_func={"fr": "Français", "en": "English"}.get, on_change=_on_lang)
    sb.caption(_data_caption(b, lang))
    if b.n_uploaded:
        sb.caption(t("data_caption_upload", lang, n=b.n_uploaded))
    pre = _session_state_view(b, span, lang)
    hi = max(span[1], span[0] + timedelta(days=1))
    sb.slider(t("time_window", lang), min_value=span[0], max_value=hi, step=timedelta(days=1),
              format="DD/MM/YYYY", key=_W["window"], on_change=_on_slider)
    c1, c2 = sb.columns(2)
    c1.date_input(t("date_from", lang), min_value=span[0], max_value=hi, key=_W["from"], format="DD/MM/YYYY",
                  on_change=_on_dates)
    c2.date_input(t("date_to", lang), min_value=span[0], max_value=hi, key=_W["to"], format="DD/MM/YYYY",
                  on_change=_on_dates)
    sb.segmented_control(t("play_step", lang), options=list(STEPS), key=_W["step"], selection_mode="single",
                         format_func=lambda k: step_label(k, lang))
    sb.toggle(t("play", lang), key=_W["play"], help=t("play_help", lang), on_change=_on_play)
    b1, b2 = sb.columns(2)
    b1.button(t("step_back", lang), key="w_back", on_click=_on_step, args=(True,), width="stretch")
    b2.button(t("step_fwd", lang), key="w_fwd", on_click=_on_step, args=(False,), width="stretch")
    sb.toggle(t("cumulative", lang), key=_W["cumul"])
    sb.select_slider(t("speed", lang), options=list(SPEEDS), key=_W["speed"],
                     format_func=lambda k: t("speed_" + k, lang))
    sb.checkbox(t("show_undated", lang), key=_W["undated"])
    counts = view_cache(b, "counts", 64).get(
        filter_key(pre), lambda: _option_counts(b, pre))
    actor_counts, place_counts = counts
    col = "label_en" if lang == "en" else "label_fr"
    actor_opts = sorted(b.actor_ids, key=lambda a: str(b.actors.at[a, col] or a).lower())
    chosen_actors = set(ss.get(_W["actors"]) or ())
    actor_opts = [a for a in actor_opts if actor_counts.get(a, 0) or a in chosen_actors]
    sb.multiselect(t("actors", lang), actor_opts, key=_W["actors"], placeholder=t("all_m", lang),
                   format_func=lambda a: _actor_option(b, a, lang, actor_counts.get(a, 0)))
    sb.multiselect(t("categories", lang), p.cats, key=_W["cats"], placeholder=t("all_f", lang),
                   format_func=lambda c: category_label(c, lang))
    sb.multiselect(t("types", lang), p.subs, key=_W["subs"], placeholder=t("all_m", lang),
                   format_func=lambda c: sub_type_label(c, lang))
    sb.multiselect(t("place_precision", lang), list(PRECISIONS), key=_W["prec"], placeholder=t("all_f", lang),
                   format_func=lambda v: f"{v} – {precision_label(v, lang)}")
    mc = modality_codes(b)
    if mc is not None:
        sb.multiselect(t("modality", lang), mc[1], key=_W["mod"], help=t("modality_help", lang),
                       format_func=lambda m: modality_label(m, lang))
    if "confidence" in b.events.columns:
        sb.slider(t("min_confidence", lang), min_value=0.0, max_value=1.0, step=0.05, key=_W["conf"],
                  help=t("min_confidence_help", lang))
    sb.text_input(t("search", lang), key=_W["q"], placeholder=t("search_ph", lang))
    names = place_labels(b, lang)
    cur_place = str(ss.get(_W["place"]) or "")
    order = sorted(place_counts, key=lambda c: (-place_counts[c], names[c].lower()))
    place_opts = [""] + [p.place_ids[c] for c in order if place_counts[c] > 0]
    if cur_place and cur_place not in place_opts:
        place_opts.append(cur_place)
    code_of = {pid: i for i, pid in enumerate(p.place_ids)}
    sb.selectbox(t("place", lang), place_opts, key=_W["place"],
                 format_func=lambda v: t("all_places", lang) if not v else
                 f"{names[code_of[v]] if v in code_of else v} ({place_counts.get(code_of.get(v, -1), 0)})")
    sb.multiselect(t("layers", lang), list(LAYERS), key=_W["layers"], format_func=lambda k: layer_label(k, lang))
    if b.n_uploaded:
        sb.checkbox(t("mine_only", lang), key=_W["mine"])
    sb.button(t("reset", lang), on_click=_reset, key="w_reset")
    return _session_state_view(b, span, lang)


def _actor_option(b: Bundle, a: str, lang: str, n: int) -> str:
    """``Russie · Russia (État étranger) — 12``: both names, so either language finds the actor."""
    fr, en = str(b.actors.at[a, "label_fr"] or a), str(b.actors.at[a, "label_en"] or "")
    first, other = (en or fr, fr) if lang == "en" else (fr, en)
    names = first if not other or other == first else f"{first} · {other}"
    return f"{names} ({side_label(str(b.actors.at[a, 'side']), lang)}) — {n}"


def _option_counts(b: Bundle, pre: ViewState) -> tuple[dict[str, int], dict[int, int]]:
    """Events per actor (other filters applied, not the actor filter) and per place (not the place filter)."""
    p = b.prep
    idx_a = cached_filter(b, replace(pre, actors=()))
    in_view = np.zeros(len(p.d0), dtype=bool)
    in_view[idx_a] = True
    codes = p.act_code[in_view[p.act_row]]
    cnt = np.bincount(codes, minlength=len(b.actor_ids)) if len(codes) else np.zeros(len(b.actor_ids), int)
    actors = {a: int(cnt[i]) for i, a in enumerate(b.actor_ids)}
    idx_p = cached_filter(b, replace(pre, place=""))
    pc_ = np.bincount(p.place[idx_p], minlength=len(p.place_ids)) if len(idx_p) else np.zeros(len(p.place_ids), int)
    return actors, {i: int(v) for i, v in enumerate(pc_.tolist())}


def _sync_url(state: ViewState, span: tuple[date, date] | None) -> None:
    ss = st.session_state
    mv = ss.get("map_view")
    if mv and any(mv[2] == iv[2] and abs(mv[0] - iv[0]) + abs(mv[1] - iv[1]) < 0.02
                  for iv in ss.get("_initial_views", [])):
        state = replace(state, center=None, zoom=None)  # the map has not moved: no view in the address
    q = state_to_query(state, span)
    current = {k: st.query_params.get(k) for k in st.query_params.keys()}
    if current != q:
        st.query_params.from_dict(q)


def _uploads(base: Bundle, lang: str) -> None:
    with st.sidebar.expander(t("upload_title", lang), expanded=bool(st.session_state.get("upload_errors"))):
        st.caption(t("upload_limits", lang, n=MAX_UPLOAD_FILES, mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
        gen = st.session_state.get("upload_gen", 0)
        files = st.file_uploader(t("upload_files", lang), type=list(UPLOAD_TYPES), accept_multiple_files=True,
                                 key=f"upload_{gen}", label_visibility="collapsed")
        go = st.button(t("analyse", lang), key="upload_go", disabled=not files)
        if go and files:
            _process_uploads(base, list(files), lang)
        for msg in st.session_state.get("upload_errors", []):
            st.error(msg)
        if st.session_state.get("user_bundle") is not None:
            st.success(st.session_state.get("upload_msg", ""))
            if st.button(t("remove_uploads", lang), key="upload_clear"):
                for k in ("user_bundle", "user_base", "user_frames", "user_months", "upload_errors", "upload_msg"):
                    st.session_state.pop(k, None)
                st.session_state["upload_gen"] = gen + 1
                st.session_state.pop(_W["mine"], None)
                st.rerun()


def _process_uploads(base: Bundle, files: list[Any], lang: str) -> None:
    ok, errors = validate_uploads([(f.name, int(f.size)) for f in files], lang=lang)
    payload = [(files[i].name, files[i].getvalue()) for i in ok]
    if payload:
        bar = st.progress(0.0, text=t("analysing", lang))

        def progress(done: int, total: int) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=f"{t('analysing', lang)} {done}/{total}")

        try:
            pipe = _pipeline()
            result = pipe.run_uploads(payload, progress=progress)
        except ImportError:
            errors.append(t("upload_unavailable", lang))
            result = None
        except Exception as exc:  # noqa: BLE001 - any pipeline failure is shown, the app keeps running
            errors.append(t("upload_failed", lang, err=f"{type(exc).__name__}: {exc}"))
            result = None
        bar.empty()
        if result is not None:
            for e in getattr(result, "errors", []) or []:
                msg = getattr(e, "message", None) or getattr(e, "problem", None) or str(e)
                errors.append(f"{Path(str(getattr(e, 'path', '?'))).name} : {msg}")
            frames = {k: getattr(result, k, None) for k in ("articles", "mentions", "events", "control")}
            n_ev = 0 if frames["events"] is None else len(frames["events"])
            prev = st.session_state.get("user_bundle")
            merged = merge_bundle(prev if prev is not None else base, frames)
            st.session_state["user_bundle"] = merged
            st.session_state["user_base"] = base.version
            st.session_state["user_frames"] = [*st.session_state.get("user_frames", []), frames]
            st.session_state["user_months"] = base.months
            n_art = 0 if frames["articles"] is None else len(frames["articles"])
            st.session_state["upload_msg"] = t("uploads_added", lang, a=n_art, e=n_ev)
    st.session_state["upload_errors"] = errors
    if payload:
        st.rerun()


def _selection_from_click(b: Bundle, idx: np.ndarray, out: dict[str, Any] | None) -> None:
    click = (out or {}).get("last_object_clicked")
    if not click or "lat" not in click:
        return
    key = (round(float(click["lat"]), 6), round(float(click["lng"]), 6))
    if st.session_state.get("_last_click") == key:
        return
    st.session_state["_last_click"] = key
    rows = resolve_click(b, idx, key[0], key[1])
    if len(rows):
        r = int(rows[0])
        st.session_state["sel_event"] = str(b.events.at[r, "event_id"])
        st.session_state["sel_article"] = str(b.events.at[r, "article_id"])
        st.session_state["sel_rows"] = [int(x) for x in rows[:50]]
        st.rerun()


def _view_from_map(out: dict[str, Any] | None) -> None:
    """Keep the map's centre and zoom for the URL (never sent back to the map: that would chase its own echo).

    Views reported while the map settles (its first seconds: drawn, then fitted to its frame) are
    the default view and are not written to the URL.
    """
    out = out or {}
    c, z = out.get("center"), out.get("zoom")
    if not isinstance(c, dict) or "lat" not in c or not isinstance(z, (int, float)):
        return
    view = (round(float(c["lat"]), 4), round(float(c["lng"]), 4), int(z))
    ss = st.session_state
    settling = time.monotonic() - float(ss.get("_map_t0") or 0) < _SETTLE_S
    if settling and not ss.get("_view_from_url"):
        ss["_initial_views"] = [*ss.get("_initial_views", []), view][-4:]
    ss["map_view"] = view


@st.cache_resource(max_entries=4, show_spinner=False)
def _base_map_args(app_root: str, lang: str = "fr") -> dict[str, Any]:
    """The fixed base map as streamlit-folium sends it, built and rendered once per process and language."""
    from conflictmap.dashboard.map import base_map, folium_component_args

    m = base_map(_outline(app_root), Path(app_root) / "static", tiles=True, legend=legend_payload(lang),
                 labels=town_labels(lang))
    return folium_component_args(m, key="map")


def _st_folium(base: dict[str, Any], layers_js: str, key: str, height: int, returned_objects: list[str],
               center: tuple[float, float] | None, zoom: int | None) -> Any:
    """``st_folium(base map, key=..., use_container_width=True, feature_group_to_add=...)`` from prepared strings.

    Sends the same component arguments as ``streamlit_folium.st_folium`` would
    for the same map and layers, without rebuilding and re-rendering the
    Folium objects on every rerun.
    """
    from conflictmap.dashboard.folium_bridge import component

    hash_key = base["key"]

    def _on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    return component(
        script=base["script"], header=base["header"], html=base["html"], id=base["id"], key=hash_key,
        height=height, width=None, returned_objects=returned_objects,
        default={k: v for k, v in base["default"].items() if k in returned_objects},
        zoom=zoom, center=center, feature_group=layers_js, return_on_hover=False, layer_control=None,
        pixelated=False, css_links=base["css_links"], js_links=base["js_links"], on_change=_on_change,
        wrap_longitude=False,
    )


def _wants_fit(state: ViewState) -> bool:
    """Fit the map to the results when a filter other than the time window changed."""
    ss = st.session_state
    key = (state.actors, state.categories, state.sub_types, state.precisions, state.query, state.place,
           state.undated, state.modalities, state.min_confidence, state.mine)
    prev = ss.get("_fit_key")
    ss["_fit_key"] = key
    if prev is None:
        return bool(ss.get("map_view") is None and key != ((), (), (), (), "", "", False, (), 0.0, False))
    return prev != key


def _map(b: Bundle, state: ViewState, idx: np.ndarray, app_root: Path, focus_now: bool, lang: str) -> None:
    t0 = time.perf_counter()
    fit = _wants_fit(state)
    layers = cached_map_layers(b, state, idx, fit=fit)
    base = _base_map_args(str(app_root), lang)
    ss = st.session_state
    if focus_now and layers.focus:
        z = max(int((ss.get("map_view") or _DEFAULT_VIEW)[2]), 9)
        ss["_view_prop"] = (layers.focus[0], layers.focus[1], z)
    if "_map_t0" not in ss:
        ss["_map_t0"] = time.monotonic()
    prop = ss.get("_view_prop")
    out = _st_folium(base, layers.js, key="map", height=MAP_HEIGHT,
                     returned_objects=["last_object_clicked", "center", "zoom"],
                     center=(prop[0], prop[1]) if prop else None, zoom=int(prop[2]) if prop else None)
    ss["_perf"] = {"build_s": round(time.perf_counter() - t0, 3), "payload_bytes": layers.nbytes,
                   "aggregated": layers.aggregated}
    if layers.aggregated:
        st.caption(t("aggregated", lang, n=POINT_THRESHOLD, deg=GRID_DEG))
    _view_from_map(out)
    _selection_from_click(b, idx, out)


def _clear_selection() -> None:
    for k in ("sel_event", "sel_article", "sel_rows", "_table_sel"):
        st.session_state.pop(k, None)


def _reader(b: Bundle, state: ViewState, lang: str) -> None:
    """The provenance panel of the selected event (every article-derived string is escaped)."""
    import streamlit.components.v1 as components

    head = st.columns([4, 1])
    head[0].subheader(t("reader", lang))
    head[1].button(t("close", lang), key="w_close", on_click=_clear_selection)
    ss = st.session_state
    rows = [r for r in (ss.get("sel_rows") or []) if 0 <= int(r) < len(b.events)]
    if len(rows) > 1:
        ids = [str(b.events.at[r, "event_id"]) for r in rows]
        labels = {str(b.events.at[r, "event_id"]): _event_choice(b, r, lang) for r in rows}
        cur = state.event if state.event in ids else ids[0]
        choice = st.selectbox(t("stack_n", lang, n=len(rows)), ids, index=ids.index(cur),
                              format_func=labels.get, key=f"w_stack_{rows[0]}_{len(rows)}")
        if choice and choice != state.event:
            ss["sel_event"] = choice
            ss["sel_article"] = str(b.events.at[rows[ids.index(choice)], "article_id"])
            st.rerun()
    hits = np.flatnonzero(b.events["event_id"].to_numpy(dtype=object) == state.event) if state.event else []
    if not len(hits):
        if state.article:
            plain_notice(t("article_missing", lang, aid=state.article))
        return
    st.html(provenance_html(b, int(hits[0]), lang))
    components.html(SCROLL_JS % state.event.replace("--", ""), height=0)


def _event_choice(b: Bundle, r: int, lang: str) -> str:
    e = b.events.iloc[int(r)]
    return f"{e.get('date') or t('undated', lang)} · {sub_type_label(e.get('sub_type'), lang)} · " \
           f"{category_label(e.get('category'), lang)}"


#: Seconds after a session's first page before the data grids under the map are sent (see :func:`_first_page`).
_DEFER_S = 1.5


def _first_page() -> bool:
    """True while the page of a session's first run is being sent (data grids wait, see :func:`_rerun_soon`).

    The data grids under the map (events table, undated list) make the browser fetch and
    compile about 1.2 MB of Streamlit's grid code; on the first page that delays mounting the
    map, which is what the user waits for. So the first run leaves their place empty; the next
    run fills it: the map's first report (right after it is drawn), any click, or at the latest
    the timer of :func:`_rerun_soon`.
    """
    return not st.session_state.get("_first_page_sent")


def _rerun_soon() -> None:
    """End of a session's first run: re-run the page :data:`_DEFER_S` seconds later (once)."""
    ss = st.session_state

    @st.fragment(run_every=_DEFER_S)
    def _wake() -> None:
        if ss.get("_first_page_sent"):  # the timer, not the first run itself
            st.rerun()  # the whole page; the fragment is not registered again, so its timer stops

    _wake()
    ss["_first_page_sent"] = True


def _table(b: Bundle, idx: np.ndarray, state: ViewState, lang: str) -> None:
    df = cached_events_table(b, state, idx)
    if len(idx) > len(df):
        st.caption(t("table_more", lang, n=len(df), total=len(idx)))
    ev = st.dataframe(df, hide_index=True, on_select="rerun", selection_mode="single-row", key="table",
                      column_config={"event_id": None,
                                     table_column("quote", lang): st.column_config.TextColumn(width="large")},
                      height=360)
    rows = getattr(getattr(ev, "selection", None), "rows", None) or []
    last = st.session_state.get("_table_sel")
    if rows and rows != last:
        st.session_state["_table_sel"] = rows
        r = df.iloc[rows[0]]
        if st.session_state.get("sel_event") != r["event_id"]:
            st.session_state["sel_event"] = str(r["event_id"])
            st.session_state["sel_article"] = str(r[table_column("article", lang)])
            st.session_state["sel_rows"] = []
            st.session_state["_focus_now"] = True
            st.rerun()
    elif not rows:
        st.session_state["_table_sel"] = []


def _timeline(b: Bundle, idx: np.ndarray, state: ViewState, lang: str) -> None:
    wk = cached_weekly_counts(b, state, idx)
    if wk.empty:
        st.info(t("no_events", lang))
        return
    st.caption(t("timeline_hint", lang))
    chart = _chart_template(lang).copy(deep=False)  # the encoded spec is shared, only the data differs
    chart.data = wk
    ev = st.altair_chart(chart, width="stretch", on_select="rerun", key=f"chrono_{lang}")
    sel = getattr(ev, "selection", None) or {}
    brush = sel.get("brush") if isinstance(sel, dict) else None
    rng = (brush or {}).get("week") if isinstance(brush, dict) else None
    if isinstance(rng, (list, tuple)) and len(rng) == 2 and rng != st.session_state.get("_brush"):
        st.session_state["_brush"] = rng
        span = st.session_state.get("_span")
        try:
            a, z = sorted(date.fromtimestamp(float(v) / 1000) for v in rng)
        except (TypeError, ValueError, OSError):
            return
        if span:
            st.session_state["_pending_window"] = (max(a, span[0]), min(z, span[1]))
            st.rerun()


@st.cache_resource(show_spinner=False)
def _chart_template(lang: str = "fr") -> Any:
    """The weekly bar chart without data (altair's encoding inference is slow; done once per language)."""
    return _weekly_chart(weekly_counts_empty(), lang)


def _weekly_chart(wk: Any, lang: str = "fr") -> Any:
    import altair as alt

    brush = alt.selection_interval(encodings=["x"], name="brush")
    months = list(month_names(lang))
    locale = {"dateTime": "%A %e %B %Y à %X" if lang != "en" else "%x, %X", "date": "%d/%m/%Y", "time": "%H:%M:%S",
              "periods": ["AM", "PM"], "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"]
              if lang != "en" else ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
              "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."] if lang != "en"
              else ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
              "months": months, "shortMonths": [m[:4].rstrip(".") + ("." if len(m) > 4 else "") for m in months]
              if lang != "en" else [m[:3] for m in months]}
    return alt.Chart(wk).mark_bar().encode(
        x=alt.X("week:T", title=t("week", lang), axis=alt.Axis(format="%b %Y")),
        y=alt.Y("sum(events):Q", title=t("events", lang)),
        color=alt.Color("category:N", title=t("category", lang)), tooltip=["week:T", "category:N", "events:Q"],
    ).add_params(brush).properties(height=260).configure(locale={"time": locale})


def _exports(b: Bundle, state: ViewState, lang: str) -> None:
    idx = cached_filter(b, replace(state, undated=True))  # undated events matching the filters: empty date
    st.caption(t("export_caption", lang, n=len(idx)))
    cols = st.columns(3)
    for col, (fmt, label, mime, ext) in zip(cols, [
        ("geojson", "GeoJSON", "application/geo+json", "geojson"),
        ("csv", "CSV", "text/csv", "csv"),
        ("parquet", "GeoParquet", "application/vnd.apache.parquet", "parquet"),
    ]):
        col.download_button(label, data=lambda fmt=fmt: export_bytes(b, idx, fmt, lang=lang),
                            file_name=f"conflictmap-vue.{ext}", mime=mime, key=f"dl_{fmt}",
                            disabled=not len(idx), on_click="ignore")


def _play(state: ViewState, span: tuple[date, date]) -> None:
    if not st.session_state.get(_W["play"]) or state.start is None or state.end is None:
        return
    nxt = step_window(state.start, state.end, state.step, span, cumulative=state.cumulative)
    if nxt is None:
        st.session_state["_stop_play"] = True
        st.rerun()
    delay = SPEEDS.get(str(st.session_state.get(_W["speed"]) or "normal"), PLAY_DELAY_S)
    time.sleep(min(delay, PLAY_DELAY_S * 2) if PLAY_DELAY_S else 0.0)
    st.session_state["_pending_window"] = nxt
    st.rerun()


def _status(b: Bundle, state: ViewState, idx: np.ndarray, lang: str) -> None:
    """"17 events of 21 shown — 4 undated": every event is accounted for."""
    p = b.prep
    total = len(b.events)
    undated_all = p.d0 >= np.iinfo(np.int64).max // 8
    n_und = int(undated_all.sum())
    parts = [t("shown_of", lang, shown=_n(len(idx)), total=_n(total))]
    if n_und:
        n_shown_und = int(undated_all[idx].sum()) if len(idx) else 0
        parts.append(t("undated_shown", lang, n=n_shown_und) if state.undated
                     else t("undated_hidden", lang, n=n_und))
    mm = modality_mask(b, state.modalities)
    if mm is not None and (~mm).any():
        parts.append(t("excluded_modality", lang, n=int((~mm).sum())))
    if state.start and state.end:
        parts.append(t("window_caption", lang, a=fmt_date(state.start, lang), b=fmt_date(state.end, lang)))
    st.html(f'<div class="cm-status" data-shown="{len(idx)}" data-total="{total}" data-undated="{n_und}">'
            + " · ".join(escape(x) for x in parts) + "</div>")


def _undated_list(b: Bundle, state: ViewState, lang: str) -> None:
    """The undated events that match the other filters, listed on request."""
    undated_all = b.prep.d0 >= np.iinfo(np.int64).max // 8
    n_und = int(undated_all.sum())
    if n_und and not state.undated:
        with st.expander(t("undated_list", lang, n=n_und)):
            und = cached_filter(b, replace(state, undated=True, start=None, end=None))
            und = und[undated_all[und]]
            if len(und):
                df = events_table(b, und, lang=lang)
                st.dataframe(df, hide_index=True, column_config={"event_id": None}, height=200)
            else:
                st.caption(t("no_results", lang))


def run(app_root: Path) -> None:
    """Lay out the page: the map first, the provenance panel beside it on selection, the rest under it."""
    lang0 = _lang()
    st.set_page_config(page_title=t("app_title", lang0), page_icon="🗺️", layout="wide")
    st.html(_PAGE_CSS)
    base, b = _bundles(app_root, lang0)
    if b is None or base is None:
        return
    windowed = base.full_span is not None  # large archive: only the window's months are loaded
    span = (base.full_span if windowed else b.prep.span) or _EMPTY_SPAN
    _init_from_url(b, span, _default_window(span) if windowed else None)
    live.follow_window(span, _W["window"])  # a window left at "everything" grows with new data
    state = _sidebar(b, span)
    lang = state.lang
    live.status(base.source_dir)  # "mises à jour le …, N nouveaux depuis votre dernière visite"
    live.follow(base.source_dir, app_root)  # re-run when a newer dataset appears
    _uploads(base, lang)
    idx = cached_filter(b, state)

    _status(b, state, idx, lang)
    _url_notices(lang)
    focus_now = bool(st.session_state.pop("_focus_now", False))
    selected = bool(state.event)
    # the same two columns with or without a selection: the map component is never re-mounted
    left, right = st.columns([3, 2] if selected else [1, 0.0001], gap="small")
    with left:
        _map(b, state, idx, app_root, focus_now, lang)
    with right:
        if selected:
            _reader(b, state, lang)
    if not selected:
        st.caption(t("map_hint", lang))
    # after the map: the view it just reported goes into the address too
    # (windowed archive: always write the window, its default is not the span)
    view = st.session_state.get("map_view")
    _sync_url(replace(state, center=(view[0], view[1]) if view else None, zoom=int(view[2]) if view else None),
              None if windowed else span)
    first = _first_page()
    below = st.container()  # the same place in every run, filled from the second one
    if not first:
        with below:
            _undated_list(b, state, lang)

    p = b.prep
    cat_counts = np.bincount(p.cat[idx], minlength=len(p.cats)) if len(idx) else np.zeros(len(p.cats), int)
    n_zones = len(active_zones(b, state))
    cols = st.columns(5)
    cols[0].metric(t("metric_events", lang), _n(len(idx)))
    for col, cat in zip(cols[1:4], ("incident", "control_change", "deescalation")):
        n = int(cat_counts[p.cats.index(cat)]) if cat in p.cats else 0
        col.metric(category_label(cat, lang), _n(n))
    cols[4].metric(t("metric_zones", lang), n_zones)

    # Lazy tabs: only the open one runs and is sent (the chart library, the exports and the About
    # tables are not built nor loaded by the browser until asked for); switching tabs re-runs the page.
    tabs = st.tabs([t("tab_events", lang), t("tab_timeline", lang), t("tab_export", lang), t("tab_about", lang)],
                   key=f"w_tab_{lang}", on_change="rerun")
    panels = (lambda: None if first else _table(b, idx, state, lang), lambda: _timeline(b, idx, state, lang),
              lambda: _exports(b, state, lang), lambda: about_page(b, lang, st.session_state.get("_perf", {})))
    for tab, panel in zip(tabs, panels):
        if tab.open is not False:  # None: this Streamlit does not track tabs, run them all
            with tab:
                panel()
    _freeze_heap((base.version, *sorted(m for m in _FROZEN_AFTER if m in sys.modules)))
    if first:
        _rerun_soon()
    _play(state, span)


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
    from conflictmap.settings import apply_streamlit_secrets

    try:  # the optional online geocoder's settings may come from Streamlit secrets (env wins)
        apply_streamlit_secrets(st.secrets)
    except Exception:  # noqa: BLE001 - no secrets file is the normal case
        pass
    run(Path(app_root).resolve() if app_root else settings.app_root())
