"""Browser test set-up: fixture data, a Streamlit server on a free loopback port, Chromium.

Chromium is Debian's (``make browser`` installs it); Playwright only drives it.
Every request that does not go to the local server is blocked, so the tests
also prove that the dashboard works offline.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hostile_fixtures import add_hostile_article, add_hostile_names

from conflictmap import demo

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output"
#: Events of the browser-test data whose date is removed.
UNDATED = 3


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    data_dir: Path
    log: Path


@pytest.fixture(scope="session")
def e2e_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("e2e-data")
    frames = add_hostile_names(add_hostile_article(demo.make_dataset(250, seed=11)))
    ev = frames["events"]
    undated = ev.index[(ev["category"] == "incident") & (ev["geo_precision"] == 1)][:UNDATED]
    ev.loc[undated, ["date", "date_precision"]] = None  # undated: counted and listed, drawn only on request
    _lengthen_article(frames, LONG_EVENT)
    demo.write_dataset(str(d), frames)
    return d


#: An event whose article gets 80 filler paragraphs before its text (the reader must scroll to it).
LONG_EVENT = "evt0000040_11"


def _lengthen_article(frames: dict[str, Any], event_prefix: str) -> None:
    """Put many paragraphs before the text of the article of the first event whose id starts with ``event_prefix``."""
    ev, arts, men = frames["events"], frames["articles"], frames["mentions"]
    row = ev.index[ev["event_id"].astype(str).str.startswith(event_prefix)][0]
    aid = ev.at[row, "article_id"]
    filler = "".join(f"Paragraphe de remplissage numéro {i}, sans rapport avec l'événement.\n\n" for i in range(80))
    k = len(filler)
    arts.loc[arts["article_id"] == aid, "text"] = filler + arts.loc[arts["article_id"] == aid, "text"]
    for frame in (ev, men):
        m = frame["article_id"] == aid
        frame.loc[m, "start"] = frame.loc[m, "start"] + k
        frame.loc[m, "end"] = frame.loc[m, "end"] + k


@pytest.fixture(scope="session")
def server(e2e_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    vendor = ROOT / "static" / "vendor" / "leaflet" / "leaflet.js"
    if not vendor.exists():
        pytest.fail(f"{vendor} missing: run `make assets` (npm install + scripts/vendor_assets.py)")
    port = _free_port()
    log = tmp_path_factory.mktemp("e2e-log") / "streamlit.log"
    env = {**os.environ, "CONFLICTMAP_DATA": str(e2e_data), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield Server(url=url, data_dir=e2e_data, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class Tab:
    """A page whose non-local requests are blocked and recorded."""

    page: Any
    context: Any
    blocked: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture()
def open_tab(browser: Any, server: Server) -> Iterator[Any]:
    tabs: list[Tab] = []

    def _open(width: int = 1500, height: int = 1050, locale: str = "fr-FR", mobile: bool = False) -> Tab:
        ctx = browser.new_context(viewport={"width": width, "height": height}, service_workers="block",
                                  locale=locale, is_mobile=mobile, has_touch=mobile)
        tab = Tab(page=None, context=ctx)

        def route(r: Any) -> None:
            u = r.request.url
            if u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
                tab.requests.append(u)
                r.continue_()
            else:
                tab.blocked.append(u)
                r.abort()

        ctx.route("**/*", route)
        page = ctx.new_page()

        def on_dialog(d: Any) -> None:
            tab.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)
        tab.page = page
        tabs.append(tab)
        return tab

    yield _open
    for t in tabs:
        t.context.close()
