"""Unit tests of the dashboard's pure functions (no Streamlit, no browser)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hostile_fixtures import HOSTILE_IMG, HOSTILE_PLACE, HOSTILE_SCRIPT, add_hostile_article
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap import demo
from conflictmap.dashboard.data import (
    MAX_UPLOAD_FILES,
    Bundle,
    DataError,
    bundle_from_frames,
    load_bundle,
    merge_bundle,
    search_fold,
    validate_uploads,
)
from conflictmap.dashboard.export import article_html, export_bytes
from conflictmap.dashboard.filters import (
    ViewCache,
    active_zones,
    cached_events_table,
    cached_filter,
    cached_weekly_counts,
    events_table,
    filter_events,
    filter_key,
    map_key,
    view_cache,
    weekly_counts,
    weekly_counts_empty,
)
from conflictmap.dashboard.layers import (
    build_payloads,
    cached_map_layers,
    feature_group_js,
    feature_groups,
    held_places,
    resolve_click,
    side_legend,
)
from conflictmap.dashboard.map import asset_links, base_map, icon_for, safe_json, safe_url
from conflictmap.dashboard.state import LAYERS, ViewState, state_from_query, state_to_query, step_window
from conflictmap.store import schema

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("dash")
    frames = add_hostile_article(demo.make_dataset(400, seed=2))
    demo.write_dataset(str(d), frames)
    return d


@pytest.fixture(scope="module")
def bundle(data_dir: Path) -> Bundle:
    return load_bundle(data_dir)


# --------------------------------------------------------------------------- synthetic data


def test_synthetic_events_follow_the_contract() -> None:
    ev = demo.make_events(2000, seed=5)
    assert list(ev.columns) == schema.EVENT_COLUMNS + ["geometry"]
    assert ev.crs.to_epsg() == 4326
    assert ev["event_id"].is_unique
    assert set(ev["category"]) <= set(schema.CATEGORIES)
    assert set(ev["date_precision"]) == {"day", "week", "month", "year"}
    assert set(ev["geo_precision"]) == {1, 2, 3, 4}
    assert set(ev.geom_type) >= {"Point", "Polygon", "LineString"}
    assert (ev.loc[ev.geo_precision <= 2].geom_type == "Point").all()
    d = pd.to_datetime(ev["date"])
    assert d.min() >= pd.Timestamp("2016-01-01") and d.max() <= pd.Timestamp("2019-12-31")
    assert (d[ev.date_precision == "month"].dt.day == 1).all()
    assert (d[ev.date_precision == "week"].dt.dayofweek == 0).all()
    cc = ev[ev.category == "control_change"]
    assert cc["controller_after"].notna().all() and cc["controller_before"].notna().all()
    assert all(isinstance(a, list) and a for a in ev["actors"])
    for s in ev["sources"].head(50):
        assert json.loads(s)[0]["article_id"]
    assert (ev["n_sources"] == ev["sources"].map(lambda s: len(json.loads(s)))).all()
    same = demo.make_events(2000, seed=5)
    pd.testing.assert_frame_equal(pd.DataFrame(ev.drop(columns="geometry")),
                                  pd.DataFrame(same.drop(columns="geometry")))


def test_synthetic_articles_and_mentions_point_into_the_text() -> None:
    fr = demo.make_dataset(300, seed=4)
    texts = fr["articles"].set_index("article_id")["text"]
    for r in fr["events"].itertuples():
        assert texts[r.article_id][r.start:r.end] == r.quote
    for m in fr["mentions"].itertuples():
        assert texts[m.article_id][m.start:m.end] == m.text
    assert list(fr["articles"].columns) == schema.ARTICLE_COLUMNS
    assert list(fr["mentions"].columns) == schema.MENTION_COLUMNS
    assert list(fr["control"].columns) == schema.CONTROL_COLUMNS
    assert list(fr["zones"].columns) == schema.ZONE_COLUMNS + ["geometry"]


def test_synthetic_is_fast() -> None:
    t = time.perf_counter()
    ev = demo.make_events(100_000)
    assert len(ev) == 100_000
    assert time.perf_counter() - t < 10


# --------------------------------------------------------------------------- URL state


_ids = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=12)


@given(
    start=st.dates(date(2016, 1, 1), date(2019, 12, 31)),
    days=st.integers(0, 900),
    actors=st.lists(_ids, max_size=4, unique=True),
    cats=st.lists(st.sampled_from(schema.CATEGORIES), max_size=3, unique=True),
    subs=st.lists(st.sampled_from(["air/drone strike", "shelling", "ceasefire / truce"]), max_size=3, unique=True),
    precs=st.lists(st.integers(1, 4), max_size=4, unique=True),
    query=st.text(max_size=30).map(str.strip),
    layers=st.lists(st.sampled_from(list(LAYERS)), max_size=4, unique=True),
    step=st.sampled_from(["day", "week"]),
)
@settings(max_examples=150, deadline=None)
def test_url_roundtrip(start: date, days: int, actors: list[str], cats: list[str], subs: list[str],
                       precs: list[int], query: str, layers: list[str], step: str) -> None:
    end = min(date.fromordinal(start.toordinal() + days), date(2019, 12, 31))
    state = ViewState(start=start, end=end, actors=tuple(actors), categories=tuple(cats), sub_types=tuple(subs),
                        precisions=tuple(precs), query=query, layers=tuple(layers), step=step, event="ev-1",
                        article="a1")
    span = (date(2016, 1, 1), date(2019, 12, 31))
    q = state_to_query(state, span)
    assert all(isinstance(v, str) for v in q.values())
    back = state_from_query(q, span)
    expected_start = state.start if state.start != span[0] else None
    expected_end = state.end if state.end != span[1] else None
    assert back == ViewState(**{**state.__dict__, "start": expected_start, "end": expected_end})


def test_url_defaults_are_not_written_and_garbage_is_ignored() -> None:
    span = (date(2016, 1, 1), date(2019, 12, 31))
    assert state_to_query(ViewState(start=span[0], end=span[1]), span) == {}
    s = state_from_query({"from": "2030-99-99", "to": "nope", "prec": "0,2,9,x", "layers": "zones,bogus",
                            "step": "year", "actor": ["RUS", "XXX"], "place": "geonames:1"}, span,
                           actors=["RUS", "TUR"], places=["geonames:2"])
    assert s.start is None and s.end is None
    assert s.precisions == (2,)
    assert s.layers == ("zones",)
    assert s.step == "week"
    assert s.actors == ("RUS",)
    assert s.place == ""
    s2 = state_from_query({"from": "2019-06-01", "to": "2017-01-01"}, span)
    assert s2.start == date(2017, 1, 1) and s2.end == date(2019, 6, 1)
    assert state_from_query({"from": "2010-01-01"}, span).start == span[0]
    assert state_from_query({"layers": "none"}, span).layers == ()


def test_step_window() -> None:
    span = (date(2016, 1, 1), date(2016, 12, 31))
    assert step_window(date(2016, 1, 1), date(2016, 1, 31), "week", span) == (date(2016, 1, 8), date(2016, 2, 7))
    assert step_window(date(2016, 1, 1), date(2016, 1, 31), "day", span) == (date(2016, 1, 2), date(2016, 2, 1))
    assert step_window(date(2016, 12, 1), date(2016, 12, 28), "week", span) == (date(2016, 12, 4), span[1])
    assert step_window(date(2016, 12, 1), span[1], "week", span) is None


# --------------------------------------------------------------------------- filtering


def _naive_match(bundle: Bundle, query: str, r: pd.Series) -> bool:
    """Search, written plainly: folded text, phonetic place name, or any name of an actor of the event."""
    from conflictmap.dashboard.search import actor_names, compact
    from conflictmap.text import phonetic

    q = compact(query)
    if q in compact(f"{r['quote']} {r['place_name']}"):
        return True
    ph = phonetic(query)
    if len(ph) >= 3 and ph in phonetic(str(r["place_name"] or "")):
        return True
    names = actor_names(bundle)
    acts = set(r["actors"]) | {r["actor1"], r["controller_before"], r["controller_after"]}
    return len(q) >= 3 and any(q in compact(n) for a in acts if a for n in names.get(a, [a]))


def _naive(bundle: Bundle, s: ViewState) -> set[int]:
    ev = bundle.events
    d0 = pd.to_datetime(ev["date"])
    prec = ev["date_precision"]
    d1 = d0.copy()
    d1[prec == "week"] = d0[prec == "week"] + pd.Timedelta(days=6)
    d1[prec == "month"] = d0[prec == "month"] + pd.offsets.MonthEnd(0)
    d1[prec == "year"] = d0[prec == "year"] + pd.offsets.YearEnd(0)
    keep = set()
    for i in range(len(ev)):
        r = ev.iloc[i]
        if s.start and d1.iloc[i].date() < s.start:
            continue
        if s.end and d0.iloc[i].date() > s.end:
            continue
        if s.categories and r["category"] not in s.categories:
            continue
        if s.sub_types and r["sub_type"] not in s.sub_types:
            continue
        if s.precisions and int(r["geo_precision"]) not in s.precisions:
            continue
        if s.place and r["place_id"] != s.place:
            continue
        involved = set(r["actors"]) | {r["actor1"], r["actor2"], r["controller_before"], r["controller_after"]}
        if s.actors and not involved & set(s.actors):
            continue
        if s.query and not _naive_match(bundle, s.query, r):
            continue
        keep.add(i)
    return keep


@given(
    start=st.dates(date(2015, 6, 1), date(2020, 1, 1)),
    days=st.integers(0, 1500),
    actors=st.lists(st.sampled_from(["RUS", "SYR_GOV", "ISIS", "TUR", "NOPE"]), max_size=2, unique=True),
    cats=st.lists(st.sampled_from(schema.CATEGORIES), max_size=2, unique=True),
    precs=st.lists(st.integers(1, 4), max_size=2, unique=True),
    query=st.sampled_from(["", "alep", "ALEP", "Frappes", "dama", "été", "zzz"]),
    place=st.sampled_from(["", "geonames:170654", "curated:ghouta_est"]),
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_filter_matches_naive_implementation(bundle: Bundle, start: date, days: int, actors: list[str],
                                             cats: list[str], precs: list[int], query: str, place: str) -> None:
    end = date.fromordinal(start.toordinal() + days)
    s = ViewState(start=start, end=end, actors=tuple(actors), categories=tuple(cats), precisions=tuple(precs),
                    query=query, place=place)
    assert set(filter_events(bundle, s).tolist()) == _naive(bundle, s)


def test_month_precision_event_overlaps_window(bundle: Bundle) -> None:
    ev = bundle.events
    r = int(np.flatnonzero((ev["date_precision"] == "month").to_numpy())[0])
    d0 = date.fromisoformat(ev.at[r, "date"])
    mid = date(d0.year, d0.month, 20)
    idx = filter_events(bundle, ViewState(start=mid, end=mid))
    assert r in set(idx.tolist())


def test_accent_and_case_insensitive_search(bundle: Bundle) -> None:
    a = filter_events(bundle, ViewState(query="lattaquie"))
    b = filter_events(bundle, ViewState(query="LATTAQUIÉ"))
    assert len(a) > 0 and np.array_equal(a, b)


def test_zones_follow_the_window(bundle: Bundle) -> None:
    ids = lambda s: {bundle.zone_features[i]["properties"]["zone_id"] for i in active_zones(bundle, s)}  # noqa: E731
    assert ids(ViewState(start=date(2016, 1, 1), end=date(2016, 12, 31))) == set()
    assert ids(ViewState(start=date(2017, 9, 1), end=date(2017, 9, 1))) == {"idlib", "homs_north", "ghouta",
                                                                               "south_west"}
    assert ids(ViewState(start=date(2019, 1, 1), end=date(2019, 2, 1))) == {"idlib"}  # the only open zone


# --------------------------------------------------------------------------- layers and security


HOSTILE_MARKUP = re.compile(r"<\s*(script|img|b|svg|iframe)|on\w+\s*=\s*[\"']?alert|javascript:", re.I)


def test_payloads_hold_no_executable_markup(bundle: Bundle) -> None:
    s = ViewState(start=date(2018, 3, 1), end=date(2018, 3, 31), event="evt_hostile")
    idx = filter_events(bundle, s)
    assert "evt_hostile" in set(bundle.events["event_id"].iloc[idx])
    payload = build_payloads(bundle, s, idx)
    blob = "".join(js for parts in payload.layers.values() for _, js in parts)
    assert "evt_hostile" in blob
    assert not HOSTILE_MARKUP.search(blob), HOSTILE_MARKUP.search(blob)
    # the text is still there, escaped for JS: JSON.parse gives it back verbatim
    pts = json.loads(payload.layers["events"][0][1])
    rec = next(r for r in pts["ev"] if r[8] == "evt_hostile")
    assert HOSTILE_IMG in rec[6]
    assert HOSTILE_PLACE in pts["T"]["pl"]
    assert pts["T"]["art"][rec[7]][1] == ""  # javascript: URL dropped


def test_rendered_feature_group_js_has_no_markup(bundle: Bundle) -> None:
    """What streamlit-folium sends to the browser (feature group JS) is inert."""
    from conflictmap.dashboard.folium_bridge import feature_group_js as _get_feature_group_string

    s = ViewState(start=date(2018, 3, 1), end=date(2018, 3, 31))
    payload = build_payloads(bundle, s)
    m = base_map(None, None, tiles=False)
    js = "".join(_get_feature_group_string(fg, m, i) for i, fg in enumerate(feature_groups(payload)))
    assert "window.cmLib.points(" in js and "evt_hostile" in js
    assert not HOSTILE_MARKUP.search(js)


def test_safe_json_and_urls() -> None:
    text = "</script><script>alert(1)</script> & \u2028"
    out = safe_json({"q": text})
    assert "<" not in out and ">" not in out and "&" not in out and "\u2028" not in out
    assert json.loads(out)["q"] == text
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in ("javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>", "http://x\"onmouseover=1",
                "//evil.example", "ftp://x", None, 3):
        assert safe_url(bad) == ""


def test_article_html_escapes_everything() -> None:
    text = f"{HOSTILE_SCRIPT} a {HOSTILE_IMG} b"
    i = text.index("a ")
    out = article_html(text, [(i, i + 1, "event", "<img src=x onerror=alert(2)>"), (0, 8, "toponym", "t"),
                                (5, 999, "event", "out of range")])
    assert "<script" not in out and "<img" not in out and "onerror=alert(2)>" not in out
    assert "&lt;script&gt;" in out and 'class="cm-event"' in out and 'class="cm-toponym"' in out
    # the visible text is the original one
    assert re.sub(r"<[^>]+>", "", out).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') \
        .replace("&#x27;", "'").replace("&amp;", "&") == text


def test_many_points_switch_to_grid_and_stay_small() -> None:
    fr = demo.make_dataset(30, seed=1)
    fr["events"] = demo.make_events(20_000, seed=9)
    b = bundle_from_frames(fr)
    s = ViewState()
    payload = build_payloads(b, s)
    assert payload.aggregated
    assert payload.nbytes < 1_000_000
    kinds = [k for k, _ in payload.layers["events"]]
    assert "grid" in kinds and "points" not in kinds
    small = build_payloads(b, ViewState(start=date(2017, 1, 1), end=date(2017, 1, 31)))
    assert not small.aggregated


def test_held_places_use_the_last_change_before_the_window_end(bundle: Bundle) -> None:
    c = bundle.control.copy()
    c["d"] = pd.to_datetime(c["date"])
    pid = c["place_id"].value_counts().index[0]
    rows = c[c.place_id == pid].sort_values("d")
    cut = rows["d"].iloc[-1] - pd.Timedelta(days=1)
    held = held_places(bundle, ViewState(end=cut.date()))
    name = bundle.prep.place_names[bundle.prep.place_ids.index(pid)]
    prior = rows[rows.d <= cut]
    entry = [h for h in held if h[2] == name]
    if prior.empty:
        assert not entry
    else:
        expected = bundle.actors.at[prior["controller_after"].iloc[-1], "label_fr"]
        assert entry and entry[0][3] == expected


def test_resolve_click_finds_stacked_events_and_areas(bundle: Bundle) -> None:
    idx = filter_events(bundle, ViewState())
    p = bundle.prep
    r = int(idx[np.flatnonzero(p.is_point[idx] & (p.prec[idx] == 1))[0]])
    hits = resolve_click(bundle, idx, float(p.y[r]), float(p.x[r]))
    assert r in set(hits.tolist())
    assert (p.place[hits] == p.place[r]).all()
    poly = int(idx[np.flatnonzero(~p.is_point[idx])[0]])
    hits = resolve_click(bundle, idx, float(p.y[poly]), float(p.x[poly]))
    assert poly in set(hits.tolist())
    assert len(resolve_click(bundle, idx, 10.0, 10.0)) == 0


def test_weekly_counts_add_up(bundle: Bundle) -> None:
    idx = filter_events(bundle, ViewState())
    wk = weekly_counts(bundle, idx)
    assert wk["events"].sum() == len(idx)
    assert (wk["week"].dt.dayofweek == 0).all()
    assert weekly_counts(bundle, idx[:0]).empty


def test_exports_roundtrip(bundle: Bundle) -> None:
    idx = filter_events(bundle, ViewState(actors=("RUS",)))
    gj = json.loads(export_bytes(bundle, idx, "geojson"))
    assert len(gj["features"]) == len(idx)
    csv = pd.read_csv(io.BytesIO(export_bytes(bundle, idx, "csv")))
    assert len(csv) == len(idx) and "wkt" in csv.columns
    gp = gpd.read_parquet(io.BytesIO(export_bytes(bundle, idx, "parquet")))
    assert len(gp) == len(idx) and gp.crs.to_epsg() == 4326
    assert set(gp["event_id"]) == set(bundle.events["event_id"].iloc[idx])
    with pytest.raises(ValueError):
        export_bytes(bundle, idx, "xlsx")


def test_events_table(bundle: Bundle) -> None:
    idx = filter_events(bundle, ViewState())
    t = events_table(bundle, idx, limit=50)
    assert len(t) == 50
    assert list(t["date"]) == sorted(t["date"], reverse=True)
    assert {"acteurs", "citation", "lieu", "event_id"} <= set(t.columns)


def test_validate_uploads() -> None:
    files = [("a.txt", 10), ("b.HTML", 10), ("c.pdf", 10), ("d.md", 3 * 1024 * 1024), ("e.txt", 0)]
    files += [(f"f{i}.txt", 5) for i in range(12)]
    ok, errors = validate_uploads(files)
    assert ok[:2] == [0, 1] and len(ok) == MAX_UPLOAD_FILES
    assert any("c.pdf" in e for e in errors) and any("d.md" in e and "2 Mo" in e for e in errors)
    assert any("e.txt" in e for e in errors)
    assert sum("au plus" in e for e in errors) == 4  # 14 valid files, 10 kept


def test_icons_by_sub_type() -> None:
    assert icon_for("air/drone strike") == "fa-plane"
    assert icon_for("shelling") == "fa-bomb"
    assert icon_for("armed clash") == "fa-crosshairs"
    assert icon_for("government regains territory") == "fa-flag"
    assert icon_for("ceasefire / truce") == "fa-handshake"
    assert icon_for("something new", "deescalation") == "fa-dove"
    assert all(re.fullmatch(r"fa-[a-z-]+", icon_for(s)) for s in ("", "x", "evacuation"))


# --------------------------------------------------------------------------- assets and start-up


def test_assets_local_when_vendored_else_cdn(tmp_path: Path) -> None:
    js, css, local = asset_links(tmp_path)
    assert not local and all(u.startswith("https://") for _, u in js + css)
    for f in ("leaflet/leaflet.js", "leaflet.markercluster/leaflet.markercluster.js"):
        (tmp_path / "vendor" / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "vendor" / f).write_text("//")
    js, css, local = asset_links(tmp_path)
    assert local and all(u.startswith("/app/static/vendor/") for _, u in js + css)
    import folium

    before = list(folium.Map.default_js)
    m = base_map(None, tmp_path, tiles=False)
    assert m.default_js == js and folium.Map.default_js == before  # instance only


def test_topojson_outline_decoding() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import vendor_assets
    finally:
        sys.path.pop(0)
    topo = {"type": "Topology", "transform": {"scale": [0.5, 0.5], "translate": [30, 30]},
            "arcs": [[[0, 0], [2, 0], [0, 2], [-2, 0], [0, -2]]],
            "objects": {"countries": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "id": "760", "arcs": [[0]], "properties": {"name": "Syria"}},
                {"type": "Polygon", "id": "250", "arcs": [[0]]}]}}}
    fc = vendor_assets.topojson_countries(topo, {"760": "SY"})
    assert len(fc["features"]) == 1
    ring = fc["features"][0]["geometry"]["coordinates"][0]
    assert ring == [[30, 30], [31, 30], [31, 31], [30, 31], [30, 30]]
    assert fc["features"][0]["properties"]["focus"] is True


def test_dashboard_import_is_light() -> None:
    code = ("import sys, conflictmap.dashboard, conflictmap.dashboard.page; "
            "bad=[m for m in ('spacy','conflictmap.extract.pipeline','conflictmap.extract.nlp') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_missing_data_dir_raises(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        load_bundle(tmp_path / "nope")
    with pytest.raises(DataError):
        load_bundle(tmp_path)


def test_template_syntax_in_articles_is_inert() -> None:
    """Article text is never read as Jinja by folium/branca (no server-side template injection)."""
    from conflictmap.dashboard.folium_bridge import feature_group_js as _get_feature_group_string

    fr = demo.make_dataset(30, seed=1)
    ev = fr["events"]
    ev["quote"] = ev["quote"].astype(object)
    ev.loc[0, "quote"] = "AAA {{ 7*7 }} {{ ''.__class__ }} {% if x %}"  # unbalanced on purpose
    ev.loc[0, "place_name"] = "{#"
    b = bundle_from_frames(fr)
    payload = build_payloads(b, ViewState())
    m = base_map(None, None, tiles=False)
    js = "".join(_get_feature_group_string(g, m, i) for i, g in enumerate(feature_groups(payload)))
    m.get_root().render()  # rendering the whole figure must not evaluate or choke on the data either
    assert "AAA" in js and "{{" not in js.split("AAA", 1)[1][:80] and "49" not in js.split("AAA", 1)[1][:20]
    for parts in payload.layers.values():
        for _, text in parts:
            json.loads(text)


# --------------------------------------------------------------------------- per-view caches (shared by sessions)


def test_view_cache_lru_and_hits() -> None:
    c = ViewCache(maxsize=2)
    calls: list[int] = []

    def f(v: int):  # noqa: ANN202
        return lambda: calls.append(v) or v * 10

    assert c.get("a", f(1)) == 10 and c.get("a", f(99)) == 10
    assert c.get("b", f(2)) == 20
    c.get("a", f(99))  # a is now most recent
    assert c.get("c", f(3)) == 30  # evicts b
    assert "a" in c and "c" in c and "b" not in c and len(c) == 2
    assert calls == [1, 2, 3] and c.hits == 2 and c.misses == 3


def test_cached_views_equal_uncached(bundle: Bundle) -> None:
    states = [ViewState(), ViewState(actors=("RUS",)), ViewState(categories=("incident",), query="alep"),
              ViewState(start=date(2018, 3, 1), end=date(2018, 3, 31), layers=("events",)),
              ViewState(event=str(bundle.events.at[0, "event_id"]))]
    for s in states:
        for _ in range(2):  # miss, then hit
            idx = cached_filter(bundle, s)
            assert np.array_equal(idx, filter_events(bundle, s)) and not idx.flags.writeable
            assert cached_events_table(bundle, s).equals(events_table(bundle, idx))
            assert cached_weekly_counts(bundle, s).equals(weekly_counts(bundle, idx))
            lj = cached_map_layers(bundle, s)
            payload = build_payloads(bundle, s, idx)
            assert lj.js == feature_group_js(payload)
            assert (lj.nbytes, lj.aggregated, lj.focus) == (payload.nbytes, payload.aggregated, payload.focus)
    assert filter_key(ViewState(event="x", layers=())) == filter_key(ViewState())
    assert map_key(ViewState(event="x")) != map_key(ViewState())
    # a different bundle (e.g. a session's uploads) never sees these entries
    other = merge_bundle(bundle, {})
    assert other.views == {} and len(view_cache(bundle, "map")) >= len(states)


def test_feature_group_js_is_what_st_folium_sends(bundle: Bundle) -> None:
    from streamlit_folium import _get_feature_group_string

    payload = build_payloads(bundle, ViewState(start=date(2018, 3, 1), end=date(2018, 3, 31)), threshold=50)
    m = base_map(None, None, tiles=False)
    ref = "".join(_get_feature_group_string(fg, m, i) for i, fg in enumerate(feature_groups(payload)))
    assert feature_group_js(payload) == ref


def test_folium_component_args_match_st_folium(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The page's cached base map sends what ``st_folium(base_map(...), key="map")`` sends."""
    import streamlit_folium as sf

    from conflictmap.dashboard.map import folium_component_args

    captured: dict = {}
    monkeypatch.setattr(sf, "_component_func", lambda **kw: captured.update(kw))
    legend = side_legend()
    outline = {"type": "FeatureCollection", "features": []}
    m1 = base_map(outline, tmp_path, tiles=True, legend=legend)
    sf.st_folium(m1, key="map", height=620, use_container_width=True, returned_objects=["last_object_clicked"])
    m2 = base_map(outline, tmp_path, tiles=True, legend=legend)
    args = folium_component_args(m2, key="map")

    def norm(v: object, mid: str) -> object:
        return v.replace(mid, "MAP") if isinstance(v, str) else v

    for k in ("script", "header", "html", "key", "css_links", "js_links"):
        assert norm(args[k], args["id"]) == norm(captured[k], captured["id"]), k
    assert {k: v for k, v in args["default"].items() if k == "last_object_clicked"} == captured["default"]


def test_chart_template_gives_the_same_spec(bundle: Bundle) -> None:
    from conflictmap.dashboard import page

    wk = weekly_counts(bundle, filter_events(bundle, ViewState()))
    chart = page._weekly_chart(weekly_counts_empty()).copy(deep=False)
    chart.data = wk
    assert chart.to_dict() == page._weekly_chart(wk).to_dict()


def test_csv_export_neutralises_formulas_and_other_formats_stay_exact() -> None:
    """Issue #12 item 4: OWASP CSV injection — text cells starting with = + - @ tab CR get a leading quote."""
    from conflictmap.dashboard.data import bundle_from_frames

    fr = demo.make_dataset(6, seed=5)
    ev = fr["events"].copy()
    hostile = ['=HYPERLINK("http://x.example","clic")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
               "\tTAB", "\rCR"]
    ev["quote"] = hostile
    ev["place_name"] = ["=1+1"] * len(ev)
    ev["source"] = ["@source"] * len(ev)
    b = bundle_from_frames({**fr, "events": ev})
    idx = np.arange(len(ev))
    import csv as csv_mod

    rows = list(csv_mod.DictReader(io.StringIO(export_bytes(b, idx, "csv").decode("utf-8"), newline="")))
    csv = pd.DataFrame(rows)
    by_id = dict(zip(csv["event_id"], csv["quote"]))
    for eid, q in zip(ev["event_id"], hostile):
        assert by_id[eid] == "'" + q
    assert set(csv["place_name"]) == {"'=1+1"} and set(csv["source"]) == {"'@source"}
    assert not any(str(v).startswith(("=", "+", "-", "@", "\t", "\r")) for v in csv.to_numpy().ravel())
    assert pd.to_numeric(csv["geo_precision"]).between(1, 4).all()  # numbers stay numbers
    gj = json.loads(export_bytes(b, idx, "geojson"))
    assert sorted(f["properties"]["quote"] for f in gj["features"]) == sorted(hostile)
    gp = gpd.read_parquet(io.BytesIO(export_bytes(b, idx, "parquet")))
    assert sorted(gp["quote"]) == sorted(hostile) and set(gp["place_name"]) == {"=1+1"}


def test_confidence_filter_claimed_style_and_url(bundle: Bundle) -> None:
    from conflictmap.dashboard.filters import claimed_mask, confidence_values
    from conflictmap.dashboard.layers import EVENT_RECORD, legend_payload

    conf = pd.to_numeric(bundle.events["confidence"]).to_numpy()
    idx = filter_events(bundle, ViewState(min_confidence=0.7))
    base = filter_events(bundle, ViewState())
    assert 0 < len(idx) < len(base)
    assert set(idx.tolist()) == set(base.tolist()) & set(np.flatnonzero(conf >= 0.7 - 1e-6).tolist())
    assert np.allclose(confidence_values(bundle), conf.astype(np.float32))
    back = state_from_query(state_to_query(ViewState(min_confidence=0.7)))
    assert back.min_confidence == pytest.approx(0.7)
    assert state_from_query({"conf": "<b>x</b>"}).min_confidence == 0.0
    assert state_from_query({"conf": "7"}).min_confidence == 1.0
    assert filter_key(ViewState(min_confidence=0.7)) != filter_key(ViewState())
    claimed = bundle.events["modality"].eq("claimed").to_numpy()
    assert claimed.any() and np.array_equal(claimed_mask(bundle), claimed)
    # the map records carry both, and the legend explains the dashed outline of claimed events
    payload = build_payloads(bundle, ViewState(), threshold=10**6)
    k_claim, k_conf = EVENT_RECORD.index("claimed"), EVENT_RECORD.index("confidence")
    recs = [r for parts in payload.layers.values() for kind, js in parts if kind == "points"
            for r in json.loads(js)["ev"]]
    assert recs and {r[k_claim] for r in recs} == {0, 1}
    assert all(0 <= r[k_conf] <= 1 for r in recs)
    assert "claimed" in [k for k, _ in legend_payload("fr")["shapes"]]
