"""Faults: killed and interrupted writes, a full disk, re-ingest, an unreachable or slow geocoder.

Every test asserts outcomes: the previous dataset is complete and byte-for-byte
the same, a re-run gives the same events as a clean run with no duplicates,
the user gets one clear line instead of a traceback.
"""

from __future__ import annotations

import errno
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from conflictmap import demo, store
from conflictmap.cli import app
from conflictmap.settings import Settings
from conflictmap.store.validate import validate_dataset

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
PY = sys.executable

# A writer process: store.write_dataset of a synthetic dataset, with an optionally slow disk.
DRIVER = textwrap.dedent("""
    import os, sys, time
    import geopandas as gpd, pandas as pd
    from conflictmap import store
    from conflictmap import demo

    target, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    frames = {k: v for k, v in demo.make_dataset(n, seed=5).items()
              if k in ("events", "articles", "mentions", "control")}
    if mode == "slow-write":          # every file takes a second to land in the staging folder
        for cls in (gpd.GeoDataFrame, pd.DataFrame):
            orig = cls.to_parquet
            def slow(self, *a, _orig=orig, **k):
                r = _orig(self, *a, **k)
                time.sleep(1.0)
                return r
            cls.to_parquet = slow
    elif mode == "slow-swap":         # the renames into place take a second each
        real = os.replace
        def slow_replace(src, dst, _real=real):
            _real(src, dst)
            time.sleep(1.0)
        os.replace = slow_replace
    print("writing", flush=True)
    store.write_dataset(target, frames)
    print("done", flush=True)
""")


def _snapshot(d: Path) -> dict[str, bytes]:
    """Every file of a dataset folder (top level) → bytes."""
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


def _staging(d: Path) -> list[Path]:
    return sorted(d.glob(".staging-*"))


def _assert_complete(d: Path) -> dict[str, pd.DataFrame]:
    """The dataset is readable, validates, and ``_SUCCESS.json`` matches every file's rows."""
    validate_dataset(d)
    meta = json.loads((d / "_SUCCESS.json").read_text(encoding="utf-8"))
    frames = store.read_dataset(d)
    assert {n: len(f) for n, f in frames.items()} == meta["rows"]
    for f in meta["files"]:
        assert (d / f).exists(), f
    ev = frames["events"]
    assert not ev["event_id"].duplicated().any()
    return frames


def _wait(cond: Any, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while not cond():
        if proc.poll() is not None:
            output = proc.stdout.read() if proc.stdout else b""
            raise AssertionError(f"writer exited early ({proc.returncode}): {output!r}")
        if time.time() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError("condition not reached")
        time.sleep(0.02)


@pytest.fixture()
def old_dataset(tmp_path: Path) -> Path:
    """A complete dataset (different content from what the faulty run writes)."""
    out = tmp_path / "out"
    frames = {k: v for k, v in demo.make_dataset(60, seed=1).items()
              if k in ("events", "articles", "mentions", "control")}
    store.write_dataset(out, frames)
    return out


def _driver(tmp_path: Path, target: Path, mode: str, n: int = 1500) -> subprocess.Popen[bytes]:
    script = tmp_path / "driver.py"
    script.write_text(DRIVER, encoding="utf-8")
    return subprocess.Popen([PY, str(script), str(target), mode, str(n)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, cwd=REPO)


# --------------------------------------------------------------------------- (a) SIGKILL


def test_sigkill_while_writing_keeps_previous_dataset_and_rerun_completes(tmp_path: Path,
                                                                          old_dataset: Path) -> None:
    before = _snapshot(old_dataset)
    old_ids = set(store.read_dataset(old_dataset)["events"]["event_id"])
    proc = _driver(tmp_path, old_dataset, "slow-write")
    _wait(lambda: any(any(s.iterdir()) for s in _staging(old_dataset)), proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert _staging(old_dataset), "the kill should have hit the staging phase"
    # the previous dataset is untouched, complete and readable
    assert _snapshot(old_dataset) == before
    frames = _assert_complete(old_dataset)
    assert set(frames["events"]["event_id"]) == old_ids
    # re-run to completion: stale staging cleaned, same result as a clean run, no duplicates
    rerun = _driver(tmp_path, old_dataset, "fast")
    assert rerun.wait(timeout=120) == 0, rerun.stdout.read() if rerun.stdout else ""
    clean_dir = tmp_path / "clean"
    clean = _driver(tmp_path, clean_dir, "fast")
    assert clean.wait(timeout=120) == 0
    assert _staging(old_dataset) == []
    got = _assert_complete(old_dataset)
    want = _assert_complete(clean_dir)
    assert sorted(got["events"]["event_id"]) == sorted(want["events"]["event_id"])
    assert len(got["events"]) == len(want["events"]) and not set(got["events"]["event_id"]) & old_ids
    pd.testing.assert_frame_equal(got["articles"], want["articles"])


def test_sigkill_during_the_swap_is_rolled_forward(tmp_path: Path, old_dataset: Path) -> None:
    proc = _driver(tmp_path, old_dataset, "slow-swap", n=300)
    # kill after the first file was renamed into place (the swap has begun, _SUCCESS.json is gone)
    staged = lambda: [s for s in _staging(old_dataset) if (s / "_COMMIT.json").exists()]  # noqa: E731
    _wait(lambda: bool(staged()) and not (old_dataset / "_SUCCESS.json").exists()
          and len(list(staged()[0].glob("*.parquet"))) < 4, proc)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert not (old_dataset / "_SUCCESS.json").exists()  # a mix: readers can tell it is incomplete
    with pytest.raises(Exception, match="_SUCCESS.json missing"):
        validate_dataset(old_dataset)
    notes = store.recover_dataset(old_dataset)  # what the next ingest / write does first
    assert notes and notes[0].startswith("rolled forward")
    assert _staging(old_dataset) == []
    got = _assert_complete(old_dataset)
    clean_dir = tmp_path / "clean"
    assert _driver(tmp_path, clean_dir, "fast", n=300).wait(timeout=120) == 0
    want = _assert_complete(clean_dir)
    assert sorted(got["events"]["event_id"]) == sorted(want["events"]["event_id"])


def test_stale_staging_of_a_dead_writer_is_removed_but_a_live_one_is_kept(tmp_path: Path,
                                                                         old_dataset: Path) -> None:
    dead = old_dataset / ".staging-999999999-abc"  # no such pid
    dead.mkdir()
    (dead / "events.parquet").write_bytes(b"half a file")
    live = old_dataset / f".staging-{os.getppid()}-xyz"  # our parent is alive
    live.mkdir()
    frames = store.read_dataset(old_dataset)
    store.write_dataset(old_dataset, frames)
    assert not dead.exists() and live.exists()
    _assert_complete(old_dataset)


# --------------------------------------------------------------------------- (b) SIGINT


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def test_sigint_during_ingest_keeps_previous_dataset_with_one_clear_line(tmp_path: Path, pipeline: Any,
                                                                        seeds_output: Any,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    first_two = sorted(SEEDS.glob("*.txt"))[:2]
    from conflictmap.extract.pipeline import pipeline_fingerprint

    store.write_dataset(out, pipeline.run_paths(first_two).frames(),
                        meta={"pipeline": pipeline_fingerprint(pipeline.settings)})
    before = _snapshot(out)
    exe = Path(PY).parent / "conflictmap"
    proc = subprocess.Popen([str(exe), "ingest", str(SEEDS), "--out", str(out), "--no-incremental"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    # interrupt mid-run: once spaCy/the gazetteer are being loaded (RSS grows past 150 MB), or after 4 s
    t0 = time.time()
    while proc.poll() is None and _rss_mb(proc.pid) < 150 and time.time() - t0 < 4:
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    text = err.decode("utf-8", "replace")
    assert proc.returncode == 130, text
    assert "interrupted, previous dataset kept" in text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert _snapshot(out) == before
    assert sorted(_assert_complete(out)["articles"]["article_id"]) == sorted(p.stem for p in first_two)
    assert _staging(out) == []
    # re-running finishes the job: the same events as a clean run, no duplicates
    monkeypatch.setattr("conflictmap.extract.pipeline.Pipeline.load", classmethod(lambda cls, settings=None: pipeline))
    res = CliRunner().invoke(app, ["ingest", str(SEEDS), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "2 unchanged" in res.output
    got = _assert_complete(out)["events"]
    want = seeds_output[0].events
    assert sorted(got["event_id"]) == sorted(want["event_id"])


# --------------------------------------------------------------------------- (c) disk full


def _enospc_on(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """GeoDataFrame.to_parquet fails with ENOSPC when writing ``name``.parquet."""
    orig = gpd.GeoDataFrame.to_parquet

    def full(self: gpd.GeoDataFrame, path: Any, *a: Any, **k: Any) -> Any:
        if Path(path).name == f"{name}.parquet":
            Path(path).write_bytes(b"PAR1 truncated")  # a partial file, as a full disk leaves it
            raise OSError(errno.ENOSPC, "No space left on device")
        return orig(self, path, *a, **k)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", full)


def test_disk_full_during_write_keeps_previous_dataset(tmp_path: Path, old_dataset: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    before = _snapshot(old_dataset)
    frames = {k: v for k, v in demo.make_dataset(100, seed=9).items() if k in ("events", "mentions")}
    _enospc_on(monkeypatch, "events")
    with pytest.raises(OSError) as info:
        store.write_dataset(old_dataset, frames)
    assert info.value.errno == errno.ENOSPC
    assert _snapshot(old_dataset) == before
    assert _staging(old_dataset) == []
    _assert_complete(old_dataset)


def test_cli_reports_a_full_disk_in_one_line(tmp_path: Path, pipeline: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    first = sorted(SEEDS.glob("*.txt"))[:1]
    store.write_dataset(out, pipeline.run_paths(first).frames())
    before = _snapshot(out)
    monkeypatch.setattr("conflictmap.extract.pipeline.Pipeline.load", classmethod(lambda cls, settings=None: pipeline))
    _enospc_on(monkeypatch, "mentions")
    res = CliRunner().invoke(app, ["ingest", str(SEEDS), "--out", str(out), "--no-incremental"])
    assert res.exit_code == 3, res.output
    assert "No space left on device" in res.output and "previous dataset kept" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "Traceback" not in res.output
    assert _snapshot(out) == before and _staging(out) == []


# --------------------------------------------------------------------------- (d) idempotent re-ingest


def test_reingest_is_idempotent(tmp_path: Path, pipeline: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("conflictmap.extract.pipeline.Pipeline.load", classmethod(lambda cls, settings=None: pipeline))
    out = tmp_path / "out"
    runs = []
    for _ in range(2):
        res = CliRunner().invoke(app, ["ingest", str(SEEDS), "--out", str(out), "--no-incremental"])
        assert res.exit_code == 0, res.output
        runs.append(_assert_complete(out))
    for name in ("events", "articles", "mentions", "control"):
        a, b = runs[0][name], runs[1][name]
        assert len(a) == len(b), name
        if name == "events":
            assert list(a["event_id"]) == list(b["event_id"]) and not a["event_id"].duplicated().any()
    pd.testing.assert_frame_equal(runs[0]["events"].drop(columns="geometry"),
                                  runs[1]["events"].drop(columns="geometry"))
    # incremental: nothing is analysed again, the same events come out
    analysed: list[int] = []
    orig = type(pipeline).analyse

    def counting(self: Any, articles: Any, *a: Any, **k: Any) -> Any:
        analysed.append(len(articles))
        return orig(self, articles, *a, **k)

    monkeypatch.setattr(type(pipeline), "analyse", counting)
    res = CliRunner().invoke(app, ["ingest", str(SEEDS), "--out", str(out)])
    assert res.exit_code == 0, res.output
    n = len(list(SEEDS.glob("*.txt")))
    assert f"{n} unchanged" in res.output and sum(analysed) == 0
    third = _assert_complete(out)
    assert list(third["events"]["event_id"]) == list(runs[1]["events"]["event_id"])


# --------------------------------------------------------------------------- (e) geocoder down / slow / erroring


def _result_with_spans(pipeline: Any) -> Any:
    from conflictmap.extract.articles import Article

    result = pipeline.process([Article("x", "Des combats ont eu lieu à Tall Zibdiyat-Qraytim et à Kafr Zoubeir.")])
    result.unresolved_spans = [("x", "Tall Zibdiyat-Qraytim", 26, 47, "SY"), ("x", "Kafr Zoubeir", 53, 65, "SY"),
                               ("x", "Beit Sawa", 0, 9, "SY")]
    return result


class _Loc:
    latitude, longitude = 36.25, 37.10
    raw = {"class": "place", "type": "village", "osm_id": 42, "display_name": "Tall Zibdiyat, Alep"}


@pytest.mark.parametrize("exc_name", ["GeocoderTimedOut", "GeocoderServiceError", "GeocoderUnavailable"])
def test_geocoder_timeouts_and_errors_switch_to_offline_once(pipeline: Any, tmp_path: Path, exc_name: str) -> None:
    import geopy.exc
    from rich.console import Console

    from conflictmap.geo.geocoder import geocode_unresolved

    result = _result_with_spans(pipeline)
    calls: list[str] = []

    def flaky(query: str, **kw: object) -> object:
        calls.append(query)
        if len(calls) == 1:
            return _Loc()  # the first answer arrives, then the service fails
        raise getattr(geopy.exc, exc_name)("boom")

    console = Console(record=True, width=200)
    settings = Settings().with_(cache_dir=tmp_path)
    before = len(result.mentions)
    assert geocode_unresolved(result, settings, console=console, geocode=flaky) == 1
    assert len(calls) == 2  # no retry storm: the third name is not tried
    out = console.export_text()
    assert out.count("online geocoding unavailable") == 1 and exc_name in out
    assert len(result.mentions) == before + 1
    cache = json.loads((tmp_path / "nominatim.json").read_text(encoding="utf-8"))
    # consistent: the answer is kept, the failed names are *not* cached as "not found"
    assert set(cache) == {"tall zibdiyat-qraytim|SY"} and cache["tall zibdiyat-qraytim|SY"]["lat"] == 36.25
    assert [p.name for p in tmp_path.iterdir()] == ["nominatim.json"]  # no temporary files left
    # next run: the cached name is not asked again, the others are retried
    calls.clear()
    result2 = _result_with_spans(pipeline)
    assert geocode_unresolved(result2, settings, geocode=lambda q, **kw: calls.append(q)) == 1
    assert calls == ["Kafr Zoubeir", "Beit Sawa"]


class _Handler(http.server.BaseHTTPRequestHandler):
    mode = "500"

    def do_GET(self) -> None:  # noqa: N802
        if self.mode == "slow":
            time.sleep(1.5)
            try:
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"[]")
            except OSError:
                pass
            return
        self.send_response(500)
        self.end_headers()
        self.wfile.write(b"internal error")

    def log_message(self, *a: object) -> None:
        pass


@pytest.fixture()
def local_nominatim() -> Iterator[Any]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("mode", ["500", "slow", "down"])
def test_real_geopy_client_against_a_failing_local_server(pipeline: Any, tmp_path: Path, local_nominatim: Any,
                                                          mode: str) -> None:
    """geopy's Nominatim on loopback: HTTP 500, a timeout, a closed port → one notice, offline results."""
    from geopy.geocoders import Nominatim
    from rich.console import Console

    from conflictmap.geo.geocoder import geocode_unresolved

    _Handler.mode = mode
    port = local_nominatim.server_address[1]
    if mode == "down":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # closed again: connection refused
    client = Nominatim(user_agent="conflictmap-tests", domain=f"127.0.0.1:{port}", scheme="http", timeout=0.5)
    result = _result_with_spans(pipeline)
    console = Console(record=True, width=200)
    t0 = time.perf_counter()
    added = geocode_unresolved(result, Settings().with_(cache_dir=tmp_path), console=console,
                               geocode=client.geocode)
    assert added == 0
    assert time.perf_counter() - t0 < 5  # one failed request, not one per name
    assert console.export_text().count("online geocoding unavailable") == 1
    assert json.loads((tmp_path / "nominatim.json").read_text(encoding="utf-8")) == {}


def test_cli_online_with_network_down_completes_offline(tmp_path: Path, pipeline: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The real default geocoder (rate limiter + Nominatim) with nothing listening: the run completes."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CONFLICTMAP_NOMINATIM_URL", f"127.0.0.1:{port}")
    monkeypatch.setenv("CONFLICTMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("conflictmap.extract.pipeline.Pipeline.load", classmethod(lambda cls, settings=None: pipeline))
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["ingest", str(SEEDS), "--out", str(out), "--online"])
    assert res.exit_code == 0, res.output
    assert res.output.count("online geocoding unavailable") == 1
    frames = _assert_complete(out)
    assert len(frames["events"]) > 0 and "nominatim" not in set(frames["mentions"]["gazetteer"])
    assert json.loads((tmp_path / "cache" / "nominatim.json").read_text(encoding="utf-8")) == {}


def test_cli_online_cache_write_failure_does_not_lose_the_run(tmp_path: Path, pipeline: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from conflictmap.geo import geocoder

    monkeypatch.setenv("CONFLICTMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("conflictmap.extract.pipeline.Pipeline.load", classmethod(lambda cls, settings=None: pipeline))
    monkeypatch.setattr(geocoder, "_default_geocode", lambda settings: (lambda q, **kw: None))

    def full(self: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(geocoder.GeocodeCache, "save", full)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["ingest", str(SEEDS), "--out", str(out), "--online"])
    assert res.exit_code == 0, res.output
    assert "No space left on device" in res.output
    assert len(_assert_complete(out)["events"]) > 0
