"""End to end: the seeds against the gold, the data contract, the CLI and its error paths."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
from typer.testing import CliRunner

from conflictmap.cli import app
from conflictmap.evaluate import evaluate
from conflictmap.settings import Settings
from conflictmap.store import schema

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "tests" / "data" / "seeds_gold.json"


def test_seeds_meet_the_extraction_targets(seeds_output) -> None:  # type: ignore[no-untyped-def]
    _, out = seeds_output
    s = evaluate(GOLD, out)
    assert s.place_f1 >= 0.95, s.misses
    assert s.metonymy == 1.0, s.misses
    assert s.accuracy_161km >= 0.95
    assert s.event_recall >= 0.9, s.misses
    assert s.date_accuracy >= 0.9, s.misses


def test_no_metonymic_capital_is_a_location(seeds_output) -> None:  # type: ignore[no-untyped-def]
    result, _ = seeds_output
    m = result.mentions
    for name in ("Moscou", "Washington"):
        rows = m[m.text == name]
        assert len(rows) and set(rows.role) == {"actor"}, name
    damas = m[m.text == "Damas"]
    assert "actor" in set(damas.role)  # "Damas explique", "les troupes de Damas"


def test_outputs_follow_the_data_contract(seeds_output) -> None:  # type: ignore[no-untyped-def]
    _, out = seeds_output
    for name, cols in (("mentions", schema.MENTION_COLUMNS), ("events", schema.EVENT_COLUMNS)):
        gdf = gpd.read_parquet(out / f"{name}.parquet")
        assert list(gdf.columns) == [*cols, "geometry"]
        assert gdf.crs.to_epsg() == 4326
        assert gdf.geometry.is_valid.all() and not gdf.geometry.is_empty.any()
        fc = json.loads((out / f"{name}.geojson").read_text(encoding="utf-8"))
        assert fc["type"] == "FeatureCollection" and len(fc["features"]) == len(gdf)
    mentions = gpd.read_parquet(out / "mentions.parquet")
    assert set(mentions.role) <= {"location", "actor"}
    assert set(mentions.feature_type) <= set(schema.FEATURE_TYPES)
    assert set(mentions.gazetteer) <= {"geonames", "curated", "nominatim"}
    assert mentions.confidence.between(0, 1).all()
    events = gpd.read_parquet(out / "events.parquet")
    assert set(events.category) <= set(schema.CATEGORIES)
    assert events.geo_precision.between(1, 4).all()
    arts = pd.read_parquet(out / "articles.parquet")
    # every mention and event points back into its article's cleaned text
    text = dict(zip(arts.article_id, arts.text))
    for r in mentions.itertuples():
        assert text[r.article_id][r.start:r.end] == r.text
    for r in events.itertuples():
        assert text[r.article_id][r.start:r.end] == r.quote
    assert (out / "_SUCCESS.json").exists()


def test_seed_events_match_the_stories(seeds_output) -> None:  # type: ignore[no-untyped-def]
    result, _ = seeds_output
    e = result.events
    nassib = e[(e.category == "control_change") & e.place_name.str.contains("Nassib")]
    assert len(nassib) == 1 and nassib.iloc[0].controller_after == "SYR_GOV"
    astana = e[(e.article_id.str.startswith("001")) & e.zone_id.notna()]
    assert {"astana-idlib", "astana-homs", "astana-ghouta", "astana-south"} <= set(astana.zone_id)
    assert set(astana.date) == {"2017-05-04"} or all("2017-05-03" <= d <= "2017-05-07" for d in astana.date)
    dez = e[(e.category == "control_change") & e.article_id.str.startswith("002")].iloc[0]
    assert dez.controller_after == "SYR_GOV" and dez.controller_before == "ISIS" and dez.date == "2017-09-20"
    hospital = e[(e.category == "incident") & e.article_id.str.startswith("004")]
    assert any("hôpital" in q for q in hospital.quote)


def test_cli_ingest_reports_bad_files_and_processes_the_rest(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text((REPO / "seeds" / "004_ebdb9d87783a5d6b.txt").read_text(encoding="utf-8"),
                                  encoding="utf-8")
    (src / "empty.txt").write_text("   \n", encoding="utf-8")
    (src / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 50)
    (src / "latin1.txt").write_bytes("Des combats ont éclaté près d'Alep, selon l'armée syrienne.".encode("cp1252"))
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["ingest", str(src), "--out", str(out)])
    assert res.exit_code == 1, res.output
    assert "empty.txt" in res.output and "binary.txt" in res.output
    arts = pd.read_parquet(out / "articles.parquet")
    assert sorted(arts.article_id) == ["good", "latin1"]
    assert "éclaté" in arts.set_index("article_id").text["latin1"]
    # second run: nothing changed, nothing reprocessed, same events
    ev1 = gpd.read_parquet(out / "events.parquet").event_id.tolist()
    res2 = CliRunner().invoke(app, ["ingest", str(src), "--out", str(out)])
    assert "2 unchanged" in res2.output
    assert gpd.read_parquet(out / "events.parquet").event_id.tolist() == ev1


def test_cli_eval_prints_scores(seeds_output) -> None:  # type: ignore[no-untyped-def]
    _, out = seeds_output
    res = CliRunner().invoke(app, ["eval", str(GOLD), str(out), "--json"])
    assert res.exit_code == 0
    scores = json.loads(res.output)
    assert scores["place_f1"] >= 0.95 and scores["event_recall"] >= 0.9


def test_online_geocoding_failure_falls_back_offline(pipeline, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    from conflictmap.extract.articles import Article
    from conflictmap.geo.geocoder import geocode_unresolved

    result = pipeline.process([Article("x", "Des combats ont eu lieu à Tall Zibdiyat-Qraytim, près d'Alep.")])
    if not result.unresolved_spans:
        result.unresolved_spans = [("x", "Tall Zibdiyat-Qraytim", 27, 48, "SY")]
    calls: list[str] = []

    def down(query: str, **kw: object) -> object:
        calls.append(query)
        raise OSError("network unreachable")

    console = Console(record=True, width=200)
    settings = Settings().with_(cache_dir=tmp_path)
    before = len(result.mentions)
    assert geocode_unresolved(result, settings, console=console, geocode=down) == 0
    assert len(calls) == 1  # told once, no retry storm
    assert console.export_text().count("online geocoding unavailable") == 1
    assert len(result.mentions) == before
    assert json.loads((tmp_path / "nominatim.json").read_text()) == {}  # cache stays consistent

    class Loc:
        latitude, longitude = 36.25, 37.10
        raw = {"class": "place", "type": "village", "osm_id": 42, "display_name": "Tall, Alep"}

    added = geocode_unresolved(result, settings, geocode=lambda q, **kw: Loc())
    assert added == len(result.unresolved_spans)
    assert result.mentions.iloc[-1].gazetteer == "nominatim"
    assert json.loads((tmp_path / "nominatim.json").read_text())  # cached for next time


def test_cli_with_nothing_readable_keeps_the_previous_dataset(seeds_output, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    _, out = seeds_output
    target = tmp_path / "ds"
    shutil.copytree(out, target)
    before = {p.name: p.read_bytes() for p in target.iterdir() if p.is_file()}
    res = CliRunner().invoke(app, ["ingest", str(tmp_path / "no-such-folder"), "--out", str(target)])
    assert res.exit_code == 2
    assert "no-such-folder" in res.output and "nothing written" in res.output
    assert {p.name: p.read_bytes() for p in target.iterdir() if p.is_file()} == before


def test_fingerprint_follows_data_files_and_model(tmp_path: Path) -> None:
    import shutil

    from conflictmap.extract.pipeline import pipeline_fingerprint

    data = tmp_path / "data"
    shutil.copytree(Settings().data_dir, data)
    s = Settings().with_(data_dir=data)
    fp = pipeline_fingerprint(s)
    assert fp == pipeline_fingerprint(s) and len(fp) == 16
    with (data / "actors.csv").open("a", encoding="utf-8") as fh:
        fh.write("\n")
    assert pipeline_fingerprint(s) != fp
    assert pipeline_fingerprint(s.with_(model="fr_core_news_md")) != pipeline_fingerprint(s)


def test_incremental_ingest_reanalyses_everything_after_a_pipeline_change(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from conflictmap import store
    from conflictmap.extract import pipeline as pl

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Des combats ont éclaté près de Hama le 3 mai 2016.", encoding="utf-8")
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["ingest", str(src), "--out", str(out)]).exit_code == 0
    assert store.read_success(out)["pipeline"] == pl.pipeline_fingerprint(Settings())
    again = CliRunner().invoke(app, ["ingest", str(src), "--out", str(out)])
    assert "1 unchanged" in again.output
    monkeypatch.setattr(pl, "pipeline_fingerprint", lambda settings: "0123456789abcdef")
    changed = CliRunner().invoke(app, ["ingest", str(src), "--out", str(out)])
    assert changed.exit_code == 0, changed.output
    assert "analysed again" in changed.output and "0 unchanged" in changed.output
    assert store.read_success(out)["pipeline"] == "0123456789abcdef"
