"""Gazetteer benchmark (a script, not a test): cold load time and memory, look-ups per second.

Runs in fresh processes (the index file is built first if needed, outside the timing):

* ``load_s``: ``Gazetteer.load()`` from the cached index (median of ``--repeat`` processes),
  and ``import_s`` of the module (numpy included) before it;
* ``rss_mb``: resident memory after loading (whole process: interpreter + numpy + index),
  ``rss_delta_mb``: what the load itself added;
* ``exact_per_s``: :meth:`Gazetteer.exact` on names drawn from the index (mixed case/accents);
* ``fuzzy_per_s``: :meth:`Gazetteer.fuzzy` on misspelt/transliterated variants.

Targets: load ≤ 1 s, RSS ≤ 200 MB, exact ≥ 100k/s.

Usage::

    python bench/bench_gazetteer.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PY, median, run_timed, write_result  # noqa: E402

CHILD = r"""
import json, os, random, resource, sys, time
import psutil
proc = psutil.Process()
rss0 = proc.memory_info().rss
t0 = time.perf_counter()
from conflictmap.geo.gazetteer import Gazetteer
from conflictmap.settings import Settings
t1 = time.perf_counter()
rss1 = proc.memory_info().rss
g = Gazetteer.load(Settings())
t2 = time.perf_counter()
rss2 = proc.memory_info().rss
out = {"import_s": t1 - t0, "load_s": t2 - t1, "rss_mb": rss2 / 2**20, "rss_before_load_mb": rss1 / 2**20,
       "rss_delta_mb": (rss2 - rss1) / 2**20, "places": len(g)}
if "--lookups" in sys.argv:
    rng = random.Random(0)
    idx = [rng.randrange(len(g)) for _ in range(20000)]
    names = [g.place(i).name for i in idx]
    names = [n.upper() if k % 3 == 0 else n for k, n in enumerate(names)]
    names += ["Alep", "Damas", "Deir ez-Zor", "Idlib", "Homs", "Raqqa", "Nassib", "Khan Cheikhoun"] * 500
    g.exact("Alep")
    t = time.perf_counter()
    for n in names:
        g.exact(n)
    out["exact_per_s"] = len(names) / (time.perf_counter() - t)
    t = time.perf_counter()
    for n in names:  # the same names again, as a news feed repeats them
        g.exact(n)
    out["exact_warm_per_s"] = len(names) / (time.perf_counter() - t)
    def mangle(s):
        s = s.replace("ou", "u").replace("ch", "sh").replace("kh", "h")
        return s[:-1] if len(s) > 6 else s + "e"
    fz = [mangle(n) for n in names[:1500]] + ["Khan Sheikhun", "Deir Ezzor", "Raka", "Palmyre", "Douma", "Halab"] * 50
    t = time.perf_counter()
    hits = sum(1 for n in fz if g.fuzzy(n))
    out["fuzzy_per_s"] = len(fz) / (time.perf_counter() - t)
    out["fuzzy_hit_rate"] = hits / len(fz)
out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(out))
"""


def child(lookups: bool) -> dict:
    args = [PY, "-c", CHILD] + (["--lookups"] if lookups else [])
    wall, cp = run_timed(args)
    line = next((x for x in cp.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(cp.stderr[-2000:])
    d = json.loads(line[7:])
    d["process_wall_s"] = wall
    return d


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="gazetteer benchmark")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    child(False)  # builds the cached index if missing; warms the OS page cache like any second run
    runs = [child(False) for _ in range(a.repeat)]
    look = child(True)
    res = {
        "places": runs[0]["places"],
        "load_s": round(median([r["load_s"] for r in runs]), 3),
        "load_s_all": [round(r["load_s"], 3) for r in runs],
        "import_s": round(median([r["import_s"] for r in runs]), 3),
        "rss_mb": round(median([r["rss_mb"] for r in runs]), 1),
        "rss_before_load_mb": round(median([r["rss_before_load_mb"] for r in runs]), 1),
        "rss_delta_mb": round(median([r["rss_delta_mb"] for r in runs]), 1),
        "maxrss_mb": round(median([r["maxrss_mb"] for r in runs]), 1),
        "exact_per_s": round(look["exact_per_s"]),
        "exact_warm_per_s": round(look["exact_warm_per_s"]),
        "fuzzy_per_s": round(look["fuzzy_per_s"]),
        "fuzzy_hit_rate": round(look["fuzzy_hit_rate"], 3),
        "targets": {"load_s": 1.0, "rss_mb": 200, "exact_per_s": 100_000},
    }
    print(json.dumps(res, indent=1))
    print(f"wrote {write_result('gazetteer', res)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
