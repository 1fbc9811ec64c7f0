"""The command line of live sources: ``ingest https://…``, URL rows in manifests, ``--offline``,
``update`` (what was new, skipped and why), the lock, ``watch`` stopping on SIGTERM, SIGKILL mid-update."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from newsite import STORIES, Route, Site, feeds_file, story_items
from typer.testing import CliRunner

from conflictmap import store
from conflictmap.cli import app
from conflictmap.sources.watch import dataset_lock, parse_every
from conflictmap.store.validate import validate_dataset

PY = sys.executable


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pipeline: Any) -> dict[str, str]:
    """CLI runs in this process: the session's pipeline, no host delay, a private HTTP cache."""
    monkeypatch.setattr("conflictmap.extract.pipeline.Pipeline.load",
                        classmethod(lambda cls, settings=None: pipeline))
    values = {"CONFLICTMAP_HOST_DELAY": "0", "CONFLICTMAP_HTTP_TIMEOUT": "2",
              "CONFLICTMAP_HTTP_CACHE_DIR": str(tmp_path / "http-cache"), "PYTHONUNBUFFERED": "1"}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return values


def test_ingest_urls_and_manifest_url_rows_then_offline_rerun(site: Site, env: dict[str, str],
                                                                tmp_path: Path) -> None:
    a = site.add_story(0)
    b = site.add_story(1)
    manifest = tmp_path / "liste.csv"
    manifest.write_text(f"id,url,source\nreprise,{b},Agence d'essai\nmanquant,{site.base}/absent.html,\n",
                        encoding="utf-8")
    out = tmp_path / "ds"
    res = CliRunner().invoke(app, ["ingest", a, str(manifest), "--out", str(out)])
    assert res.exit_code == 1, res.output  # one row failed, the rest was written
    flat = " ".join(res.output.split())  # ingest's error lines are wrapped to the terminal's width
    assert flat.count("error ") == 1 and re.search(r"error \S*liste\.csv:3: \S*/absent\.html: HTTP 404", flat)
    arts = store.read_dataset(out)["articles"].set_index("article_id")
    assert set(arts.index) == {"127.0.0.1-frappes-saraqeb-" + arts.index[0][-8:], "reprise"}
    assert arts.loc["reprise", "source"] == "Agence d'essai" and arts.loc["reprise", "url"] == b
    assert arts.loc["reprise", "published"] == STORIES[1][2]
    # the same run offline, the site gone: the raw responses come from the disk cache, same articles
    site.stop()
    out2 = tmp_path / "ds2"
    res = CliRunner().invoke(app, ["ingest", a, str(manifest), "--out", str(out2), "--offline"])
    arts2 = store.read_dataset(out2)["articles"].set_index("article_id")
    assert list(arts2["content_hash"]) == list(arts["content_hash"])
    assert "not in the cache (offline run)" in " ".join(res.output.split())


def test_ingest_refuses_other_schemes_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    manifest = tmp_path / "liste.jsonl"
    manifest.write_text('{"id": "x", "url": "file:///etc/passwd"}\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["ingest", str(manifest), "--out", str(tmp_path / "ds")])
    assert res.exit_code == 2
    flat = " ".join(res.output.split())
    assert "liste.jsonl:1" in flat and "neither 'text' nor 'path' nor an http(s) 'url'" in flat


def test_update_prints_new_skipped_and_errors_and_respects_the_lock(site: Site, env: dict[str, str],
                                                                    tmp_path: Path) -> None:
    site.routes["/casse.html"] = Route(status=500)
    items = story_items(site, [0]) + [("casse", site.base + "/casse.html", "")]
    feeds = feeds_file(tmp_path, site.set_feed(items, etag='"c1"'))
    out = tmp_path / "ds"
    res = CliRunner().invoke(app, ["update", "--feeds", str(feeds), "--out", str(out)])
    assert res.exit_code == 1, res.output
    assert any(line.startswith("new ") and "frappes-saraqeb" in line for line in res.output.splitlines())
    assert any(line.startswith("error essai:") and "HTTP 500" in line for line in res.output.splitlines())
    assert "1 new article(s)" in res.output and "dataset written to" in res.output
    res = CliRunner().invoke(app, ["update", "--feeds", str(feeds), "--out", str(out)])
    assert res.exit_code == 0 and "not modified  feed essai (304)" in res.output and "nothing new" in res.output
    site.set_feed(items, etag='"c2"')  # the feed changed (the failing item is tried again)
    res = CliRunner().invoke(app, ["update", "--feeds", str(feeds), "--out", str(out)])
    assert "skipped  1 item(s) already in the dataset" in res.output and "HTTP 500" in res.output
    with dataset_lock(out):  # a cron run while another holds the dataset: skipped, says why
        res = CliRunner().invoke(app, ["update", "--feeds", str(feeds), "--out", str(out)])
    assert res.exit_code == 75 and "another update is running" in res.output


def test_parse_every() -> None:
    assert parse_every("15m") == 900 and parse_every("90s") == 90 and parse_every("1h") == 3600
    assert parse_every("2") == 120
    with pytest.raises(ValueError, match="'quinze' is not a duration"):
        parse_every("quinze")


# --------------------------------------------------------------------------- processes


def _cli(args: list[str], env: dict[str, str], extra: str = "") -> subprocess.Popen[str]:
    code = textwrap.dedent(f"""
        import sys
        {extra}
        from conflictmap.cli import app
        sys.argv = ["conflictmap", *{args!r}]
        app()
    """)
    full = {**os.environ, **env, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([PY, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=full)


def _wait_for(cond: Any, proc: subprocess.Popen[str], timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while not cond():
        assert proc.poll() is None, f"exited early ({proc.returncode}): {proc.stdout.read() if proc.stdout else ''}"
        if time.time() > deadline:
            proc.kill()
            raise AssertionError("condition not reached")
        time.sleep(0.01)


def test_sigkill_during_an_update_leaves_the_previous_dataset_readable(site: Site, env: dict[str, str],
                                                                        tmp_path: Path) -> None:
    feed_url = site.set_feed(story_items(site, [0]), etag='"k1"')
    feeds = feeds_file(tmp_path, feed_url)
    out = tmp_path / "ds"
    assert CliRunner().invoke(app, ["update", "--feeds", str(feeds), "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
    site.set_feed(story_items(site, [0, 1, 2]), etag='"k2"')
    slow = ("import time, pandas as pd, geopandas as gpd\n"
            "for _c in (pd.DataFrame, gpd.GeoDataFrame):\n"
            "    _o = _c.to_parquet\n"
            "    def _slow(self, *a, _o=_o, **k):\n"
            "        r = _o(self, *a, **k); time.sleep(0.5); return r\n"
            "    _c.to_parquet = _slow\n").replace("\n", "\n        ")
    proc = _cli(["update", "--feeds", str(feeds), "--out", str(out)], env, extra=slow)
    _wait_for(lambda: any(any(s.iterdir()) for s in out.glob(".staging-*")), proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    # a reader now: the previous dataset, whole and valid
    validate_dataset(out)
    assert len(store.read_dataset(out)["articles"]) == 1
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert {k: v for k, v in after.items() if k != "_feeds.json"} == \
        {k: v for k, v in before.items() if k != "_feeds.json"}
    # the next run cleans up and adds the two new stories (the lock died with the killed process)
    res = CliRunner().invoke(app, ["update", "--feeds", str(feeds), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "cleaned up an interrupted write" in res.output and "2 new article(s)" in res.output
    assert len(store.read_dataset(out)["articles"]) == 3 and not list(out.glob(".staging-*"))
    validate_dataset(out)


def test_watch_updates_then_stops_cleanly_on_sigterm(site: Site, env: dict[str, str], tmp_path: Path) -> None:
    feeds = feeds_file(tmp_path, site.set_feed(story_items(site, [0]), etag='"w1"'))
    out = tmp_path / "ds"
    proc = _cli(["watch", "--feeds", str(feeds), "--out", str(out), "--every", "1s"], env)
    lines: list[str] = []
    stream = proc.stdout
    assert stream is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(stream.readline, "")), daemon=True)
    reader.start()

    def seen(text: str, n: int = 1) -> bool:
        return sum(text in line for line in lines) >= n

    _wait_for(lambda: seen("next update in 1s"), proc)
    assert json.loads((out / "_SUCCESS.json").read_text())["rows"]["articles"] == 1
    site.set_feed(story_items(site, [0, 1]), etag='"w2"')  # a new item while it watches
    _wait_for(lambda: seen("1 new article(s)", 2), proc)
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    reader.join(5)
    assert proc.returncode == 0, lines
    assert any(line.startswith("stopped after") for line in lines)
    assert len(store.read_dataset(out)["articles"]) == 2


def test_update_never_overwrites_a_folder_that_is_not_a_complete_dataset(env: dict[str, str], tmp_path: Path,
                                                                         site: Site) -> None:
    out = tmp_path / "ds"
    out.mkdir()
    (out / "events.parquet").write_bytes(b"someone's data")
    feeds = feeds_file(tmp_path, site.set_feed(story_items(site, [0]), etag='"n"'))
    res = CliRunner().invoke(app, ["update", "--feeds", str(feeds), "--out", str(out)])
    assert res.exit_code == 2 and "no _SUCCESS.json" in " ".join(res.output.split())
    assert (out / "events.parquet").read_bytes() == b"someone's data" and site.requests_for("/articles/") == []
