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
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from conflictmap import settings
from conflictmap.dashboard.data import (
    MAX_UPLOAD_FILES,
    UPLOAD_TYPES,
    ArchiveInfo,
    Bundle,
    DataError,
    load_bundle,
    merge_bundle,
    validate_uploads,
    window_months,
    window_threshold,
    windowed_archive,
)
from conflictmap.dashboard.export import article_html, article_spans, export_bytes
from conflictmap.dashboard.filters import (
    active_zones,
    cached_events_table,
    cached_filter,
    cached_weekly_counts,
    view_cache,
    weekly_counts_empty,
)
from conflictmap.dashboard.layers import GRID_DEG, POINT_THRESHOLD, cached_map_layers, resolve_click, side_legend
from conflictmap.dashboard.map import SIDE_LABELS_FR, safe_url
from conflictmap.dashboard.state import (
    CATEGORY_LABELS,
    LAYERS,
    PLAY_DELAY_S,
    PRECISIONS,
    STEPS,
    ViewState,
    state_from_query,
    state_to_query,
    step_window,
    sub_label,
)

_W = {  # widget keys
    "window": "w_window", "step": "w_step", "play": "w_play", "actors": "w_actors", "cats": "w_cats",
    "subs": "w_subs", "prec": "w_prec", "q": "w_q", "place": "w_place", "layers": "w_layers",
}
_EMPTY_SPAN = (date(2016, 1, 1), date(2019, 12, 31))
_DEFAULT_WINDOW_MONTHS = 12  # large archive, no window in the URL: the latest months only


@st.cache_resource(show_spinner="Chargement des données…", max_entries=4)
def _load(path: str, signature: tuple[tuple[str, int, int], ...], app_root: str) -> Bundle:
    """Load the bundled data once per (directory, file signature); shared, read-only."""
    del signature  # part of the cache key only
    return load_bundle(path, app_root=app_root)


@st.cache_resource(show_spinner="Chargement des données de la période…", max_entries=4)
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


@st.cache_resource(show_spinner="Chargement du modèle spaCy et du gazetteer…")
def _pipeline() -> Any:
    """The ingest pipeline (spaCy model, gazetteer), loaded once per process on first upload."""
    from conflictmap.extract.pipeline import Pipeline  # heavy: imported only when the user uploads

    return Pipeline.load()


@st.cache_resource(max_entries=1)
def _outline(app_root: str) -> dict[str, Any] | None:
    p = Path(app_root) / "static" / "outline.geojson"
    if p.exists():
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except ValueError:
            return None
    return None


@st.cache_resource(max_entries=4, show_spinner=False)
def _freeze_heap(token: str) -> bool:
    """Move everything alive after the first load (modules, the shared data) out of the GC's sight.

    Streamlit runs a full ``gc.collect(2)`` after every script run
    (``runner.postScriptGC``); without this it walks every object of pandas,
    altair, folium... and the shared bundle each time (a third of a rerun's
    CPU). Frozen objects are still freed by reference counting; only cycles
    among them are no longer collected. Runs once per data version.
    """
    del token  # cache key only
    import altair  # noqa: F401 - imported by every rerun: freeze them too
    import folium  # noqa: F401
    import streamlit_folium  # noqa: F401

    # A full collection here would cost ~0.7 s on the very first page load (cold start); the young
    # generation is enough: what survives of the import-time garbage is small and frozen once.
    gc.collect(0)
    gc.freeze()
    return True


def _bundles(app_root: Path) -> tuple[Bundle | None, Bundle | None]:
    """The shared bundle and the one to show (this session's uploads merged in, if any)."""
    base: Bundle | None
    d = settings.dashboard_data_dir(app_root)
    try:
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
            st.info("Générez les données avec `make data`, ou définissez `CONFLICTMAP_DATA` vers un dossier "
                    "produit par `conflictmap ingest … --out DOSSIER`.")
            if st.button("Afficher des données synthétiques de démonstration", key="demo_btn"):
                st.session_state["demo"] = True
                st.rerun()
            return None, None
    user = st.session_state.get("user_bundle")
    if user is not None and st.session_state.get("user_base") == base.version:
        if base.months is not None and st.session_state.get("user_months") != base.months:
            user = base  # the window moved to other months: merge this session's uploads again
            for frames in st.session_state.get("user_frames", []):
                user = merge_bundle(user, frames)
            st.session_state["user_bundle"] = user
            st.session_state["user_months"] = base.months
        return base, user
    return base, base


def _init_from_url(b: Bundle, span: tuple[date, date], default: tuple[date, date] | None = None) -> None:
    """Fill the widget state from the URL, once per session (and after a reset)."""
    if st.session_state.get("_url_loaded"):
        return
    qp = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    s = state_from_query(qp, span, actors=b.actor_ids, categories=b.prep.cats, sub_types=b.prep.subs,
                           places=b.prep.place_ids)
    ss = st.session_state
    d0, d1 = default or span
    ss[_W["window"]] = (s.start or (d0 if s.end is None else span[0]), s.end or d1)
    ss[_W["step"]] = s.step
    ss[_W["actors"]] = list(s.actors)
    ss[_W["cats"]] = list(s.categories)
    ss[_W["subs"]] = list(s.sub_types)
    ss[_W["prec"]] = list(s.precisions)
    ss[_W["q"]] = s.query
    ss[_W["place"]] = s.place
    ss[_W["layers"]] = list(s.layers)
    event, article, notices = checked_selection(b, s.event, s.article)
    raw_place = qp.get("place") or []
    if raw_place and not s.place:
        notices.append(("place", str(raw_place[-1])[:200]))
    ss["sel_event"] = event
    ss["sel_article"] = article
    ss["_url_notices"] = notices
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


_NOTICE_FR = {"event": "Le lien partagé nomme un événement absent des données : ",
              "article": "Le lien partagé nomme un article absent des données : ",
              "place": "Le lien partagé nomme un lieu absent des données : "}


def _url_notices() -> None:
    for param, value in st.session_state.get("_url_notices") or []:
        plain_notice(_NOTICE_FR.get(param, param) + value + " (ignoré).")


def _reset() -> None:
    for k in [*_W.values(), "_url_loaded", "sel_event", "sel_article", "_last_click", "_pending_window",
              "_url_notices"]:
        st.session_state.pop(k, None)
    st.query_params.clear()


def _sidebar(b: Bundle, span: tuple[date, date]) -> ViewState:
    ss = st.session_state
    p = b.prep
    sb = st.sidebar
    sb.title("ConflictMap")
    sb.caption(f"Données : {b.version}")
    if b.n_uploaded:
        sb.caption(f"+ {b.n_uploaded} événement(s) issus de vos articles (cette session seulement)")
    pending = ss.pop("_pending_window", None)
    if pending is not None:
        ss[_W["window"]] = pending
    if ss.pop("_stop_play", False):
        ss[_W["play"]] = False
    win = sb.slider("Fenêtre de temps", min_value=span[0], max_value=max(span[1], span[0] + timedelta(days=1)),
                    step=timedelta(days=1), format="DD/MM/YYYY", key=_W["window"])
    sb.segmented_control("Pas de la lecture", options=list(STEPS),
                         format_func={"day": "jour", "week": "semaine"}.get, key=_W["step"], selection_mode="single")
    sb.toggle("▶ Lecture (anime la carte)", key=_W["play"],
              help="Fait avancer la fenêtre d'un pas à la fois jusqu'à la fin des données.")
    actor_opts = sorted(b.actor_ids, key=lambda a: str(b.actors.at[a, "label_fr"]).lower())
    sb.multiselect("Acteurs", actor_opts, key=_W["actors"], placeholder="Tous",
                   format_func=lambda a: f"{b.actors.at[a, 'label_fr']} ({SIDE_LABELS_FR.get(b.actors.at[a, 'side'], '')})")
    sb.multiselect("Catégories", p.cats, key=_W["cats"], placeholder="Toutes",
                   format_func=lambda c: CATEGORY_LABELS.get(c, c))
    sb.multiselect("Types", p.subs, key=_W["subs"], placeholder="Tous", format_func=sub_label)
    sb.multiselect("Précision du lieu", list(PRECISIONS), key=_W["prec"], placeholder="Toutes",
                   format_func=PRECISIONS.get)
    sb.text_input("Recherche (citations, lieux)", key=_W["q"], placeholder="ex. Alep, frappe…")
    place_opts, place_labels = view_cache(b, "static", 8).get("places", lambda: _place_options(b))
    sb.selectbox("Lieu", place_opts, key=_W["place"],
                 format_func=lambda v: place_labels.get(v) or f"{v} (0)")
    sb.multiselect("Couches", list(LAYERS), key=_W["layers"], format_func=LAYERS.get)
    sb.button("Réinitialiser la vue", on_click=_reset)
    start, end = win if isinstance(win, (tuple, list)) else (span[0], span[1])
    return ViewState(
        start=start, end=end, actors=tuple(ss[_W["actors"]]), categories=tuple(ss[_W["cats"]]),
        sub_types=tuple(ss[_W["subs"]]), precisions=tuple(int(v) for v in ss[_W["prec"]]),
        query=str(ss[_W["q"]] or "").strip(), place=str(ss[_W["place"]] or ""), layers=tuple(ss[_W["layers"]]),
        step=str(ss[_W["step"]] or "week"), event=str(ss.get("sel_event") or ""),
        article=str(ss.get("sel_article") or ""),
    )


def _place_options(b: Bundle) -> tuple[list[str], dict[str, str]]:
    """Place ids (most events first) and their labels, once per bundle."""
    p = b.prep
    counts = np.bincount(p.place, minlength=len(p.place_ids)) if len(p.place) else np.zeros(0, int)
    order = np.argsort(-counts, kind="stable")
    place_opts = [""] + [p.place_ids[i] for i in order.tolist()]
    names = dict(zip(p.place_ids, p.place_names))
    cnt = dict(zip(p.place_ids, counts.tolist()))
    labels = {v: ("Tous les lieux" if not v else f"{names.get(v, v)} ({cnt.get(v, 0)})") for v in place_opts}
    return place_opts, labels


def _sync_url(state: ViewState, span: tuple[date, date]) -> None:
    q = state_to_query(state, span)
    current = {k: st.query_params.get(k) for k in st.query_params.keys()}
    if current != q:
        st.query_params.from_dict(q)


def _uploads(base: Bundle) -> None:
    with st.sidebar.expander("Ajouter vos articles", expanded=bool(st.session_state.get("upload_errors"))):
        st.caption(f"Fichiers .txt, .md ou .html, {MAX_UPLOAD_FILES} au plus, 2 Mo chacun. "
                   "Analysés pour cette session seulement ; les données partagées ne sont pas modifiées.")
        gen = st.session_state.get("upload_gen", 0)
        files = st.file_uploader("Articles", type=list(UPLOAD_TYPES), accept_multiple_files=True,
                                 key=f"upload_{gen}", label_visibility="collapsed")
        go = st.button("Analyser", key="upload_go", disabled=not files)
        if go and files:
            _process_uploads(base, list(files))
        for msg in st.session_state.get("upload_errors", []):
            st.error(msg)
        if st.session_state.get("user_bundle") is not None:
            st.success(st.session_state.get("upload_msg", "Articles ajoutés."))
            if st.button("Retirer mes articles", key="upload_clear"):
                for k in ("user_bundle", "user_base", "user_frames", "user_months", "upload_errors", "upload_msg"):
                    st.session_state.pop(k, None)
                st.session_state["upload_gen"] = gen + 1
                st.rerun()


def _process_uploads(base: Bundle, files: list[Any]) -> None:
    ok, errors = validate_uploads([(f.name, int(f.size)) for f in files])
    payload = [(files[i].name, files[i].getvalue()) for i in ok]
    if payload:
        bar = st.progress(0.0, text="Analyse des articles…")

        def progress(done: int, total: int) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=f"Analyse des articles… {done}/{total}")

        try:
            pipe = _pipeline()
            result = pipe.run_uploads(payload, progress=progress)
        except ImportError:
            errors.append("L'analyse d'articles n'est pas disponible dans cette installation "
                          "(module conflictmap.extract.pipeline ou modèle spaCy absent).")
            result = None
        except Exception as exc:  # noqa: BLE001 - any pipeline failure is shown, the app keeps running
            errors.append(f"Échec de l'analyse : {type(exc).__name__}: {exc}")
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
            st.session_state["upload_msg"] = f"{n_art} article(s) analysé(s), {n_ev} événement(s) ajouté(s)."
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


@st.cache_resource(max_entries=2, show_spinner=False)
def _base_map_args(app_root: str) -> dict[str, Any]:
    """The fixed base map as streamlit-folium sends it, built and rendered once per process."""
    from conflictmap.dashboard.map import base_map, folium_component_args

    m = base_map(_outline(app_root), Path(app_root) / "static", tiles=True, legend=side_legend())
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


def _map(b: Bundle, state: ViewState, idx: np.ndarray, app_root: Path, focus_now: bool) -> None:
    t0 = time.perf_counter()
    layers = cached_map_layers(b, state, idx)
    base = _base_map_args(str(app_root))
    center = layers.focus if (focus_now and layers.focus) else None
    out = _st_folium(base, layers.js, key="map", height=620, returned_objects=["last_object_clicked"],
                     center=center, zoom=10 if center else None)
    payload = layers
    st.session_state["_perf"] = {"build_s": round(time.perf_counter() - t0, 3), "payload_bytes": payload.nbytes,
                                 "aggregated": payload.aggregated}
    if payload.aggregated:
        st.caption(f"Plus de {POINT_THRESHOLD} points : les lieux précis sont regroupés en mailles de "
                   f"{GRID_DEG}° (cliquez une maille, ou filtrez / réduisez la fenêtre pour voir chaque point).")
    _selection_from_click(b, idx, out)


def _reader(b: Bundle, state: ViewState) -> None:
    """The article reader; every article-derived string goes through html.escape."""
    import html

    st.subheader("Article")
    aid = state.article
    if not aid:
        st.caption("Cliquez un point de la carte ou une ligne du tableau pour lire l'article source.")
        return
    arts = b.articles
    hit = arts[arts["article_id"] == aid]
    sel = st.session_state.get("sel_rows") or []
    head: list[str] = []
    if state.event:
        ev = b.events[b.events["event_id"] == state.event]
        if len(ev):
            e = ev.iloc[0]
            head.append(f'<div class="cm-evline"><b>{html.escape(sub_label(e["sub_type"]))}</b> · '
                        f'{html.escape(str(e["date"]))} ({html.escape(str(e["date_precision"]))}) · '
                        f'{html.escape(str(e["place_name"]))} (précision {int(e["geo_precision"] or 0)})</div>')
    if len(sel) > 1:
        head.append(f'<div class="cm-meta">{len(sel)} événements à cet endroit ; '
                    "l'article du plus récent est affiché.</div>")
    if hit.empty:
        st.html("".join(head))
        plain_notice(f"Article {aid} absent des données.")
        return
    a = hit.iloc[0]
    head.append(f'<div class="cm-title">{html.escape(str(a.get("title") or aid))}</div>')
    meta = [str(a.get("source") or ""), str(a.get("published") or "")]
    meta_s = " · ".join(m for m in meta if m) + (" (date déduite)" if bool(a.get("published_inferred")) else "")
    url = safe_url(a.get("url"))
    link = (f' · <a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer nofollow">'
            "article original ↗</a>") if url else ""
    head.append(f'<div class="cm-meta">{html.escape(meta_s)}{link}</div>')
    text = str(a.get("text") or "")
    body = article_html(text, article_spans(b, aid, state.event))
    st.html(
        "<style>.cm-article{max-height:420px;overflow:auto;line-height:1.5;font-size:0.95rem;white-space:normal}"
        ".cm-article mark{padding:0 1px}.cm-article mark.cm-event{background:#fff3c4}"
        ".cm-article mark.cm-toponym{background:#c8e6ff}.cm-article mark.cm-selected{background:#ffd54f}"
        ".cm-title{font-weight:600;font-size:1.1rem;margin:4px 0}.cm-meta{color:#666;font-size:0.85rem}</style>"
        + "".join(head) + body)


def _table(b: Bundle, idx: np.ndarray, state: ViewState) -> None:
    df = cached_events_table(b, state, idx)
    if len(idx) > len(df):
        st.caption(f"{len(df)} événements les plus récents sur {len(idx)} — filtrez ou exportez pour le reste.")
    ev = st.dataframe(df, hide_index=True, on_select="rerun", selection_mode="single-row", key="table",
                      column_config={"event_id": None, "citation": st.column_config.TextColumn(width="large")},
                      height=360)
    rows = getattr(getattr(ev, "selection", None), "rows", None) or []
    last = st.session_state.get("_table_sel")
    if rows and rows != last:
        st.session_state["_table_sel"] = rows
        r = df.iloc[rows[0]]
        if st.session_state.get("sel_event") != r["event_id"]:
            st.session_state["sel_event"] = str(r["event_id"])
            st.session_state["sel_article"] = str(r["article"])
            st.session_state["sel_rows"] = []
            st.session_state["_focus_now"] = True
            st.rerun()
    elif not rows:
        st.session_state["_table_sel"] = []


def _timeline(b: Bundle, idx: np.ndarray, state: ViewState) -> None:
    wk = cached_weekly_counts(b, state, idx)
    if wk.empty:
        st.info("Aucun événement dans la vue.")
        return

    chart = _chart_template().copy(deep=False)  # the encoded spec is shared, only the data differs
    chart.data = wk
    st.altair_chart(chart, width="stretch")


@st.cache_resource(show_spinner=False)
def _chart_template() -> Any:
    """The weekly bar chart without data (altair's encoding inference is slow; done once)."""
    return _weekly_chart(weekly_counts_empty())


def _weekly_chart(wk: Any) -> Any:
    import altair as alt

    return alt.Chart(wk).mark_bar().encode(
        x=alt.X("week:T", title="Semaine"), y=alt.Y("sum(events):Q", title="Événements"),
        color=alt.Color("category:N", title="Catégorie"), tooltip=["week:T", "category:N", "events:Q"],
    ).properties(height=260)


def _exports(b: Bundle, idx: np.ndarray) -> None:
    st.caption(f"{len(idx)} événement(s) de la vue courante (filtres et fenêtre appliqués).")
    cols = st.columns(3)
    for col, (fmt, label, mime, ext) in zip(cols, [
        ("geojson", "GeoJSON", "application/geo+json", "geojson"),
        ("csv", "CSV", "text/csv", "csv"),
        ("parquet", "GeoParquet", "application/vnd.apache.parquet", "parquet"),
    ]):
        col.download_button(label, data=lambda fmt=fmt: export_bytes(b, idx, fmt),
                            file_name=f"conflictmap-vue.{ext}", mime=mime, key=f"dl_{fmt}",
                            disabled=not len(idx), on_click="ignore")


def _play(state: ViewState, span: tuple[date, date]) -> None:
    if not st.session_state.get(_W["play"]) or state.start is None or state.end is None:
        return
    nxt = step_window(state.start, state.end, state.step, span)
    if nxt is None:
        st.session_state["_stop_play"] = True
        st.rerun()
    time.sleep(PLAY_DELAY_S)
    st.session_state["_pending_window"] = nxt
    st.rerun()


def run(app_root: Path) -> None:
    """Lay out the page."""
    st.set_page_config(page_title="ConflictMap — Syrie", page_icon="🗺️", layout="wide")
    base, b = _bundles(app_root)
    if b is None or base is None:
        return
    _freeze_heap(base.version)
    windowed = base.full_span is not None  # large archive: only the window's months are loaded
    span = (base.full_span if windowed else b.prep.span) or _EMPTY_SPAN
    _init_from_url(b, span, _default_window(span) if windowed else None)
    state = _sidebar(b, span)
    _uploads(base)
    idx = cached_filter(b, state)
    _sync_url(state, None if windowed else span)  # windowed: always write the window (its default is not the span)

    p = b.prep
    cat_counts = np.bincount(p.cat[idx], minlength=len(p.cats)) if len(idx) else np.zeros(len(p.cats), int)
    n_zones = len(active_zones(b, state))
    cols = st.columns(5)
    cols[0].metric("Événements", f"{len(idx):,}".replace(",", " "))
    for col, cat in zip(cols[1:4], ("incident", "control_change", "deescalation")):
        n = int(cat_counts[p.cats.index(cat)]) if cat in p.cats else 0
        col.metric(CATEGORY_LABELS[cat], f"{n:,}".replace(",", " "))
    cols[4].metric("Zones actives", n_zones)
    st.caption(f"Du {state.start:%d/%m/%Y} au {state.end:%d/%m/%Y}" if state.start and state.end else "")

    _url_notices()
    left, right = st.columns([3, 2], gap="medium")
    focus_now = bool(st.session_state.pop("_focus_now", False))
    with left:
        _map(b, state, idx, app_root, focus_now)
    with right:
        _reader(b, state)
    t1, t2, t3, t4 = st.tabs(["Événements", "Chronologie", "Exporter", "À propos"])
    with t1:
        _table(b, idx, state)
    with t2:
        _timeline(b, idx, state)
    with t3:
        _exports(b, idx)
    with t4:
        perf = st.session_state.get("_perf", {})
        st.markdown(f"Données affichées : `{b.version}` (dossier `{b.source_dir}`).")
        st.caption(f"Carte : {perf.get('payload_bytes', 0):,} octets de couches, construites en "
                   f"{perf.get('build_s', 0)} s.")
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
