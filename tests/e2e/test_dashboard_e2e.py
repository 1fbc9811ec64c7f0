"""Real-browser tests: Chromium drives the dashboard with every non-local request blocked."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from hostile_fixtures import HOSTILE_ACTOR, HOSTILE_AREA, HOSTILE_HELD, HOSTILE_IMG, HOSTILE_PLACE, HOSTILE_ZONE

from .conftest import OUT, Server, Tab

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
                if s and "outline" in s and len(s) > 1:
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
    ms = page.get_by_test_id("stMultiSelect").filter(has_text="Acteurs")
    ms.locator("input").click()
    page.keyboard.type("Russie")
    page.get_by_role("option", name=re.compile("^Russie")).first.click()
    page.keyboard.press("Escape")
    s2 = wait_stats_change(tab, frame, s1)
    page.wait_for_function("() => location.search.includes('actor=RUS')", timeout=10_000)
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
            if (layer.cmKind !== 'events' || !layer.getLayers) continue;
            const m = layer.getLayers().find((x) => x.cmEvent === 'evt_hostile');
            if (m) { layer.zoomToShowLayer(m, () => resolve(m._icon)); return; }
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
    # clicking the marker opens its article next to the map (Streamlit rerun)
    page.get_by_text("Titre piégé", exact=False).first.wait_for(timeout=20_000)
    reader = page.locator(".cm-article").first
    assert "<script>" in reader.inner_text()
    assert page.locator(".cm-article script, .cm-article img, .cm-article b, .cm-article a").count() == 0
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
