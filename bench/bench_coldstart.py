"""Cold start (a script, not a test): ``conflictmap ingest one-article.txt`` in a fresh process.

Each run is a new ``conflictmap ingest`` process on one seed article into an empty
folder, wall time from process start to exit (with the gazetteer index already
built — the very first run on a machine builds it, ~20-30 s, and is not counted).
Two modes are interleaved run by run so background load hits both alike:

* ``before``: ``CONFLICTMAP_NO_REGEX_CACHE=1`` — spaCy compiles the French tokenizer's
  1.4 MB ``TOKEN_MATCH`` expression as it always did;
* ``after``: the compiled expression is rebuilt from the bytecode cached under the
  cache folder (:mod:`conflictmap.extract.coldstart`).

A phase breakdown of one ``after`` process is recorded too. Target: ≤ 5 s.

Usage::

    python bench/bench_coldstart.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PY, ROOT, median, run_timed, write_result  # noqa: E402

PHASES = r"""
import json, sys, time
t0 = time.perf_counter(); ph = {}
def lap(name):
    global t0
    t = time.perf_counter(); ph[name] = round(t - t0, 3); t0 = t
import conflictmap.cli; lap("import_cli")
import spacy; lap("import_spacy")
from conflictmap.settings import Settings
from conflictmap.extract.coldstart import prime_tokenizer_regexes
s = Settings(); r = prime_tokenizer_regexes(s.model, s.cache_dir); lap("prime_regex_cache")
import spacy.lang.fr; lap("import_spacy_lang_fr")
nlp = spacy.load(s.model); lap("spacy_load_model")
from conflictmap.extract.nlp import shared_gazetteer
shared_gazetteer(s); lap("gazetteer_load")
from conflictmap.extract.pipeline import Pipeline
pipe = Pipeline.load(s); lap("pipeline_load_again_incl_components")
res = pipe.run_paths([sys.argv[1]]); lap("process_one_article")
from conflictmap import store
from conflictmap.store.archive import write_events_archive
store.write_dataset(sys.argv[2], res.frames()); write_events_archive(sys.argv[2], res.events); lap("write_outputs")
print("RESULT " + json.dumps({"phases": ph, "regex_cache": r}))
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="cold-start benchmark")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="cm-bench-cold-"))
    one = tmp / "one.txt"
    shutil.copy(sorted((ROOT / "seeds").glob("*.txt"))[0], one)
    cli = [str(Path(PY).with_name("conflictmap"))]
    if not Path(cli[0]).exists():
        cli = [PY, "-m", "conflictmap.cli"]

    def ingest(env: dict[str, str]) -> float:
        out = tmp / "out"
        shutil.rmtree(out, ignore_errors=True)
        wall, cp = run_timed([*cli, "ingest", str(one), "--out", str(out)], env=env)
        if cp.returncode != 0:
            raise RuntimeError(cp.stderr[-2000:])
        return wall

    ingest({})  # builds the gazetteer index and the regex cache if missing (not counted)
    before: list[float] = []
    after: list[float] = []
    for i in range(a.repeat):
        for mode in (("before", "after") if i % 2 == 0 else ("after", "before")):
            if mode == "before":
                before.append(ingest({"CONFLICTMAP_NO_REGEX_CACHE": "1"}))
            else:
                after.append(ingest({}))
        print(f"  run {i + 1}: before {before[-1]:.2f} s, after {after[-1]:.2f} s", flush=True)
    _, cp = run_timed([PY, "-c", PHASES, str(one), str(tmp / "out-phases")])
    line = next((x for x in cp.stdout.splitlines() if x.startswith("RESULT ")), None)
    phases = json.loads(line[7:]) if line else {"error": cp.stderr[-1000:]}
    _, cp2 = run_timed([PY, "-c", PHASES, str(one), str(tmp / "out-phases2")], env={"CONFLICTMAP_NO_REGEX_CACHE": "1"})
    line2 = next((x for x in cp2.stdout.splitlines() if x.startswith("RESULT ")), None)
    phases_before = json.loads(line2[7:]) if line2 else {"error": cp2.stderr[-1000:]}
    res = {
        "before_s": round(median(before), 2), "after_s": round(median(after), 2),
        "before_all": [round(x, 2) for x in before], "after_all": [round(x, 2) for x in after],
        "speedup": round(median(before) / median(after), 2),
        "phases_after": phases, "phases_before": phases_before,
        "targets": {"one_article_ingest_s": 5.0},
        "note": "gazetteer index already built (the very first run builds it: ~20-30 s)",
    }
    print(json.dumps(res, indent=1))
    print(f"wrote {write_result('coldstart', res)}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
