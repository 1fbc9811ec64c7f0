"""Real-browser tests: Chromium drives the dashboard with every non-local request blocked."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from hostile_fixtures import HOSTILE_ACTOR, HOSTILE_AREA, HOSTILE_HELD, HOSTILE_IMG, HOSTILE_PLACE, HOSTILE_ZONE

from .conftest import LONG_EVENT, OUT, UNDATED, Server, Tab

pytestmark = pytest.mark.browser

STATS_JS = "() => (window.map && window.cmLib) ? window.cmLib.stats(window.map) : null"


def map_frame(tab: Tab, timeout: float = 45) -> Any:
    """The streamlit-folium iframe once the map and its data layers are drawn."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for f in tab.page.frames:
            if "streamlit_folium" in f.url:
                try:
                    s = f.evaluate(STATS_JS)
                except Exception:  # noqa: BLE001 - frame still loading
                    s = None
                if s and "outline" in s and any(k.startswith(("events", "control", "held", "zones")) for k in s):
                    return f
        tab.page.wait_for_timeout(200)  # lets Playwright dispatch route/dialog events
    raise AssertionError(f"map not drawn within {timeout}s; blocked={tab.blocked[:5]}")


def stats(frame: Any) -> dict[str, int]:
    return dict(frame.evaluate(STATS_JS) or {})


def wait_stats_change(tab: Tab, frame: Any, old: dict[str, int], timeout: float = 30) -> dict[str, int]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = stats(frame)
        if s and s != old:
            tab.page.wait_for_timeout(700)  # let a following rerun settle
            return stats(frame)
        tab.page.wait_for_timeout(200)
    raise AssertionError(f"map features did not change from {old}")


def pick_actor(tab: Tab, frame: Any, label: str, typed: str, before: dict[str, int]) -> dict[str, int]:
    """Choose an actor in the multiselect called ``label`` by typing ``typed``; wait for the map and the URL."""
    page = tab.page
    ms = page.get_by_test_id("stMultiSelect").filter(has_text=label)
    ms.locator("input").click()
    page.keyboard.type(typed)
    page.get_by_role("option", name=re.compile("^" + typed)).first.click()
    page.keyboard.press("Escape")
    after = wait_stats_change(tab, frame, before)
    page.wait_for_function("() => location.search.includes('actor=RUS')", timeout=10_000)
    return after


def events_metric(tab: Tab) -> str:
    m = tab.page.get_by_test_id("stMetric").filter(has_text="Événements").first
    return m.get_by_test_id("stMetricValue").inner_text()


def test_map_draws_offline_from_local_assets(open_tab: Any, server: Server) -> None:
    tab = open_tab()
    tab.page.goto(server.url)
    frame = map_frame(tab)
    s = stats(frame)
    assert s["outline"] == 8  # Syria + neighbours, from static/outline.geojson
    assert s["zones"] == 5  # four zones + the hostile fixture's
    assert s.get("events", 0) + s.get("events_areas", 0) > 100
    assert s.get("control", 0) + s.get("control_areas", 0) > 0 and s["held"] > 0
    # drawn in the DOM: zone / area paths, markers or clusters
    assert frame.locator("path.leaflet-interactive").count() > 4
    assert frame.locator(".leaflet-marker-icon").count() > 5
    # Leaflet and plugins came from the app's own static folder, nothing else was needed
    assert any(u.endswith("/app/static/vendor/leaflet/leaflet.js") for u in tab.requests)
    assert any("leaflet.markercluster.js" in u for u in tab.requests)
    assert all("basemaps.cartocdn.com" in u for u in tab.blocked), tab.blocked  # only tiles were refused
    assert tab.page.get_by_text("Erreur").count() == 0
    OUT.mkdir(exist_ok=True)
    tab.page.wait_for_timeout(500)
    tab.page.screenshot(path=str(OUT / "dashboard.png"), full_page=False)
    assert (OUT / "dashboard.png").stat().st_size > 10_000


def test_time_slider_and_actor_filter_change_the_map_and_the_url_reproduces_it(open_tab: Any,
                                                                              server: Server) -> None:
    tab = open_tab()
    page = tab.page
    page.goto(server.url)
    frame = map_frame(tab)
    s0 = stats(frame)

    # drag the end of the date-range slider to ~40 % of the span
    slider = page.get_by_test_id("stSlider").first
    thumbs = slider.locator("input[type=range]").locator("xpath=../..")  # the draggable thumbs
    end_box = thumbs.nth(1).bounding_box()
    start_box = thumbs.nth(0).bounding_box()
    assert end_box and start_box
    y = end_box["y"] + end_box["height"] / 2
    page.mouse.move(end_box["x"] + end_box["width"] / 2, y)
    page.mouse.down()
    target = start_box["x"] + 0.4 * (end_box["x"] - start_box["x"])
    page.mouse.move(target, y, steps=8)
    page.mouse.up()
    s1 = wait_stats_change(tab, frame, s0)
    assert s1.get("zones", 0) <= s0["zones"]
    n1 = sum(v for k, v in s1.items() if k.startswith("events"))
    assert n1 < sum(v for k, v in s0.items() if k.startswith("events"))
    page.wait_for_function("() => location.search.includes('to=')", timeout=10_000)

    # choose an actor by its readable label
    s2 = pick_actor(tab, frame, "Acteurs", "Russie", s1)
    q = parse_qs(urlparse(page.url).query)
    assert q["actor"] == ["RUS"] and "to" in q
    metric = events_metric(tab)

    # the address reproduces the same view for someone else
    other = open_tab()
    other.page.goto(page.url)
    f2 = map_frame(other)
    assert stats(f2) == s2
    assert events_metric(other) == metric


def test_popup_shows_escaped_text_and_injected_script_never_runs(open_tab: Any, server: Server) -> None:
    tab = open_tab()
    page = tab.page
    page.goto(server.url + "?from=2018-03-01&to=2018-03-31")
    frame = map_frame(tab)
    marker = frame.evaluate_handle("""() => new Promise((resolve) => {
        for (const layer of window.cmLib.layers(window.map)) {
            if (layer.cmKind !== 'events' || !layer.cmMarkers) continue;
            const m = layer.cmMarkers.find((x) => x.cmEvent === 'evt_hostile');
            const group = window.cmLib.cluster(window.map);
            if (m) { group.zoomToShowLayer(m, () => resolve(m._icon)); return; }
        }
        resolve(null);
    })""")
    el = marker.as_element()
    assert el is not None, "hostile event marker not drawn"
    frame.wait_for_timeout(400)
    el.click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(state="visible", timeout=10_000)
    text = popup.inner_text()
    assert "Des tirs ont visé" in text and "Bombardement" in text
    assert HOSTILE_IMG in text and HOSTILE_PLACE in text  # shown as text
    assert popup.locator("img, script, iframe, svg").count() == 0
    assert not popup.evaluate(
        "el => [...el.querySelectorAll('*')].some(n => [...n.attributes].some(a => a.name.startsWith('on')))")
    assert popup.locator("a[href^='javascript']").count() == 0
    # clicking the marker opens its provenance panel and article next to the map (Streamlit rerun)
    page.get_by_text("Titre piégé", exact=False).first.wait_for(timeout=20_000)
    reader = page.locator(".cm-article").first
    assert "<script>" in reader.inner_text()
    assert page.locator(".cm-article script, .cm-article img, .cm-article b, .cm-article a").count() == 0
    prov = page.locator(".cm-prov").first.inner_text()
    assert "Bombardement" in prov and "Média" in prov and "Publié le" in prov and "lieu précis" in prov
    # the event's sentence is scrolled into view inside the reader box
    sel = page.locator(".cm-article mark#cm-sel")
    sel.wait_for(timeout=10_000)
    page.wait_for_function("""() => { const m = document.querySelector('.cm-article mark#cm-sel');
        const b = m && m.closest('.cm-article'); if (!b) return false;
        const r = m.getBoundingClientRect(), q = b.getBoundingClientRect();
        return r.top >= q.top - 1 && r.top < q.bottom; }""", timeout=10_000)
    # the map stayed in place (same frame: not re-mounted) and takes the left part
    assert frame.evaluate("() => !!window.map")
    page.mouse.move(10, 10)
    page.wait_for_timeout(800)
    assert tab.dialogs == []
    for f in page.frames:
        assert f.evaluate("() => window.__cm_xss === undefined"), f.url
    q = parse_qs(urlparse(page.url).query)
    assert q.get("event") == ["evt_hostile"] and q.get("article") == ["hostile01"]


OPEN_TOOLTIPS_JS = """() => {
    const texts = [];
    window.map.eachLayer((l) => {
        if (l.getTooltip && l.getTooltip()) {
            l.openTooltip();
            const el = l.getTooltip().getElement();
            if (el) { texts.push(el.textContent); }
        }
    });
    return texts;
}"""


def test_tooltips_show_hostile_names_as_text_and_run_nothing(open_tab: Any, server: Server) -> None:
    """Issue #12 item 2: zone, actor, controller and place names reach tooltips as text only."""
    tab = open_tab()
    page = tab.page
    page.goto(server.url + "?from=2016-01-01&to=2019-12-31")
    frame = map_frame(tab)
    texts = frame.evaluate(OPEN_TOOLTIPS_JS)
    joined = "\n".join(texts)
    for hostile in (HOSTILE_ZONE, HOSTILE_AREA, HOSTILE_HELD, HOSTILE_ACTOR):
        assert hostile in joined, (hostile, texts[:5])  # shown literally
    assert frame.locator(".leaflet-tooltip img, .leaflet-tooltip script").count() == 0
    page.wait_for_timeout(1000)  # an <img src=x onerror> fires once its request fails
    assert tab.dialogs == []
    for f in page.frames:
        assert f.evaluate("() => window.__cm_xss === undefined"), f.url


def visible_share(page: Any, locator: Any) -> float:
    """Share of the viewport covered by ``locator`` (its visible part)."""
    vp = page.viewport_size
    bb = locator.bounding_box()
    assert bb, "element not laid out"
    w = max(0.0, min(bb["x"] + bb["width"], vp["width"]) - max(bb["x"], 0))
    h = max(0.0, min(bb["y"] + bb["height"], vp["height"]) - max(bb["y"], 0))
    return w * h / (vp["width"] * vp["height"])


MAP_IFRAME = "iframe[title='streamlit_folium.st_folium']"


def test_first_view_map_first_counts_every_event_explains_every_mark_and_plays(open_tab: Any,
                                                                               server: Server) -> None:
    """Issue #13: map share, undated count, complete legend, Play from the default view."""
    tab = open_tab(1400, 1000)
    page = tab.page
    page.goto(server.url)
    frame = map_frame(tab)
    page.wait_for_timeout(800)
    share = visible_share(page, page.locator(MAP_IFRAME).first)
    assert share >= 0.60, share
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "dashboard-1400x1000.png"))
    # every event is accounted for: "N événements sur M affichés · 3 non daté(s), masqué(s)"
    status = page.locator(".cm-status").first
    assert status.get_attribute("data-undated") == str(UNDATED)
    text = status.inner_text()
    assert f"{UNDATED} non daté(s)" in text and "sur" in text
    total = int(status.get_attribute("data-total"))
    shown = int(status.get_attribute("data-shown"))
    assert shown + UNDATED == total
    # the legend explains sides, every icon and every shape drawn (and it is in view)
    rows = frame.locator(".cm-legend .cm-lg-row")
    kinds = [rows.nth(i).get_attribute("data-kind") for i in range(rows.count())]
    assert kinds.count("side") == 8 and kinds.count("icon") == 16
    for shape in ("precise", "near", "area", "ring", "zone", "cluster", "upload", "undated", "selected"):
        assert f"shape-{shape}" in kinds, shape
    assert frame.locator(".cm-legend details[open]").count() == 1
    legend_box = frame.locator(".cm-legend").first.bounding_box()
    assert legend_box and legend_box["y"] < 1000
    # Play from the default view (the window covers everything) starts from the beginning
    s0 = stats(frame)
    page.get_by_test_id("stSidebar").get_by_text("▶ Lecture").click()
    s1 = wait_stats_change(tab, frame, s0, timeout=20)
    assert s1 != s0
    page.wait_for_function("() => location.search.includes('to=')", timeout=10_000)
    page.get_by_test_id("stSidebar").get_by_text("▶ Lecture").click()  # stop
    assert tab.dialogs == []


def test_reader_scrolls_to_the_sentence_of_a_long_article(open_tab: Any, server: Server) -> None:
    """Issue #13: the selected sentence is visible inside the reader, even 80 paragraphs down."""
    tab = open_tab(1400, 1000)
    page = tab.page
    page.goto(server.url + f"?event={LONG_EVENT}")
    map_frame(tab)
    page.locator(".cm-article mark#cm-sel").wait_for(timeout=20_000)
    page.wait_for_function("""() => { const m = document.querySelector('.cm-article mark#cm-sel');
        const b = m && m.closest('.cm-article'); if (!b || b.scrollTop < 100) return false;
        const r = m.getBoundingClientRect(), q = b.getBoundingClientRect();
        return r.top >= q.top - 1 && r.bottom <= q.bottom + 1; }""", timeout=15_000)
    # other highlights are dimmed, the selected one stands out
    assert page.locator(".cm-article mark.cm-selected").count() >= 1
    assert "Sources (1)" in page.locator(".cm-prov").first.inner_text()
    page.screenshot(path=str(OUT / "dashboard-reader-1400x1000.png"))


def test_english_labels_actor_search_and_transliterated_search(open_tab: Any, server: Server) -> None:
    """Issue #13: lang=en changes the labels; English actor names and folded spellings are found."""
    tab = open_tab(1280, 720, locale="fr-FR")
    page = tab.page
    page.goto(server.url + "?lang=en")
    frame = map_frame(tab)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Actors", exact=True).wait_for(timeout=30_000)  # the whole page is drawn
    page.locator(".cm-status").first.wait_for(timeout=30_000)
    assert sidebar.get_by_text("Actors", exact=True).count() == 1
    assert sidebar.get_by_text("Acteurs", exact=True).count() == 0
    assert page.get_by_test_id("stMetric").filter(has_text="Events").count() >= 1
    assert "undated" in page.locator(".cm-status").first.inner_text()
    assert frame.locator(".cm-legend summary").inner_text().strip() == "Legend"
    page.screenshot(path=str(OUT / "dashboard-1280x720-en.png"))
    s0 = stats(frame)
    s1 = pick_actor(tab, frame, "Actors", "Russia", s0)
    # a transliteration the data does not use finds the place ("Deir ez-Zor" in the data)
    box = page.get_by_test_id("stTextInput").filter(has_text="Search").locator("input")
    box.fill("Deir Ezzor")
    box.press("Enter")
    wait_stats_change(tab, frame, s1)
    page.wait_for_function("() => location.search.includes('q=Deir')", timeout=10_000)
    shown = int(page.locator(".cm-status").first.get_attribute("data-shown"))
    assert shown > 0
    assert "lang=en" in page.url


def test_shared_centre_and_zoom_restored_and_a_stack_spiderfies(open_tab: Any, server: Server) -> None:
    """Issue #13: c= and z= in the URL restore the view; a stack of events at one spot unfolds on click."""
    tab = open_tab(1920, 1080)
    page = tab.page
    page.goto(server.url + "?c=33.5580,36.3650&z=12")
    frame = map_frame(tab)
    frame.wait_for_function("() => window.map.getZoom() === 12", timeout=15_000)
    c = frame.evaluate("() => window.map.getCenter()")
    assert abs(c["lat"] - 33.558) < 0.01 and abs(c["lng"] - 36.365) < 0.01
    page.screenshot(path=str(OUT / "dashboard-1920x1080.png"))
    page.wait_for_timeout(1500)  # let the map settle (clusters are redrawn after each move)
    n_stack = frame.evaluate("""() => {
        const g = window.cmLib.cluster(window.map);
        let best = null;
        g._featureGroup.eachLayer((l) => {
            if (!l.getAllChildMarkers || !l._icon) return;
            const ms = l.getAllChildMarkers(), p = ms[0].getLatLng();
            if (ms.length > 2 && ms.every((m) => m.getLatLng().equals(p)) && (!best || ms.length > best.n)) {
                best = {n: ms.length, layer: l};
            }
        });
        if (!best) return 0;
        if (Number(best.layer._icon.textContent) !== best.n) return -best.n;  // the bubble must show the count
        best.layer._icon.dispatchEvent(new MouseEvent('click', {bubbles: true}));
        return best.n;
    }""")
    assert n_stack > 2, f"no stack of events at one spot (or a wrong count): {n_stack}"
    frame.wait_for_function("() => !!window.cmLib.cluster(window.map)._spiderfied", timeout=10_000)
    legs = frame.evaluate("() => window.cmLib.cluster(window.map)._spiderfied.getAllChildMarkers().length")
    assert legs == n_stack  # the count on the bubble is the number of events unfolded
    # pan the map as a user would: the new view is written to the address
    frame.evaluate("() => window.map.setView([33.6, 36.4], 11)")
    # the view moved by the user is written to the address
    page.wait_for_function("() => location.search.includes('z=11')", timeout=10_000)
    # reset returns to the whole country (zoom included) and clears the address
    page.get_by_test_id("stSidebar").get_by_role("button", name="Réinitialiser la vue").click()
    frame.wait_for_function("() => window.map.getZoom() <= 7", timeout=15_000)
    page.wait_for_function("() => !location.search.includes('z=')", timeout=10_000)


def test_phone_shows_the_map_first(open_tab: Any, server: Server) -> None:
    tab = open_tab(390, 844, mobile=True)
    page = tab.page
    page.goto(server.url)
    map_frame(tab)
    bb = page.locator(MAP_IFRAME).first.bounding_box()
    assert bb and bb["y"] < 250, bb
    page.screenshot(path=str(OUT / "dashboard-phone-390x844.png"))
