"""Live map latency: from a new item in a news feed to the new event on an open map, end to end.

A local "news site" (``http.server`` serving a folder: an RSS feed and article pages written for this
benchmark) is followed by ``conflictmap watch --every E``; ``streamlit run app.py`` shows the dataset
with ``CONFLICTMAP_RELOAD_SECONDS=R``; headless Chromium (Debian's, driven by Playwright) keeps the
page open. At t0 a new item is added to the feed; the script records when the dataset's
``_SUCCESS.json`` changes (update done) and when the page's "Événements" count grows (map updated).
Expected: t ≤ E (next poll) + update time + R (next check) + page re-run.
Writes ``bench/results/live.json``.

Usage: ``python bench/bench_live.py [--every 10s] [--reload 5] [--runs 2]``
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CONFLICTMAP_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

# Our own sentences (place, date, sentence) — one article per run, a distinct strike each time.
STORIES = [
    ("Saraqeb", "2019-04-02", "Des frappes aériennes ont visé mardi la ville de Saraqeb, dans la province d'Idleb."),
    ("Ariha", "2019-04-09", "L'aviation a bombardé mardi la ville d'Ariha, au sud d'Idleb, selon des secouristes."),
    ("Kafranbel", "2019-04-16", "Des obus sont tombés mardi sur Kafranbel, dans le sud de la province d'Idleb."),
    ("Khan Cheikhoun", "2019-04-23",
     "Des frappes aériennes ont visé mardi la ville de Khan Cheikhoun, dans le sud de la province d'Idleb."),
]
FILLER = ("Les secouristes ont travaillé jusqu'à la nuit pour dégager les décombres, et les habitants "
          "racontent des heures d'attente devant les boulangeries fermées. Les écoles de la ville restent "
          "fermées et plusieurs familles ont pris la route du nord avec leurs affaires.")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_site(site: Path, base: str, n: int) -> None:
    items = []
    for i, (place, day, sentence) in enumerate(STORIES[:n]):
        slug = f"article-{i}"
        (site / f"{slug}.html").write_text(
            f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Frappes sur {place}</title>'
            f'<meta property="article:published_time" content="{day}T08:00:00+00:00"></head><body>'
            f"<article><h1>Frappes sur {place}</h1><p>{sentence}</p><p>{FILLER}</p></article></body></html>",
            encoding="utf-8")
        items.append(f"<item><title>Frappes sur {place}</title><link>{base}/{slug}.html</link></item>")
    tmp = site / ".rss.tmp"
    tmp.write_text('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Essai</title>'
                   + "".join(items) + "</channel></rss>", encoding="utf-8")
    tmp.replace(site / "rss.xml")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", default="10s")
    ap.add_argument("--reload", type=float, default=5.0)
    ap.add_argument("--runs", type=int, default=2, help=f"at most {len(STORIES) - 1}")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-live-"))
    site, out = work / "site", work / "ds"
    site.mkdir()
    handler = functools.partial(_Quiet, directory=str(site))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    _write_site(site, base, 1)
    (work / "feeds.yaml").write_text(f"feeds:\n  - name: essai\n    url: {base}/rss.xml\n", encoding="utf-8")
    env = {**os.environ, "CONFLICTMAP_HOST_DELAY": "0", "PYTHONUNBUFFERED": "1",
           "CONFLICTMAP_HTTP_CACHE_DIR": str(work / "http"), "CONFLICTMAP_RELOAD_SECONDS": str(a.reload),
           "CONFLICTMAP_DATA": str(out)}
    watch = subprocess.Popen([sys.executable, "-m", "conflictmap.cli", "watch", "--feeds", str(work / "feeds.yaml"),
                              "--out", str(out), "--every", a.every], env=env, stdout=(work / "watch.log").open("w"),
                             stderr=subprocess.STDOUT)
    port = _port()
    app = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
                            "--server.address", "127.0.0.1", "--server.headless", "true",
                            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                           cwd=ROOT, env=env, stdout=(work / "app.log").open("w"), stderr=subprocess.STDOUT)
    results = []
    try:
        while not (out / "_SUCCESS.json").exists():
            time.sleep(0.2)
        url = f"http://127.0.0.1:{port}/"
        while True:
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            metric = page.locator('[data-testid="stMetric"]').filter(has_text="Événements") \
                .locator('[data-testid="stMetricValue"]')
            metric.wait_for(timeout=120_000)

            def count() -> int:
                try:
                    return int("".join(ch for ch in metric.inner_text(timeout=2000) if ch.isdigit()) or 0)
                except Exception:  # noqa: BLE001 - mid re-run
                    return -1

            for run in range(a.runs):
                time.sleep(1.0)
                shown = count()
                success = (out / "_SUCCESS.json").stat().st_mtime_ns
                t0 = time.time()
                _write_site(site, base, run + 2)  # the new item appears in the feed
                t_write = None
                while True:
                    if t_write is None and (out / "_SUCCESS.json").exists() \
                            and (out / "_SUCCESS.json").stat().st_mtime_ns != success:
                        t_write = time.time() - t0
                    c = count()
                    if c > shown:
                        t_map = time.time() - t0
                        break
                    if time.time() - t0 > 300:
                        raise SystemExit(f"no new event on the map after 300 s (shown {shown}, now {c})")
                    time.sleep(0.1)
                results.append({"dataset_written_s": round(t_write or t_map, 2), "on_map_s": round(t_map, 2),
                                "events_before": shown, "events_after": c})
                print(f"run {run + 1}: dataset written after {t_write:.1f} s, on the map after {t_map:.1f} s "
                      f"({shown} → {c} events)", flush=True)
            browser.close()
    finally:
        watch.terminate()
        app.terminate()
        watch.wait(30)
        app.wait(30)
        srv.shutdown()
    doc = {"every": a.every, "reload_seconds": a.reload, "runs": results,
           "watch_log_tail": (work / "watch.log").read_text(errors="replace").splitlines()[-6:]}
    (ROOT / "bench" / "results" / "live.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
                                                          encoding="utf-8")
    print(json.dumps(doc, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
