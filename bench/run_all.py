"""Run every benchmark and write ``bench/results/RESULTS.md`` (one command: ``make bench``).

Runs ``bench_ingest.py`` (500 synthetic articles by default), ``bench_gazetteer.py``,
``bench_coldstart.py`` and, if present, ``bench_dashboard.py``; each writes its JSON to
``bench/results/``; this script then writes the summary table with the machine it ran on.
About 6-8 minutes on the 2-core reference machine.

Usage::

    python bench/run_all.py [--n 1000] [--quick] [--skip ingest,dashboard] [--report-only]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PY, RESULTS, ROOT, machine  # noqa: E402

BENCH = ROOT / "bench"


def _load(name: str) -> dict[str, Any] | None:
    p = RESULTS / f"{name}.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


def _row(rows: list[list[str]], what: str, target: str, measured: Any, ratio: float | None, ok: bool | None) -> None:
    rows.append([what, target, str(measured), "" if ratio is None else f"{ratio:.2f}",
                 "—" if ok is None else ("✅" if ok else "❌")])


def report(timings: dict[str, float]) -> str:
    rows: list[list[str]] = []
    ing, gaz, cold, dash = _load("ingest"), _load("gazetteer"), _load("coldstart"), _load("dashboard")
    if ing:
        c = ing["corpus"]
        b, s = ing["bare_spacy"], ing["pipeline_serial"]
        _row(rows, f"ingest, 1 process ({c['articles']} articles, {c['words']:,} words): pipeline / bare spaCy",
             "≥ 0.80×", f"{s['articles_per_s']} vs {b['articles_per_s']} art/s; {s['words_per_s']:,.0f} vs "
             f"{b['words_per_s']:,.0f} words/s", ing["pipeline_vs_bare"], ing["pipeline_vs_bare"] >= 0.8)
        if "two_vs_one" in ing:
            p2 = ing["pipeline_2proc"]
            _row(rows, "ingest, 2 processes / 1 process (`n_process=2`)", "≥ 1.60×",
                 f"{p2['articles_per_s']} vs {s['articles_per_s']} art/s (same events: {p2['same_events_as_serial']})",
                 ing["two_vs_one"], ing["two_vs_one"] >= 1.6)
        if "dask_vs_serial" in ing:
            d = ing["dask_local_2workers"]
            _row(rows, "ingest, Dask LocalCluster 2 workers / serial", "—",
                 f"{d['articles_per_s']} art/s, start-up {d['startup_s']} s (same events: {d['same_events_as_serial']})",
                 ing["dask_vs_serial"], None)
            _row(rows, "ingest, Dask incl. cluster start-up / serial incl. model load", "—",
                 f"{d['seconds_with_startup']} s vs {s['seconds'] + ing['model_load_s']['pipeline']:.1f} s",
                 ing["dask_vs_serial_with_startup"], None)
    if gaz:
        _row(rows, "gazetteer cold load (fresh process, cached index)", "≤ 1 s", f"{gaz['load_s']} s",
             1.0 / gaz["load_s"] if gaz["load_s"] else None, gaz["load_s"] <= 1.0)
        _row(rows, "gazetteer RSS after load (whole process, numpy incl.)", "≤ 200 MB",
             f"{gaz['rss_mb']} MB (load adds {gaz['rss_delta_mb']} MB; peak {gaz['maxrss_mb']} MB)",
             200 / gaz["rss_mb"], gaz["rss_mb"] <= 200)
        _row(rows, "gazetteer exact look-ups, first touch (24k random GeoNames names)", "≥ 100,000/s",
             f"{gaz['exact_per_s']:,}/s", gaz["exact_per_s"] / 100_000, gaz["exact_per_s"] >= 100_000)
        if "exact_warm_per_s" in gaz:
            _row(rows, "gazetteer exact look-ups, repeated names (memoised)", "≥ 100,000/s",
                 f"{gaz['exact_warm_per_s']:,}/s", gaz["exact_warm_per_s"] / 100_000,
                 gaz["exact_warm_per_s"] >= 100_000)
        _row(rows, "gazetteer fuzzy look-ups", "—", f"{gaz['fuzzy_per_s']:,}/s", None, None)
    if cold:
        _row(rows, "cold start: `conflictmap ingest one-article.txt` (fresh process)", "≤ 5 s",
             f"{cold['after_s']} s (before: {cold['before_s']} s)", 5.0 / cold["after_s"], cold["after_s"] <= 5.0)
    if dash:
        t = dash.get("targets_at_100k", {})
        for r in dash.get("results", []):
            scen = r.get("scenarios", {})
            if not scen:
                continue
            worst = max(v.get("seconds", 0) for v in scen.values())
            maxb = max(v.get("layer_bytes", 0) + v.get("base_map_bytes", 0) for v in scen.values())
            n = r.get("n")
            at100k = n == 100_000
            ok = (worst <= t.get("seconds", 1e9) and maxb <= t.get("bytes", 1e18)
                  and r.get("peak_rss_mb", 0) <= t.get("rss_mb", 1e9)) if at100k and t else None
            _row(rows, f"dashboard {n:,} events: filter change → map (worst scenario), bytes, peak RSS",
                 "≤ 0.5 s, ≤ 3 MB, ≤ 600 MB at 100k" if at100k else "—",
                 f"{worst:.3f} s, {maxb / 1e6:.2f} MB, {r.get('peak_rss_mb')} MB", None, ok)
    dcold = _load("coldstart_dashboard")
    if dcold:
        _row(rows, "dashboard cold start: `streamlit run app.py` → map drawn in headless Chromium (seeds)", "≤ 3 s",
             f"{dcold['map_drawn_median_s']} s (server healthy after {dcold['health_median_s']} s; a one-line "
             f"Streamlit app: {dcold.get('baseline_hello_app_median_s', '?')} s)",
             3.0 / dcold["map_drawn_median_s"], dcold["map_drawn_median_s"] <= 3.0)
    load = _load("load")
    if load:
        for label, run in load.get("runs", {}).items():
            sm = run.get("summary", {})
            if not sm or run.get("config", {}).get("sessions") != 20:
                continue
            ok = sm.get("sessions_held") == 20 and sm.get("rerun_p95_s", 9) <= 2.0 and sm.get("errors", 1) == 0
            _row(rows, f"load ({label})", "20 sessions, p95 ≤ 2 s, 0 errors",
                 f"{sm.get('sessions_held')} held, p95 {sm.get('rerun_p95_s')} s, {sm.get('errors')} errors, "
                 f"RSS {sm.get('server_rss_mb_end', sm.get('server_tree_rss_mb_end', '?'))} MB", None, ok)
    m = machine()
    head = (f"# Benchmark results\n\nGenerated by `make bench` (`python bench/run_all.py`) on {m['date']}.\n\n"
            f"**Machine:** {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; {m['os']}; Python {m['python']}, "
            f"spaCy {m['spacy']}. Load average at the end: {m['loadavg']}.\n\n"
            "Ratios are measured within the same run (see each script's docstring), so they hold on a noisy "
            "machine better than absolute figures.\n\n")
    table = ["| benchmark | target | measured | ratio | pass |", "|---|---|---|---|---|"]
    table += ["| " + " | ".join(r) + " |" for r in rows]
    tail = "\n\nScript wall times: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + "\n"
    if cold and "phases_after" in cold:
        ph = cold["phases_after"].get("phases", {})
        phb = cold["phases_before"].get("phases", {})
        tail += ("\nCold-start phases (s), one fresh process, before → after:\n\n| phase | before | after |\n|---|---|---|\n"
                 + "\n".join(f"| {k} | {phb.get(k, '')} | {v} |" for k, v in ph.items()) + "\n")
    return head + "\n".join(table) + tail


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="run all benchmarks")
    ap.add_argument("--n", type=int, default=500,
                    help="synthetic articles for the ingest benchmark (500 keeps the run under 10 min on 2 cores)")
    ap.add_argument("--quick", action="store_true", help="200 articles, 1 cold-start repeat")
    ap.add_argument("--skip", default="", help="comma-separated: ingest,gazetteer,coldstart,dashboard")
    ap.add_argument("--report-only", action="store_true", help="only rewrite RESULTS.md from the JSON files")
    a = ap.parse_args(argv)
    skip = set(filter(None, a.skip.split(",")))
    n = 200 if a.quick else a.n
    plan = [
        ("gazetteer", [PY, str(BENCH / "bench_gazetteer.py")]),
        ("coldstart", [PY, str(BENCH / "bench_coldstart.py"), "--repeat", "1" if a.quick else "3"]),
        ("ingest", [PY, str(BENCH / "bench_ingest.py"), "--n", str(n)]),
    ]
    if (BENCH / "bench_dashboard.py").exists():
        plan.append(("dashboard", [PY, str(BENCH / "bench_dashboard.py")]))
    if Path("/usr/bin/chromium").exists() or os.environ.get("CONFLICTMAP_CHROMIUM"):
        plan.append(("dashboard_coldstart", [PY, str(BENCH / "bench_coldstart_dashboard.py"), "--runs", "3"]))
    plan.append(("load", [PY, str(BENCH / "load_test.py"), "--sessions", "20", "--duration", "40",
                          "--think", "3", "6", "--label", "make bench: 20 sessions, a change every 3-6 s"]))
    timings: dict[str, float] = {}
    failed = []
    if not a.report_only:
        for name, cmd in plan:
            if name in skip:
                continue
            print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
            t = time.perf_counter()
            rc = subprocess.call(cmd, cwd=ROOT)
            timings[name] = time.perf_counter() - t
            if rc != 0:
                failed.append(name)
                print(f"!! {name} failed (exit {rc})", flush=True)
    md = report(timings)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "RESULTS.md").write_text(md, encoding="utf-8")
    print(md)
    print(f"wrote {RESULTS / 'RESULTS.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
