"""Scale: serial = n_process = Dask; incremental re-ingest; atomic writes; the month-partitioned archive;
the cold-start regex cache."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from conflictmap import store
from conflictmap.store import archive

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


def event_keys(events: pd.DataFrame) -> list[tuple]:
    return sorted(zip(events["event_id"], events["category"], events["place_id"], events["date"].fillna("")))


def mention_keys(mentions: pd.DataFrame) -> list[tuple]:
    return sorted(zip(mentions["article_id"], mentions["start"], mentions["end"], mentions["place_id"],
                      mentions["role"]))


def assert_same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert event_keys(a.events) == event_keys(b.events)
    assert mention_keys(a.mentions) == mention_keys(b.mentions)
    assert list(a.articles["article_id"]) == list(b.articles["article_id"])
    assert list(a.articles["content_hash"]) == list(b.articles["content_hash"])
    cols = [c for c in a.events.columns if c != "geometry"]
    pd.testing.assert_frame_equal(a.events[cols].reset_index(drop=True), b.events[cols].reset_index(drop=True))
    assert a.events.geometry.geom_equals_exact(b.events.geometry, tolerance=1e-9).all()
    assert len(a.reports) == len(b.reports) and len(a.control) == len(b.control)


# --------------------------------------------------------------------------- serial vs n_process vs Dask


def test_n_process_same_as_serial(pipeline, seeds_output, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    serial, _ = seeds_output
    assert len(serial.events) > 0
    # small batches so that both worker processes really get work (5 articles)
    monkeypatch.setattr(pipeline, "settings", pipeline.settings.with_(batch_size=2))
    calls: list[tuple[int, int]] = []
    par = pipeline.run_paths([SEEDS], n_process=2, progress=lambda d, t: calls.append((d, t)))
    assert_same(serial, par)
    assert calls == [(i, 5) for i in range(1, 6)]  # the progress bar counts every article once, in order


def test_effective_n_process() -> None:
    from conflictmap.extract.pipeline import effective_n_process

    cpus = os.cpu_count() or 1
    assert effective_n_process(1, 1000, 32) == 1
    assert effective_n_process(8, 1, 32) == 1  # one article: no worker processes
    assert effective_n_process(2, 1000, 32) == min(2, cpus)
    assert effective_n_process(0, 1000, 32) == cpus
    assert effective_n_process(-1, 10, 2) == min(cpus, 5)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_dask_local_cluster_same_as_serial(seeds_output) -> None:  # type: ignore[no-untyped-def]
    from conflictmap.extract.distributed import run_distributed
    from conflictmap.settings import Settings

    serial, out = seeds_output
    calls: list[tuple[int, int]] = []
    dist = run_distributed([SEEDS], Settings(), scheduler="local", n_workers=2,
                           progress=lambda d, t: calls.append((d, t)))
    assert_same(serial, dist)
    assert calls[-1] == (5, 5) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert dist.unresolved == serial.unresolved


def test_batches_keep_order() -> None:
    from conflictmap.extract.distributed import batches

    items = list(range(103))
    parts = batches(items, n_workers=2)  # type: ignore[arg-type]
    assert [x for p in parts for x in p] == items
    assert len(parts) >= 8 and max(map(len, parts)) <= 64
    assert batches([], 2) == []


# --------------------------------------------------------------------------- incremental


def test_incremental_reingest_processes_nothing(pipeline, seeds_output, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first, out = seeds_output
    seen: list[int] = []
    real = pipeline.analyse

    def spy(articles, *a, **k):  # type: ignore[no-untyped-def]
        seen.append(len(articles))
        return real(articles, *a, **k)

    monkeypatch.setattr(pipeline, "analyse", spy)
    again = pipeline.run_paths([SEEDS], previous=store.read_dataset(out))
    assert again.skipped == 5
    assert seen == [0]
    assert_same(first, again)


def test_incremental_distributed_starts_no_cluster(seeds_output, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from conflictmap.extract import distributed
    from conflictmap.settings import Settings

    first, out = seeds_output

    def no_cluster(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("nothing changed: no cluster should be started")

    monkeypatch.setattr(distributed, "_client", no_cluster)
    again = distributed.run_distributed([SEEDS], Settings(), previous=store.read_dataset(out))
    assert again.skipped == 5
    assert event_keys(again.events) == event_keys(first.events)


def test_incremental_changed_article_is_reprocessed(pipeline, seeds_output, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first, out = seeds_output
    folder = tmp_path / "seeds"
    folder.mkdir()
    for p in sorted(SEEDS.glob("*.txt")):
        (folder / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    changed = sorted(folder.glob("*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nUn paragraphe ajouté.\n", encoding="utf-8")
    seen: list[list[str]] = []
    real = pipeline.analyse
    monkeypatch.setattr(pipeline, "analyse",
                        lambda arts, *a, **k: (seen.append([x.article_id for x in arts]), real(arts, *a, **k))[1])
    again = pipeline.run_paths([folder], previous=store.read_dataset(out))
    assert again.skipped == 4
    assert seen == [[changed.stem]]
    assert list(again.articles["article_id"]) == list(first.articles["article_id"])


# --------------------------------------------------------------------------- atomic writes


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def test_interrupted_write_keeps_previous_dataset(seeds_output, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    result, _ = seeds_output
    out = tmp_path / "out"
    store.write_dataset(out, result.frames())
    before = _snapshot(out)
    smaller = {k: v.iloc[:1] for k, v in result.frames().items()}

    # 1. crash while the new files are being written (staging phase): the 3rd frame fails
    import geopandas as gpd

    count = {"n": 0}

    def failing(real):  # type: ignore[no-untyped-def]
        def to_parquet(self, *a, **k):  # type: ignore[no-untyped-def]
            count["n"] += 1
            if count["n"] == 3:
                raise OSError("disk full (simulated)")
            return real(self, *a, **k)
        return to_parquet

    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing(pd.DataFrame.to_parquet))
    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", failing(gpd.GeoDataFrame.to_parquet))
    with pytest.raises(OSError, match="simulated"):
        store.write_dataset(out, smaller)
    monkeypatch.undo()
    assert _snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]

    # 2. crash in the middle of the swap (after the first file was renamed into place): never a mix —
    #    the writer either keeps the previous dataset or completes the new one, and says which in _SUCCESS.json
    real_replace = os.replace
    calls = {"n": 0}

    def failing_replace(src, dst, *a, **k):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("killed (simulated)")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated"):
        store.write_dataset(out, smaller)
    monkeypatch.undo()
    store.recover_dataset(out)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    rows = json.loads((out / "_SUCCESS.json").read_text())["rows"]
    frames = store.read_dataset(out)
    assert {k: len(v) for k, v in frames.items()} == rows  # complete and consistent
    if _snapshot(out) != before:
        assert rows == {k: len(v) for k, v in smaller.items()}  # rolled forward to the new dataset


def test_interrupted_archive_write_keeps_previous(seeds_output, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    result, _ = seeds_output
    archive.write_events_archive(tmp_path, result.events)
    months = archive.archive_months(tmp_path)
    real = pq.write_table
    n = {"n": 0}

    def failing(*a, **k):  # type: ignore[no-untyped-def]
        n["n"] += 1
        if n["n"] == 2:
            raise OSError("simulated")
        return real(*a, **k)

    monkeypatch.setattr(pq, "write_table", failing)
    with pytest.raises(OSError):
        archive.write_events_archive(tmp_path, result.events.iloc[::-1])
    monkeypatch.undo()
    assert archive.archive_months(tmp_path) == months
    assert len(archive.read_events_window(tmp_path)) == len(result.events)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    # a crash between the two renames of the swap: the next read puts the old folder back
    os.replace(tmp_path / archive.ARCHIVE_NAME, tmp_path / f".{archive.ARCHIVE_NAME}.old-test")
    assert len(archive.read_events_window(tmp_path)) == len(result.events)
    assert (tmp_path / archive.ARCHIVE_NAME).is_dir()


# --------------------------------------------------------------------------- month-partitioned archive


def test_archive_round_trip_and_windows(seeds_output, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import geopandas as gpd

    result, _ = seeds_output
    ev = result.events
    path = archive.write_events_archive(tmp_path, ev)
    months = archive.archive_months(tmp_path)
    expected = ev["date"].map(archive.month_of).value_counts().to_dict()
    assert months == expected
    for m in months:
        assert re.fullmatch(r"\d{4}-\d{2}|undated", m)
        assert (path / f"month={m}" / "part-0.parquet").exists()
    full = archive.read_events_window(tmp_path)
    assert event_keys(full) == event_keys(ev)
    assert full.crs is not None and full.crs.to_epsg() == 4326
    ref = ev.set_index("event_id").loc[full["event_id"]]
    assert full.geometry.geom_equals_exact(gpd.GeoSeries(ref.geometry.values, crs=4326), tolerance=1e-9).all()

    dated = ev[ev["date"].map(archive.month_of) != archive.UNDATED]
    dates = sorted(dated["date"])
    lo, hi = dates[len(dates) // 4], dates[(3 * len(dates)) // 4]
    win = archive.read_events_window(tmp_path, lo, hi)
    want = dated[(dated["date"] >= lo) & (dated["date"] <= hi)]
    assert event_keys(win) == event_keys(want) and len(win) > 0
    with_undated = archive.read_events_window(tmp_path, lo, hi, include_undated=True)
    assert len(with_undated) == len(want) + int(months.get(archive.UNDATED, 0))
    assert len(archive.read_events_window(tmp_path, "1990-01-01", "1990-12-31")) == 0
    # every partition file is a standalone GeoParquet file
    one = next(path.glob("month=*/part-0.parquet"))
    assert gpd.read_parquet(one).crs.to_epsg() == 4326


def test_archive_window_prunes_partitions(seeds_output, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Predicate push-down: a window touches only its months' files."""
    import pyarrow.dataset as ds

    result, _ = seeds_output
    archive.write_events_archive(tmp_path, result.events)
    data = archive._dataset(tmp_path)
    months = sorted(m for m in archive.archive_months(tmp_path) if m != archive.UNDATED)
    m = months[0]
    frags = list(data.get_fragments(filter=(ds.field("month") >= m) & (ds.field("month") <= m)))
    assert [Path(f.path).parent.name for f in frags] == [f"month={m}"]


def test_archive_empty_and_null_columns(seeds_output, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result, _ = seeds_output
    archive.write_events_archive(tmp_path, result.events.iloc[:0])
    assert len(archive.read_events_window(tmp_path)) == 0
    assert len(archive.read_events_window(tmp_path, "2017-01-01", "2017-12-31")) == 0
    ev = result.events.copy()
    ev["zone_id"] = None  # all-null in some months and not others must still give one schema
    archive.write_events_archive(tmp_path, ev)
    assert len(archive.read_events_window(tmp_path)) == len(ev)


def test_cli_ingest_writes_archive(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from conflictmap.cli import app

    one = tmp_path / "in"
    one.mkdir()
    src = sorted(SEEDS.glob("*.txt"))[0]
    (one / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    r = CliRunner().invoke(app, ["ingest", str(one), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "_SUCCESS.json").exists()
    assert (tmp_path / "out" / archive.ARCHIVE_NAME / "_SUCCESS.json").exists()
    assert len(archive.read_events_window(tmp_path / "out")) == len(store.read_dataset(tmp_path / "out")["events"])


# --------------------------------------------------------------------------- cold start


def test_regex_cache_builds_identical_patterns(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import re as re_mod
    from re import _compiler  # type: ignore[attr-defined]

    from conflictmap.extract import coldstart

    monkeypatch.setattr(coldstart, "_primed", {})
    pat = r"(?iu)^(?P<w>[a-zé]+)[-'](?:l[ae]|d[eu])?(\d+)?$|^é?tats[-‐]uni[a-z]*$"
    assert coldstart.prime_pattern(pat, tmp_path) == "miss"
    coldstart._primed.clear()
    assert coldstart.prime_pattern(pat, tmp_path) == "hit"
    planted = re_mod.compile(pat)
    assert planted is coldstart._primed[pat, 0]
    assert planted == _compiler.compile(pat, 0)  # Pattern equality compares the sre bytecode
    assert planted.groupindex == {"w": 1}
    for s in ["États-Unis", "etats-unies", "entr'la12", "x", "Saut-de"]:
        assert bool(planted.match(s)) == bool(_compiler.compile(pat, 0).match(s))
    # a corrupt cache file is ignored and rewritten
    coldstart._primed.clear()
    f = next((tmp_path / "regex").glob("re-*.pkl"))
    f.write_bytes(b"garbage")
    assert coldstart.prime_pattern(pat, tmp_path) == "miss"


def test_regex_cache_gives_the_models_tokenizer(pipeline) -> None:  # type: ignore[no-untyped-def]
    """The token_match spaCy uses (rebuilt from the cache) is the pattern a fresh compile gives."""
    from re import _compiler  # type: ignore[attr-defined]

    pat = pipeline.nlp.tokenizer.token_match.__self__
    assert len(pat.pattern) > 100_000
    assert pat == _compiler.compile(pat.pattern, 0)  # same bytecode (a ~4 s compile)
    doc = pipeline.nlp.make_doc("Les États-Unis et l'entr'acte à New-York, aujourd'hui.")
    assert "États-Unis" in [t.text for t in doc]
