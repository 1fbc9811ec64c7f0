"""Reliability: hand-edited data files fail with one error listing every problem; no secrets;
settings from the environment or Streamlit secrets; hostile fixtures cover every injection route."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hostile_fixtures import add_hostile_article
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap import demo, store
from conflictmap.errors import DataFileError
from conflictmap.settings import DATA_DIR
from conflictmap.extract.actors import ACTOR_COLUMNS, ActorLexicon
from conflictmap.store import schema
from conflictmap.store.validate import event_problems, validate_dataset, validate_events

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
#: The curated files shipped in the package.
CURATED = DATA_DIR


@pytest.fixture(scope="module")
def events() -> gpd.GeoDataFrame:
    return demo.make_events(200, seed=4)


# --------------------------------------------------------------------------- events / datasets


def test_shipped_and_synthetic_data_validate(tmp_path: Path, events: gpd.GeoDataFrame) -> None:
    validate_dataset(DATA / "seeds")
    validate_events(DATA / "seeds" / "events.parquet")
    validate_events(DATA / "seeds" / "events.geojson")
    validate_events(events)
    d = tmp_path / "synth"
    demo.write_dataset(str(d), add_hostile_article(demo.make_dataset(300, seed=1)))
    validate_dataset(d, require_success=False)  # the dashboard's data folders have no _SUCCESS.json


def test_a_dataset_from_before_modality_still_validates(events: gpd.GeoDataFrame) -> None:
    from conflictmap.errors import DataFileError

    old = events.drop(columns=["modality", "confidence"])
    validate_events(old)  # written before the columns existed: readers fill them with None
    with pytest.raises(DataFileError, match="missing column.*'quote'"):
        validate_events(old.drop(columns=["quote"]))


def test_hand_corrupted_events_file_lists_every_problem_in_one_error(tmp_path: Path,
                                                                     events: gpd.GeoDataFrame) -> None:
    ev = events.copy()
    ev.loc[1, "event_id"] = ev.loc[0, "event_id"]  # duplicate id
    ev.loc[2, "category"] = "massacre"  # not a category
    ev.loc[3, "geometry"] = shapely.Polygon([(36, 35), (37, 36), (37, 35), (36, 36)])  # bow-tie: invalid
    ev = ev.drop(columns=["quote"])  # missing column
    ev = ev.set_crs("EPSG:3857", allow_override=True)  # wrong CRS
    path = tmp_path / "events.parquet"
    ev.to_parquet(path)
    with pytest.raises(DataFileError) as info:
        validate_events(path)
    err = info.value
    assert err.path == str(path) and str(path) in str(err)
    text = "\n".join(err.problems)
    assert len(err.problems) == 5, err.problems
    assert f"duplicate event_id (1 id(s)): {events.loc[0, 'event_id']!r} ×2" in text
    assert "category not in" in text and "'massacre'" in text
    assert "invalid geometry (1 row(s)): row 3" in text and "Self-intersection" in text
    assert "missing column(s) ['quote']" in text
    assert "CRS is EPSG:3857; expected EPSG:4326" in text


def test_every_kind_of_event_problem_is_named(events: gpd.GeoDataFrame) -> None:
    ev = events.copy()
    ev["actors"] = ev["actors"].astype(object)
    ev.loc[0, "geo_precision"] = 7
    ev.loc[1, "date"] = "31/12/2017"
    ev.loc[2, "date"] = "2017-02-30"
    ev.loc[3, "date_precision"] = "fortnight"
    ev.loc[4, "date"], ev.loc[4, "date_precision"] = "", "day"
    ev.at[5, "actors"] = "SYR_GOV,RUS"
    ev.loc[6, "geometry"] = None
    ev.loc[7, "geometry"] = shapely.Point()
    ev.loc[8, "geometry"] = shapely.Point(4_000_000, 3_000_000)  # metres labelled as degrees
    ev.loc[9, "start"], ev.loc[9, "end"] = 50, 10
    ev.loc[10, "event_id"] = ""
    problems = event_problems(ev)
    expected = ["geo_precision not an integer 1–4", "date not ISO", "date_precision not in",
                "date_precision set but date empty", "actors not a list", "missing geometry", "empty geometry",
                "outside lon/lat bounds", "offsets not 0 <= start <= end", "empty event_id"]
    for e in expected:
        assert any(e in p for p in problems), (e, problems)
    assert len(problems) == len(expected), problems
    assert any("row 1" in p and "row 2" in p for p in problems if p.startswith("date not ISO"))


def test_many_bad_rows_are_counted_not_dumped(events: gpd.GeoDataFrame) -> None:
    ev = events.copy()
    ev["category"] = "x"
    (p,) = [p for p in event_problems(ev) if p.startswith("category")]
    assert f"({len(ev)} row(s))" in p and f"and {len(ev) - 10} more" in p and len(p) < 1500


def test_unreadable_or_missing_files_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "events.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(DataFileError, match="cannot read") as info:
        validate_events(bad)
    assert info.value.path == str(bad)
    with pytest.raises(DataFileError, match="file not found"):
        validate_events(tmp_path / "nope.parquet")
    plain = tmp_path / "plain.parquet"
    pd.DataFrame({"event_id": ["a"]}).to_parquet(plain)
    with pytest.raises(DataFileError) as info:
        validate_events(plain)
    assert any("geometry" in p for p in info.value.problems) and any("no CRS" in p for p in info.value.problems)


def test_dataset_cross_checks_offsets_articles_and_manifest(tmp_path: Path) -> None:
    d = tmp_path / "out"
    frames = {k: v for k, v in demo.make_dataset(50, seed=2).items()
              if k in ("events", "articles", "mentions", "control")}
    store.write_dataset(d, frames)
    validate_dataset(d)
    arts = pd.read_parquet(d / "articles.parquet")
    first = arts.article_id.iloc[0]
    arts.loc[0, "text"] = arts.loc[0, "text"][:5]  # truncated by hand: offsets now point past the end
    arts = pd.concat([arts, arts.iloc[[1]]], ignore_index=True)  # a duplicated article row
    arts.to_parquet(d / "articles.parquet")
    ev = gpd.read_parquet(d / "events.parquet")
    ev.loc[0, "article_id"] = "ghost"
    ev.to_parquet(d / "events.parquet")
    with pytest.raises(DataFileError) as info:
        validate_dataset(d)
    err = info.value
    assert err.path == str(d)
    text = "\n".join(err.problems)
    assert "articles.parquet: duplicate article_id" in text
    assert "events.parquet: article_id not in articles.parquet" in text and "'ghost'" in text
    assert "offsets beyond the article text length" in text and first in text
    assert re.search(r"_SUCCESS.json: articles should have \d+ rows, articles.parquet has \d+", text)
    (d / "_SUCCESS.json").unlink()
    with pytest.raises(DataFileError, match="_SUCCESS.json missing"):
        validate_dataset(d)


@st.composite
def _mutation(draw: Any) -> tuple[str, Any]:
    kind = draw(st.sampled_from(["category", "geo_precision", "date", "event_id", "actors", "geometry"]))
    value = {
        "category": st.text(max_size=12).filter(lambda s: s not in schema.CATEGORIES),
        "geo_precision": st.one_of(st.integers().filter(lambda i: not 1 <= i <= 4), st.just("town"),
                                   st.floats(allow_nan=True).filter(lambda f: f != f or not 1 <= f <= 4)),
        "date": st.text(min_size=1, max_size=12).filter(
            lambda s: s.strip() and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s)),
        "event_id": st.just(None),
        "actors": st.one_of(st.text(max_size=10), st.integers(), st.lists(st.integers(), min_size=1, max_size=3)),
        "geometry": st.sampled_from([None, shapely.Point(), shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]),
                                     shapely.Point(500, 500)]),
    }[kind]
    return kind, draw(value)


_BASE = demo.make_events(20, seed=8)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(muts=st.lists(_mutation(), min_size=1, max_size=4), rows=st.lists(st.integers(0, 19), min_size=4,
                                                                           max_size=4))
def test_random_corruption_is_always_reported_never_crashes(muts: list[tuple[str, Any]], rows: list[int]) -> None:
    ev = _BASE.copy()
    for col in ("geo_precision", "actors", "event_id", "category", "date"):
        ev[col] = ev[col].astype(object)
    for (kind, value), row in zip(muts, rows):
        if kind == "geometry":
            ev.loc[row, "geometry"] = value
        else:
            ev.at[row, kind] = value
    with pytest.raises(DataFileError) as info:
        validate_events(ev)
    words = {"category": "category", "geo_precision": "geo_precision", "date": "date",
             "event_id": "event_id", "actors": "actors", "geometry": "geometry"}
    for kind, _ in muts:
        assert any(words[kind] in p for p in info.value.problems), (kind, info.value.problems)


# --------------------------------------------------------------------------- actors.csv


def _actors_csv(tmp_path: Path, rows: list[dict[str, str]], columns: list[str] = ACTOR_COLUMNS) -> Path:
    p = tmp_path / "actors.csv"
    pd.DataFrame(rows, columns=columns).to_csv(p, index=False)
    return p


def test_actors_file_missing_column(tmp_path: Path) -> None:
    cols = [c for c in ACTOR_COLUMNS if c != "side"]
    p = _actors_csv(tmp_path, [{"actor_id": "RUS", "label_fr": "Russie"}], cols)
    with pytest.raises(DataFileError) as info:
        ActorLexicon.load(p)
    assert info.value.path == str(p) and "missing column(s) ['side']" in info.value.problems[0]


def test_actors_file_lists_duplicates_bad_sides_and_empty_ids_together(tmp_path: Path) -> None:
    good = pd.read_csv(CURATED / "actors.csv", dtype=str, keep_default_na=False).to_dict("records")
    rows = good + [dict(good[0]), {**good[1], "actor_id": "NEW", "side": "rebels"}, {**good[2], "actor_id": " "}]
    p = _actors_csv(tmp_path, rows)
    with pytest.raises(DataFileError) as info:
        ActorLexicon.load(p)
    probs = info.value.problems
    assert len(probs) == 3, probs
    assert any(f"duplicate actor_id {good[0]['actor_id']!r}" in x for x in probs)
    assert any("side 'rebels' not in" in x and "NEW" in x for x in probs)
    assert any("empty actor_id" in x for x in probs)
    n = len(good) + 2
    assert any(x.startswith(f"line {n}:") for x in probs)  # line numbers point into the file


def test_shipped_data_files_load() -> None:
    from conflictmap.geo.gazetteer import read_curated
    from conflictmap.geo.zones import load_zones

    assert len(ActorLexicon.load(CURATED / "actors.csv").actors) > 10
    assert len(load_zones(CURATED / "zones.geojson")) >= 4
    assert len(read_curated(CURATED / "gazetteer_curated.csv")) > 10


# --------------------------------------------------------------------------- the dashboard's loader


def test_dashboard_shows_readable_error_for_contract_violations(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    demo.write_dataset(str(tmp_path), demo.make_dataset(60, seed=1))
    ev = gpd.read_parquet(tmp_path / "events.parquet")
    ev.loc[0, "geometry"] = shapely.Polygon([(36, 35), (37, 36), (37, 35), (36, 36)])
    ev.loc[1, "category"] = "massacre"
    ev.to_parquet(tmp_path / "events.parquet")
    monkeypatch.setenv("CONFLICTMAP_DATA", str(tmp_path))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.error and "invalid geometry" in at.error[0].value and "massacre" in at.error[0].value


# --------------------------------------------------------------------------- secrets and settings


SECRET_PATTERNS = [
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    r"AKIA[0-9A-Z]{16}",  # AWS access key id
    r"gh[pousr]_[A-Za-z0-9]{36}",  # GitHub tokens
    r"xox[baprs]-[A-Za-z0-9-]{10,}",  # Slack
    r"sk-[A-Za-z0-9]{32,}",  # OpenAI-style
    r"AIza[0-9A-Za-z_-]{35}",  # Google API key
    r"(?i)(api[_-]?key|secret|password|token)\s*[:=]\s*['\"][A-Za-z0-9/+_-]{16,}['\"]",
]


def _tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("not a git checkout")
    return [REPO / f for f in out.stdout.decode().split("\0") if f]


def test_no_secrets_in_the_repository() -> None:
    files = _tracked_files()
    names = {f.relative_to(REPO).as_posix() for f in files}
    assert not {n for n in names if n.endswith("secrets.toml") or Path(n).name in {".env", ".netrc"}
                or n.endswith((".pem", ".key", ".p12"))}, names
    pats = [re.compile(p) for p in SECRET_PATTERNS]
    hits = []
    for f in files:
        if f.suffix in {".parquet", ".png", ".jpg", ".ico", ".woff", ".woff2", ".gz"} or not f.is_file():
            continue
        if f.stat().st_size > 5_000_000:
            continue
        text = f.read_text(encoding="utf-8", errors="ignore")
        hits += [f"{f.name}: {m.group(0)[:20]}…" for p in pats for m in p.finditer(text)]
    assert hits == []


def test_geocoder_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from conflictmap.settings import Settings

    monkeypatch.setenv("CONFLICTMAP_ONLINE", "1")
    monkeypatch.setenv("CONFLICTMAP_NOMINATIM_USER_AGENT", "newsroom-map/2 (ops@example.org)")
    monkeypatch.setenv("CONFLICTMAP_NOMINATIM_URL", "nominatim.example.org")
    monkeypatch.setenv("CONFLICTMAP_GEOCODE_TIMEOUT", "2.5")
    s = Settings()
    assert (s.online, s.nominatim_user_agent, s.nominatim_url, s.geocode_timeout) == (
        True, "newsroom-map/2 (ops@example.org)", "nominatim.example.org", 2.5)


class _Secrets(dict):  # type: ignore[type-arg]
    """Mimics st.secrets (a mapping with nested tables)."""


class _NoSecrets:
    def keys(self) -> Any:
        raise FileNotFoundError("No secrets files found")


def test_streamlit_secrets_map_to_the_same_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from conflictmap import settings as S

    for env in S.SECRET_KEYS.values():
        monkeypatch.delenv(env, raising=False)
    table = _Secrets(conflictmap={"online": "true", "nominatim_user_agent": "cm-hosted/1", "geocode_timeout": 3})
    s = S.from_streamlit_secrets(table)
    assert s.online and s.nominatim_user_agent == "cm-hosted/1" and s.geocode_timeout == 3.0
    flat = _Secrets(CONFLICTMAP_ONLINE="1", CONFLICTMAP_NOMINATIM_URL="geo.example.org")
    assert S.from_streamlit_secrets(flat).nominatim_url == "geo.example.org"
    # the environment wins over secrets; no secrets file is not an error
    monkeypatch.setenv("CONFLICTMAP_NOMINATIM_USER_AGENT", "from-env/1")
    assert S.from_streamlit_secrets(table).nominatim_user_agent == "from-env/1"
    assert S.from_streamlit_secrets(_NoSecrets()) == S.Settings()
    env: dict[str, str] = {"CONFLICTMAP_NOMINATIM_USER_AGENT": "from-env/1"}
    assert S.apply_streamlit_secrets(table, env) == ["CONFLICTMAP_ONLINE", "CONFLICTMAP_GEOCODE_TIMEOUT"]
    assert env["CONFLICTMAP_ONLINE"] == "true" and env["CONFLICTMAP_NOMINATIM_USER_AGENT"] == "from-env/1"


def test_secrets_file_is_ignored_by_git() -> None:
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/secrets.toml" in ignored


# --------------------------------------------------------------------------- hostile fixtures


def test_hostile_fixture_carries_every_injection_route() -> None:
    """The browser XSS test (tests/e2e) relies on this article: it must hold all four routes."""
    fr = add_hostile_article(demo.make_dataset(5, seed=1))
    art = fr["articles"].set_index("article_id").loc["hostile01"]
    ev = fr["events"].set_index("event_id").loc["evt_hostile"]
    assert "<script>" in art["text"] and "<script>" in art["title"]
    assert "onerror=" in ev["quote"] and "onerror=" in art["source"]
    assert ev["url"].startswith("javascript:") and art["url"].startswith("javascript:")
    assert "<b onmouseover=" in ev["place_name"]
    assert json.loads(ev["sources"])[0]["url"].startswith("javascript:")
    e2e = (REPO / "tests" / "e2e" / "test_dashboard_e2e.py").read_text(encoding="utf-8")
    for needle in ("HOSTILE_IMG", "HOSTILE_PLACE", "javascript", "__cm_xss", "script"):
        assert needle in e2e, needle


def test_validation_is_fast_enough_for_the_dashboard() -> None:
    import time

    ev = demo.make_events(100_000, seed=3)
    t0 = time.perf_counter()
    validate_events(ev)
    assert time.perf_counter() - t0 < 5  # ~0.3 s here; once per data load (cached)
    assert np.all(ev["geo_precision"].between(1, 4))
