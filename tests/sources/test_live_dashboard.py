"""The dashboard follows its dataset: updated under it (a folder, or a URL served over HTTP), the same
running app shows the new events on its next run — no restart — with the user's filters kept, the
time window grown to the new data, and "new since your last visit" counted."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from newsite import Site
from streamlit.testing.v1 import AppTest

from conflictmap import store
from conflictmap.sources.feeds import Feed
from conflictmap.sources.update import update
from conflictmap.sources.web import Fetcher
from conflictmap.store.remote import RemoteDataError, mirror

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


UPLOAD = ("---\ntitle: Obus sur Ariha\npublished: 2019-03-13\n---\n"
          "Des obus sont tombés mercredi sur la ville d'Ariha, au sud de la province d'Idleb.\n").encode("utf-8")


def metric(at: AppTest, label: str) -> int:
    m = next(m for m in at.metric if m.label == label)
    return int(str(m.value).replace(" ", "").replace("\u202f", ""))


def incidents(out: Path) -> int:
    return int((store.read_dataset(out)["events"]["category"] == "incident").sum())


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[str]:
    """``tmp_path`` over HTTP (a stand-in for the place a CI job publishes the dataset)."""
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _first_update(site: Site, fetcher: Fetcher, pipeline: Any, out: Path) -> Feed:
    from newsite import story_items

    feed = Feed("essai", site.set_feed(story_items(site, [0, 1]), etag='"d1"'))
    assert update([feed], out, pipeline=pipeline, fetcher=fetcher).written
    site.set_feed(story_items(site, [0, 1, 2]), etag='"d2"')  # published later: a bombardment on 16/03
    return feed


@pytest.mark.parametrize("where", ["folder", "url"])
def test_the_running_dashboard_shows_new_events_without_restart(where: str, site: Site, fetcher: Fetcher,
                                                                pipeline: Any, tmp_path: Path, served: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "ds"
    feed = _first_update(site, fetcher, pipeline, out)
    monkeypatch.setenv("CONFLICTMAP_DATA", str(out) if where == "folder" else f"{served}/ds")
    monkeypatch.setenv("CONFLICTMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CONFLICTMAP_RELOAD_SECONDS", "0.2")
    from conflictmap.dashboard import page

    monkeypatch.setattr(page, "_pipeline", lambda: pipeline)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    at.multiselect(key="w_cats").set_value(["incident"]).run()  # the user's filter
    at.file_uploader[0].set_value([("ariha.md", UPLOAD, "text/markdown")])  # and an article of their own
    at.run()
    next(b for b in at.button if b.label == "Analyser").click().run()
    before = incidents(out)
    assert metric(at, "Événements") == before + 1
    assert any("Données mises à jour le" in c.value and "nouve" not in c.value for c in at.caption)
    window = at.slider(key="w_window").value

    res = update([feed], out, pipeline=pipeline, fetcher=Fetcher(fetcher.settings))
    assert len(res.added) == 1 and incidents(out) > before
    import time

    time.sleep(0.3)  # past the reload interval: the remote copy is refreshed on the next check
    at.run()  # what the reload fragment triggers in the browser: a re-run of the same session
    assert not at.exception, at.exception
    assert metric(at, "Événements") == incidents(out) + 1  # the new events, the filter and the upload kept
    assert at.multiselect(key="w_cats").value == ["incident"] and at.query_params["cat"] == "incident"
    assert at.slider(key="w_window").value[1] > window[1]  # the window followed the new data
    assert any("1 nouvel article et 1 nouvel événement depuis votre dernière visite" in c.value
               for c in at.caption), [c.value for c in at.caption]


def test_mirror_keeps_the_last_copy_when_the_server_fails_and_refuses_a_half_upload(
        tmp_path: Path, served: str, site: Site, fetcher: Fetcher, pipeline: Any) -> None:
    out = tmp_path / "ds"
    _first_update(site, fetcher, pipeline, out)
    cache = tmp_path / "cache"
    first = mirror(f"{served}/ds", cache)
    assert (first / "events.parquet").read_bytes() == (out / "events.parquet").read_bytes()
    # an upload in progress: events.parquet replaced, _SUCCESS.json still the old one → the old copy stays
    import shutil

    other = tmp_path / "other"
    update([Feed("essai", site.base + "/syrie/rss.xml")], other, pipeline=pipeline, fetcher=Fetcher(fetcher.settings))
    shutil.copy(other / "events.parquet", out / "events.parquet")
    (out / "_SUCCESS.json").write_text((out / "_SUCCESS.json").read_text() + " ")  # a new manifest version
    assert mirror(f"{served}/ds", cache) == first
    with pytest.raises(RemoteDataError, match="not found"):
        mirror(f"{served}/absent", cache)


def test_freshness_counts_articles_added_after_the_visit_and_only_wholly_new_events(tmp_path: Path) -> None:
    import json

    import pandas as pd

    from conflictmap.dashboard.data import dataset_freshness

    src = pd.DataFrame({"article_id": ["a", "b", "c"],
                        "added_at": ["2026-11-01T10:00:00.000Z", "2026-11-02T10:00:00.000Z",
                                     "2026-11-02T10:00:00.000Z"]})
    ids = lambda *xs: json.dumps([{"article_id": x} for x in xs])  # noqa: E731
    ev = pd.DataFrame({"article_id": ["a", "b", "a", "c"], "sources": [ids("a"), ids("b"), ids("a", "b"), ids("c")]})
    src.to_parquet(tmp_path / "sources.parquet")
    ev.to_parquet(tmp_path / "events.parquet")
    meta = {"files": ["events.parquet", "sources.parquet"], "written_at": "2026-11-02T10:00:01.000Z"}
    (tmp_path / "_SUCCESS.json").write_text(json.dumps(meta))
    f = dataset_freshness(tmp_path, "2026-11-01T12:00:00.000Z")
    assert (f.written_at, f.new_articles, f.new_events) == (meta["written_at"], 2, 2)  # a+b event is not new
    assert dataset_freshness(tmp_path, None).new_articles == 0  # no baseline: nothing called new
    meta["files"].remove("sources.parquet")  # a dataset built by ingest
    (tmp_path / "_SUCCESS.json").write_text(json.dumps(meta))
    assert dataset_freshness(tmp_path, "2000-01-01T00:00:00.000Z").new_articles == 0


def test_mirror_reads_any_fsspec_protocol(tmp_path: Path, site: Site, fetcher: Fetcher, pipeline: Any) -> None:
    """``memory://`` stands in for an object store (``s3://`` goes the same way through fsspec or pyarrow)."""
    import fsspec

    out = tmp_path / "ds"
    _first_update(site, fetcher, pipeline, out)
    fs = fsspec.filesystem("memory")
    for f in out.iterdir():
        if f.is_file():
            fs.pipe(f"/bucket/ds/{f.name}", f.read_bytes())
    copy = mirror("memory://bucket/ds", tmp_path / "cache")
    assert (copy / "events.parquet").read_bytes() == (out / "events.parquet").read_bytes()
    assert (copy / "_SUCCESS.json").read_bytes() == (out / "_SUCCESS.json").read_bytes()
    with pytest.raises(RemoteDataError, match="cannot open nosuch:// URLs"):
        mirror("nosuch://bucket/ds", tmp_path / "cache")
