"""Dashboard benchmark (a script, not a test): filter change -> map payload, bytes, peak RSS.

For 1k / 10k / 100k (and ``--million``) synthetic events it measures, in a
fresh process per size:

* ``load_s``: building the prepared bundle from the frames (once per process,
  ``st.cache_resource`` in the app);
* for several filter changes, the server time from the new :class:`ViewState`
  to the strings streamlit-folium sends (filter + layer build + folium /
  streamlit-folium serialisation of the base map and feature groups), and the
  bytes of those strings (what goes to the browser on that rerun);
* ``peak_rss_mb``: the process's peak resident memory (data + all of the above).

Writes ``bench/results/dashboard.json`` and prints a markdown table.
Targets at 100k events: <= 0.5 s, <= 3 MB, <= 600 MB.

Usage::

    python bench/bench_dashboard.py [--million] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"seconds": 0.5, "bytes": 3_000_000, "rss_mb": 600}

SCENARIOS: dict[str, dict[str, Any]] = {
    "all (default view)": {},
    "actor filter (RUS)": {"actors": ("RUS",)},
    "one year": {"start": date(2017, 1, 1), "end": date(2017, 12, 31)},
    "one month + actor": {"start": date(2018, 3, 1), "end": date(2018, 3, 31), "actors": ("SYR_GOV",)},
    "text search 'alep'": {"query": "alep"},
    "control changes only": {"categories": ("control_change",)},
}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def run_size(n: int, repeat: int) -> dict[str, Any]:
    """Measure one size in this process."""
    import streamlit_folium as sf

    from conflictmap import demo
    from conflictmap.dashboard.data import bundle_from_frames
    from conflictmap.dashboard.filters import filter_events
    from conflictmap.dashboard.layers import build_payloads, feature_groups, side_legend
    from conflictmap.dashboard.map import base_map
    from conflictmap.dashboard.state import ViewState

    t = time.perf_counter()
    ev = demo.make_events(n, seed=0)
    gen_s = time.perf_counter() - t
    frames = {"events": ev, "control": demo.make_control(ev), "zones": demo.make_zones(),
              "actors": demo.make_actors()}
    t = time.perf_counter()
    bundle = bundle_from_frames(frames, version=f"synthetic {n}")
    load_s = time.perf_counter() - t
    outline_p = ROOT / "static" / "outline.geojson"
    outline = json.loads(outline_p.read_text()) if outline_p.exists() else None

    def serialise(state: ViewState) -> tuple[int, int, int, bool]:
        idx = filter_events(bundle, state)
        payload = build_payloads(bundle, state, idx)
        m = base_map(outline, ROOT / "static", tiles=True, legend=side_legend())
        m.get_root().render()
        main_js = sf._get_map_string(m)
        header = sf._get_header(m)
        fg = "".join(sf._get_feature_group_string(g, m, i) for i, g in enumerate(feature_groups(payload)))
        return len(idx), len(fg.encode()), len(main_js.encode()) + len(header.encode()), payload.aggregated

    out: dict[str, Any] = {"n": n, "generate_s": round(gen_s, 3), "load_s": round(load_s, 3), "scenarios": {}}
    serialise(ViewState())  # warm-up (imports, templates)
    for name, kw in SCENARIOS.items():
        state = ViewState(**kw)
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            shown, fg_bytes, base_bytes, agg = serialise(state)
            times.append(time.perf_counter() - t)
        out["scenarios"][name] = {"events_in_view": shown, "seconds": round(min(times), 4),
                                  "seconds_max": round(max(times), 4), "layer_bytes": fg_bytes,
                                  "base_map_bytes": base_bytes, "aggregated": agg}
    out["peak_rss_mb"] = round(_rss_mb(), 1)
    return out


UPLOAD_ARTICLE = """---
title: Frappes sur Saraqeb
source: Banc d'essai
published: 2018-02-10
---
Des raids aériens russes ont frappé vendredi la ville de Saraqeb, dans la province d'Idleb.
L'armée syrienne a repris samedi le contrôle de la ville de Maaret al-Noomane aux rebelles.
"""


def _children_private_kb(pid: int) -> int:
    """Largest private (not shared with the server) resident memory (KiB) among the children of ``pid``."""
    best = 0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = (task / "children").read_text().split()
        except OSError:
            continue
        for k in kids:
            try:
                roll = Path(f"/proc/{k}/smaps_rollup").read_text()
            except OSError:
                continue
            priv = sum(int(x.split()[1]) for x in roll.splitlines() if x.startswith(("Private_Clean", "Private_Dirty")))
            best = max(best, priv)
    return best


def _children_hwm_kb(pid: int) -> int:
    """Largest peak RSS (KiB) among the current children of ``pid`` (0 when none)."""
    best = 0
    kids: list[str] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):  # the script thread, not the main one, starts it
        try:
            kids += (task / "children").read_text().split()
        except OSError:
            pass
    for k in kids:
        try:
            status = Path(f"/proc/{k}/status").read_text()
            best = max(best, int(next(x.split()[1] for x in status.splitlines() if x.startswith("VmHWM"))))
        except (OSError, StopIteration):
            pass
    return best


def server_rss(data_dir: str, chromium: str = "/usr/bin/chromium", upload: bool = False) -> dict[str, Any]:
    """Peak RSS of a real ``streamlit run app.py`` after a browser drew the map and changed a filter.

    With ``upload``, the browser then uploads one article and waits for its events: the server's
    peak RSS is that of an upload session (the analysis runs in a child process, measured apart).
    """
    import os
    import socket
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "CONFLICTMAP_DATA": data_dir}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                             str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--server.fileWatcherType", "none"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        t0 = time.perf_counter()
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = b.new_page(locale="fr-FR")  # the dashboard follows the browser language
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1")
                       else r.abort())
            page.goto(url)
            drawn = None
            for _ in range(300):
                for f in page.frames:
                    if "streamlit_folium" in f.url:
                        try:
                            if f.evaluate("() => !!(window.map && window.cmLib && window.cmLib.stats(window.map).outline)"):
                                drawn = time.perf_counter() - t0
                        except Exception:  # noqa: BLE001
                            pass
                if drawn:
                    break
                page.wait_for_timeout(100)
            page.goto(url + "?actor=RUS&from=2017-01-01&to=2017-12-31")
            page.wait_for_timeout(4000)
            child_kb = child_priv = 0
            out_upload = ""
            if upload:
                import tempfile as _tf

                with _tf.TemporaryDirectory() as tmp:
                    art = Path(tmp) / "saraqeb.md"
                    art.write_text(UPLOAD_ARTICLE, encoding="utf-8")
                    page.get_by_text("Ajouter vos articles").first.click()
                    page.locator("input[type=file]").first.set_input_files(str(art))
                    page.get_by_role("button", name="Analyser").click()
                    for _ in range(1200):
                        child_kb = max(child_kb, _children_hwm_kb(proc.pid))
                        child_priv = max(child_priv, _children_private_kb(proc.pid))
                        if page.get_by_text("analysé(s)").count():
                            out_upload = page.get_by_text("analysé(s)").first.text_content() or ""
                            break
                        page.wait_for_timeout(100)
                    page.wait_for_timeout(2000)
            b.close()
        status = Path(f"/proc/{proc.pid}/status").read_text()
        hwm = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
        out = {"data": data_dir, "cold_start_to_map_s": round(drawn or -1, 2),
               "server_peak_rss_mb": round(hwm / 1024, 1)}
        if upload:
            out["upload"] = True
            out["analysis_child_peak_rss_mb"] = round(child_kb / 1024, 1)
            out["analysis_child_private_mb"] = round(child_priv / 1024, 1)  # not shared with the server (fork)
            out["upload_message"] = out_upload
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main(argv: list[str] | None = None) -> int:
    """Run every size in a child process and write the results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--million", action="store_true", help="also run 1,000,000 events")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)  # child mode
    ap.add_argument("--server", action="store_true",
                    help="also measure a real Streamlit server (bundled data and 100k events; needs chromium)")
    ap.add_argument("--upload", action="store_true",
                    help="only measure an upload session on the bundled data (server and analysis process RSS)")
    args = ap.parse_args(argv)
    if args.upload:
        res = server_rss(str(ROOT / "data" / "seeds"), upload=True)
        res_dir = ROOT / "bench" / "results"
        res_dir.mkdir(parents=True, exist_ok=True)
        (res_dir / "dashboard_upload.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
        print(f"upload session on {res['data']}: server peak RSS {res['server_peak_rss_mb']} MB "
              f"(target 450), analysis child peak RSS {res['analysis_child_peak_rss_mb']} MB "
              f"(private, i.e. beyond the server's: {res['analysis_child_private_mb']} MB); "
              f"{res['upload_message']!r}")
        return 0
    if args.size:
        print(json.dumps(run_size(args.size, args.repeat)))
        return 0
    sizes = [1_000, 10_000, 100_000] + ([1_000_000] if args.million else [])
    results = []
    for n in sizes:
        proc = subprocess.run([sys.executable, __file__, "--size", str(n), "--repeat", str(args.repeat)],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    servers = []
    if args.server:
        import tempfile

        from conflictmap import demo

        seeds = ROOT / "data" / "seeds"
        if (seeds / "events.parquet").exists():
            servers.append(server_rss(str(seeds)))
        with tempfile.TemporaryDirectory() as tmp:
            ev = demo.make_events(100_000, seed=0)
            demo.write_dataset(tmp, {"events": ev, "articles": demo.make_articles(ev.head(0)),
                                          "mentions": demo.make_mentions(ev.head(0)),
                                          "control": demo.make_control(ev), "zones": demo.make_zones(),
                                          "actors": demo.make_actors()})
            servers.append(server_rss(tmp))
    doc = {"machine": {"python": platform.python_version(), "platform": platform.platform(),
                       "cpus": __import__("os").cpu_count()},
           "targets_at_100k": TARGETS, "results": results, "servers": servers}
    res_dir = ROOT / "bench" / "results"
    res_dir.mkdir(parents=True, exist_ok=True)
    (res_dir / "dashboard.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print("| events | scenario | in view | server s (filter→payload) | layer bytes | base map bytes | grid | "
          "peak RSS MB |")
    print("|---:|---|---:|---:|---:|---:|:-:|---:|")
    for r in results:
        for name, s in r["scenarios"].items():
            print(f"| {r['n']:,} | {name} | {s['events_in_view']:,} | {s['seconds']:.3f} | {s['layer_bytes']:,} | "
                  f"{s['base_map_bytes']:,} | {'yes' if s['aggregated'] else 'no'} | {r['peak_rss_mb']} |")
    for srv in servers:
        print(f"\nstreamlit server on {srv['data']}: cold start to drawn map {srv['cold_start_to_map_s']} s, "
              f"peak RSS {srv['server_peak_rss_mb']} MB")
    r100 = next((r for r in results if r["n"] == 100_000), None)
    if r100:
        worst_s = max(s["seconds"] for s in r100["scenarios"].values())
        worst_b = max(s["layer_bytes"] + s["base_map_bytes"] for s in r100["scenarios"].values())
        print(f"\n100k: worst server time {worst_s:.3f} s (target {TARGETS['seconds']} s, "
              f"ratio {worst_s / TARGETS['seconds']:.2f}); worst bytes {worst_b:,} (target {TARGETS['bytes']:,}, "
              f"ratio {worst_b / TARGETS['bytes']:.2f}); peak RSS {r100['peak_rss_mb']} MB "
              f"(target {TARGETS['rss_mb']}, ratio {r100['peak_rss_mb'] / TARGETS['rss_mb']:.2f}); "
              f"load {r100['load_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
