"""In a real browser: an open page shows new events by itself, within CONFLICTMAP_RELOAD_SECONDS, with the
URL (and so the filters) unchanged — no click, no restart. (AppTest cannot run the page's timer.)"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from newsite import Site, story_items

from conflictmap import store
from conflictmap.sources.feeds import Feed
from conflictmap.sources.update import update
from conflictmap.sources.web import Fetcher

ROOT = Path(__file__).resolve().parents[2]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _local_only(ctx: Any) -> Any:
    """Every request that does not go to the local server is refused (the map works offline)."""
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")) else r.abort())
    return ctx


@pytest.mark.browser
def test_open_page_picks_up_a_new_dataset_by_itself(site: Site, fetcher: Fetcher, pipeline: Any,
                                                    tmp_path: Path, browser: Any) -> None:
    out = tmp_path / "ds"
    feed = Feed("essai", site.set_feed(story_items(site, [0, 1]), etag='"b1"'))
    assert update([feed], out, pipeline=pipeline, fetcher=fetcher).written
    port = _port()
    env = {**os.environ, "CONFLICTMAP_DATA": str(out), "CONFLICTMAP_RELOAD_SECONDS": "1"}
    log = (tmp_path / "app.log").open("wb")
    app = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                            str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
                            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=2)
                break
            except OSError:
                assert app.poll() is None and time.time() < deadline, (tmp_path / "app.log").read_text()
                time.sleep(0.3)
        ctx = _local_only(browser.new_context())
        page = ctx.new_page()
        page.goto(url + "?cat=incident")
        status = page.locator(".cm-status").first  # "N événements sur M affichés · …" (data-shown = N)

        def shown() -> int:
            try:
                return int(status.get_attribute("data-shown", timeout=2000) or -1)
            except Exception:  # noqa: BLE001 - mid re-run
                return -1

        def incidents() -> int:
            return int((store.read_dataset(out)["events"]["category"] == "incident").sum())

        n0 = incidents()
        deadline = time.time() + 60
        while shown() != n0:
            assert time.time() < deadline, f"page shows {shown()}, dataset has {n0} incidents"
            time.sleep(0.2)
        site.set_feed(story_items(site, [0, 1, 2]), etag='"b2"')
        assert update([feed], out, pipeline=pipeline, fetcher=Fetcher(fetcher.settings)).written
        n1 = incidents()
        assert n1 > n0
        t0 = time.time()
        while shown() != n1:  # no click, no reload: the page's own timer notices the new dataset
            assert time.time() - t0 < 15, f"page still shows {shown()} after 15 s (dataset: {n1})"
            time.sleep(0.2)
        assert "cat=incident" in page.url
        assert page.get_by_text("depuis votre dernière visite").count() >= 1
        # a later visit from this browser: the cookie remembers what it saw, nothing is new any more
        page.wait_for_function("document.cookie.includes('conflictmap_seen=')", timeout=10_000)
        again = ctx.new_page()
        again.goto(url)
        again.get_by_text("Données mises à jour le").first.wait_for(timeout=60_000)
        assert again.get_by_text("depuis votre dernière visite").count() == 0
        # a browser last here before the update: told what is new
        old = _local_only(browser.new_context())
        old.add_cookies([{"name": "conflictmap_seen", "value": "2000-01-01T00:00:00.000Z",
                          "url": url}])
        first_visit = old.new_page()
        first_visit.goto(url)
        first_visit.get_by_text("depuis votre dernière visite").first.wait_for(timeout=60_000)
        assert first_visit.get_by_text("3 nouveaux articles").count() >= 1
        for c in (ctx, old):
            c.close()
    finally:
        app.terminate()
        app.wait(20)
        log.close()
